import ImMetaIOCore

/// Where a bucket's name goes in a request's URL.
public enum S3AddressingStyle: String, Sendable, Hashable, CaseIterable {
    /// Virtual-host style on AWS when the bucket name is a valid DNS label sequence (and has no
    /// `.` over HTTPS, whose certificates would not match), else path style; path style for
    /// custom endpoints, which often have no wildcard DNS. What the AWS SDKs call `auto`.
    case automatic = "auto"
    /// `https://endpoint/bucket/key`.
    case path
    /// `https://bucket.endpoint/key`.
    case virtualHosted = "virtual"
}

/// How an ``S3Client`` reaches S3 or an S3-compatible server: region, endpoint, credentials,
/// addressing, retries and timeouts.
///
/// Build one by hand, or read it the way the AWS SDKs do with
/// ``fromEnvironment(_:profile:homeDirectory:anonymous:)``. Without credentials requests are sent
/// unsigned (anonymous access to public buckets). The description never shows the secret key
/// or the session token.
public struct S3Configuration: Sendable, Hashable, CustomStringConvertible {
    /// The region that requests are signed for and, on AWS, that names the endpoint
    /// (`s3.<region>.amazonaws.com`).
    public var region: String
    /// A custom endpoint such as `http://127.0.0.1:9000` or `https://storage.example.com/base`,
    /// or `nil` for AWS's endpoint of ``region``.
    public var endpoint: String?
    /// The key that signs requests, or `nil` for anonymous (unsigned) requests.
    public var credentials: S3Credentials?
    /// Path or virtual-host style.
    public var addressingStyle: S3AddressingStyle
    /// When and how often failed requests are repeated.
    public var retryPolicy: S3RetryPolicy
    /// The longest time one attempt of a request may take, from sending it to the last byte of
    /// the response; an attempt that takes longer fails (and is retried).
    public var requestTimeout: Duration
    /// Whether uploads carry their body's SHA-256 in the signature (`false` sends
    /// `UNSIGNED-PAYLOAD`, which saves hashing; use it over HTTPS only).
    public var signsPayload: Bool
    /// The largest response body the client accepts (objects read whole, listings); a larger one
    /// fails with `ImMetaIOError/Code/limitExceeded` instead of being buffered.
    public var maximumResponseSize: Int

    /// Creates a configuration.
    public init(
        region: String = "us-east-1", endpoint: String? = nil, credentials: S3Credentials? = nil,
        addressingStyle: S3AddressingStyle = .automatic, retryPolicy: S3RetryPolicy = .standard,
        requestTimeout: Duration = .seconds(60), signsPayload: Bool = true, maximumResponseSize: Int = 1 << 31
    ) {
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.addressingStyle = addressingStyle
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.signsPayload = signsPayload
        self.maximumResponseSize = maximumResponseSize
    }

    /// Whether requests go unsigned.
    public var isAnonymous: Bool { credentials == nil }

    /// The settings, with the credentials redacted.
    public var description: String {
        var text = "S3Configuration(region: \(region), endpoint: \(endpoint.map(S3Endpoint.redacted) ?? "AWS")"
        text += ", credentials: \(credentials.map { $0.description } ?? "anonymous")"
        text += ", addressing: \(addressingStyle.rawValue), retries: \(retryPolicy), timeout: \(requestTimeout))"
        return text
    }

    /// Checks the region and endpoint and works out the endpoint's parts.
    func resolvedEndpoint() throws(ImMetaIOError) -> S3Endpoint {
        guard !region.isEmpty, region.utf8.count <= 64,
            region.utf8.allSatisfy({ S3URIEncoding.isUnreserved($0) && $0 != UInt8(ascii: "~") })
        else {
            throw ImMetaIOError(.invalidArgument, "the S3 region '\(region)' is not a region name")
        }
        if let endpoint { return try S3Endpoint(parsing: endpoint) }
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return S3Endpoint(scheme: "https", host: "s3.\(region).\(domain)", port: nil, basePath: "", isAWS: true)
    }
}

/// A parsed endpoint URL: `scheme://host[:port][/basePath]`.
struct S3Endpoint: Sendable, Hashable {
    var scheme: String
    /// The host as it appears in URLs (IPv6 addresses in brackets).
    var host: String
    var port: Int?
    /// A path prefix without a trailing slash (`""` or `/base`).
    var basePath: String
    /// AWS's own endpoint (virtual-host addressing by default).
    var isAWS: Bool

    /// The `Host` header: the host, with the port when it is not the scheme's default.
    var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    init(scheme: String, host: String, port: Int?, basePath: String, isAWS: Bool) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
        self.isAWS = isAWS
    }

    /// Parses `http(s)://host[:port][/path]`; no user information, query or fragment.
    init(parsing text: String) throws(ImMetaIOError) {
        func invalid(_ why: String) -> ImMetaIOError {
            ImMetaIOError(.invalidArgument, "the S3 endpoint '\(Self.redacted(text))' \(why)")
        }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            scheme = "https"
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            scheme = "http"
            rest = text.dropFirst(7)
        } else {
            throw invalid("must start with http:// or https://")
        }
        if rest.contains("?") || rest.contains("#") { throw invalid("must not have a query or fragment") }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        if rest.contains("@") { throw invalid("must not contain user information") }
        var hostPart = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("has an unclosed IPv6 address") }
            hostPart = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("has text after its IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty,
            hostPart.utf8.allSatisfy({
                S3URIEncoding.isUnreserved($0) || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]")
                    || $0 == UInt8(ascii: ":")
            })
        else { throw invalid("has no valid host name") }
        host = String(hostPart).lowercased()
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw invalid("has an invalid port") }
            port = number
        } else {
            port = nil
        }
        guard path.utf8.allSatisfy({ S3URIEncoding.isUnreserved($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") })
        else { throw invalid("has characters in its path that must be percent-encoded") }
        basePath = path
        isAWS = host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
    }

    /// The endpoint text for messages: anything between `://` and the last `@` (user
    /// information, which may hold a password, even one with an unencoded `/`) replaced.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].lastIndex(of: "@") else {
            return text
        }
        return String(text[..<schemeEnd.upperBound]) + "<redacted>" + String(text[at...])
    }
}
