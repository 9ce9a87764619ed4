import Crypto
import Foundation

/// AWS Signature Version 4 for S3: the `Authorization` header of a request, or the query of a
/// presigned URL.
///
/// The canonical path is the path exactly as sent (S3 does not normalise it: keys are encoded
/// segment by segment and `.`/`..` stay as they are); query names and values are encoded here and
/// sorted by their encoded bytes; header values are trimmed with inner runs of white space folded.
struct SigV4Signer: Sendable {
    /// The payload hash that S3 accepts in place of the body's SHA-256.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of no bytes.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    let credentials: S3Credentials
    let region: String
    let service: String

    init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The intermediate strings of one signature (the tests compare them with botocore's).
    struct Signature: Sendable {
        var canonicalRequest: String
        var stringToSign: String
        var signedHeaders: String
        var signature: String
        var credentialScope: String
    }

    /// Signs a request with the `Authorization` header. `headers` must hold `host` and every
    /// header to sign; this adds `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`
    /// (with a session token) and `Authorization`.
    @discardableResult
    func signHeaders(
        method: String, path: String, query: [(String, String)], headers: inout [(String, String)],
        payloadHash: String, date: Date
    ) -> Signature {
        let timestamp = AMZDate(date)
        headers.removeAll { name, _ in
            let lower = name.lowercased()
            return lower == "authorization" || lower == "x-amz-date" || lower == "x-amz-content-sha256"
                || lower == "x-amz-security-token"
        }
        headers.append(("X-Amz-Date", timestamp.dateTime))
        headers.append(("X-Amz-Content-SHA256", payloadHash))
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        let result = sign(
            method: method, path: path, query: query, headers: headers, payloadHash: payloadHash,
            timestamp: timestamp)
        headers.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(result.credentialScope), "
                + "SignedHeaders=\(result.signedHeaders), Signature=\(result.signature)"
        ))
        return result
    }

    /// The query of a presigned URL (`X-Amz-Algorithm` … `X-Amz-Signature`) that signs `host`
    /// only, for `expires` seconds from `date`: `query` (the operation's own parameters) followed
    /// by the authentication parameters, encoded.
    func presignedQuery(
        method: String, path: String, query: [(String, String)], host: String, expires: Int, date: Date
    ) -> (query: String, signature: Signature) {
        let timestamp = AMZDate(date)
        let scope = credentialScope(timestamp)
        var parameters = query
        parameters.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        parameters.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"))
        parameters.append(("X-Amz-Date", timestamp.dateTime))
        parameters.append(("X-Amz-Expires", String(expires)))
        parameters.append(("X-Amz-SignedHeaders", "host"))
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        let result = sign(
            method: method, path: path, query: parameters, headers: [("host", host)],
            payloadHash: Self.unsignedPayload, timestamp: timestamp)
        let encoded = Self.canonicalQuery(parameters) + "&X-Amz-Signature=" + result.signature
        return (encoded, result)
    }

    private func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: String, timestamp: AMZDate
    ) -> Signature {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonicalRequest = [
            method.uppercased(), path.isEmpty ? "/" : path, Self.canonicalQuery(query), canonicalHeaders,
            signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = credentialScope(timestamp)
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp.dateTime, scope,
            S3URIEncoding.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let key = signingKey(day: timestamp.date)
        let signature = S3URIEncoding.hex(
            HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            signature: signature, credentialScope: scope)
    }

    private func credentialScope(_ timestamp: AMZDate) -> String {
        "\(timestamp.date)/\(region)/\(service)/aws4_request"
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`, derived
    /// once per day, region and credentials (every request of a day signs with the same key).
    private func signingKey(day: String) -> SymmetricKey {
        let scope = SigningKeyCache.Scope(
            day: day, region: region, service: service, accessKeyID: credentials.accessKeyID,
            secretAccessKey: credentials.secretAccessKey)
        if let key = SigningKeyCache.shared.key(for: scope) { return key }
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        let secret = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        let key = hmac(hmac(hmac(hmac(secret, day), region), service), "aws4_request")
        SigningKeyCache.shared.store(key, for: scope)
        return key
    }

    /// Names and values encoded, sorted by the encoded name then value, joined with `&`.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded = query.map {
            (S3URIEncoding.encode($0.0, keepingSlash: false), S3URIEncoding.encode($0.1, keepingSlash: false))
        }
        let sorted = encoded.sorted { a, b in
            a.0 != b.0 ? a.0.utf8.lexicographicallyPrecedes(b.0.utf8) : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
        }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `name:value` lines (lower-case names, sorted; repeated names joined with `,`) and the
    /// `;`-separated list of the signed names.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (canonical: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = trimmed(name).lowercased()
            guard !unsignedHeaders.contains(lower) else { continue }
            values[lower, default: []].append(trimmed(value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonical = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// Headers that proxies and HTTP clients may change, so they are never signed (as the AWS
    /// SDKs do).
    static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "content-length",
    ]

    /// The value without leading or trailing white space, each inner run folded to one space.
    private static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .joined(separator: " ")
    }
}

/// Signing keys already derived, by everything they derive from. Small: a process signs with a
/// few credentials, and a day's keys replace the previous day's. `@unchecked Sendable`: guarded
/// by `lock`.
final class SigningKeyCache: @unchecked Sendable {
    struct Scope: Hashable {
        var day: String
        var region: String
        var service: String
        var accessKeyID: String
        var secretAccessKey: String
    }

    static let shared = SigningKeyCache()
    private let lock = NSLock()
    private var keys: [Scope: SymmetricKey] = [:]

    func key(for scope: Scope) -> SymmetricKey? { lock.withLock { keys[scope] } }

    func store(_ key: SymmetricKey, for scope: Scope) {
        lock.withLock {
            if keys.count >= 16 { keys.removeAll() }
            keys[scope] = key
        }
    }
}

/// The request time in Signature V4's two forms: `20130524T000000Z` and `20130524`.
struct AMZDate: Sendable {
    let dateTime: String
    let date: String

    init(_ instant: Date) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        date = "\(String(year).count < 4 ? String(repeating: "0", count: 4 - String(year).count) : "")\(year)"
            + two(month) + two(day)
        dateTime = date + "T" + two(secondOfDay / 3600) + two(secondOfDay / 60 % 60) + two(secondOfDay % 60) + "Z"
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
    private static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
