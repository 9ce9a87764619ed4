import Foundation
import Testing

@testable import S3

/// Our Signature V4 and addressing against botocore's, on the cases `check_sigv4.py` recorded in
/// `Golden/sigv4.json` (real botocore S3 calls at fixed times, hand-made canonicalisation cases
/// and presigned URLs).
@Suite struct SigV4GoldenTests {
    struct GoldenFile: Decodable {
        var accessKeyID: String
        var secretAccessKey: String
        var cases: [GoldenCase]
    }

    struct GoldenCase: Decodable {
        var name: String
        var kind: String
        var region: String
        var endpoint: String?
        var addressing: String?
        var bucket: String?
        var key: String?
        var sessionToken: String?
        var time: Int
        var method: String?
        var url: String?
        var host: String?
        var path: String?
        var query: [[String]]?
        var headers: [[String]]?
        var canonicalRequest: String?
        var stringToSign: String?
        var authorization: String?
        var bodySHA256: String?
        var expires: Int?
    }

    static let golden: GoldenFile? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/sigv4.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(GoldenFile.self, from: data)
    }()

    func file() throws -> GoldenFile { try #require(Self.golden, "Golden/sigv4.json is missing or unreadable") }

    func credentials(_ file: GoldenFile, _ testCase: GoldenCase) -> S3Credentials {
        S3Credentials(accessKeyID: file.accessKeyID, secretAccessKey: file.secretAccessKey, sessionToken: testCase.sessionToken)
    }

    func configuration(_ file: GoldenFile, _ testCase: GoldenCase) -> S3Configuration {
        let style: S3AddressingStyle =
            switch testCase.addressing {
            case "path": .path
            case "virtual": .virtualHosted
            default: .automatic
            }
        return S3Configuration(
            region: testCase.region, endpoint: testCase.endpoint, credentials: credentials(file, testCase),
            addressingStyle: style)
    }

    /// Signs the recorded request (same method, path, query, signed headers and payload hash)
    /// and compares every intermediate string with botocore's.
    func checkSignature(_ file: GoldenFile, _ testCase: GoldenCase) throws {
        let recorded = try #require(testCase.headers).map { ($0[0], $0[1]) }
        let payloadHash = try #require(recorded.first { $0.0.lowercased() == "x-amz-content-sha256" }?.1 ?? testCase.bodySHA256)
        let selfSet: Set<String> = ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "host"]
        var headers = recorded.filter { !selfSet.contains($0.0.lowercased()) }
        let host = try #require(testCase.host ?? recorded.first { $0.0.lowercased() == "host" }?.1)
        headers.append(("Host", host))
        let signer = SigV4Signer(credentials: credentials(file, testCase), region: testCase.region)
        let query = try #require(testCase.query).map { ($0[0], $0[1]) }
        let result = signer.signHeaders(
            method: try #require(testCase.method), path: try #require(testCase.path), query: query, headers: &headers,
            payloadHash: payloadHash, date: Date(timeIntervalSince1970: TimeInterval(testCase.time)))
        #expect(result.canonicalRequest == testCase.canonicalRequest, "\(testCase.name): canonical request")
        #expect(result.stringToSign == testCase.stringToSign, "\(testCase.name): string to sign")
        #expect(headers.last?.0 == "Authorization")
        #expect(headers.last?.1 == testCase.authorization, "\(testCase.name): Authorization")
        if let token = testCase.sessionToken {
            #expect(headers.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == token })
        }
    }

    @Test func goldenFileHasEveryKind() throws {
        let file = try file()
        let kinds = Dictionary(grouping: file.cases, by: \.kind).mapValues(\.count)
        #expect(kinds["request", default: 0] >= 100)
        #expect(kinds["canonical", default: 0] >= 4)
        #expect(kinds["presign", default: 0] >= 12)
    }

    @Test func requestsSignLikeBotocore() throws {
        let file = try file()
        for testCase in file.cases where testCase.kind == "request" || testCase.kind == "canonical" {
            try checkSignature(file, testCase)
        }
    }

    /// The host and path our client would use for the bucket and key are botocore's.
    @Test func addressingMatchesBotocore() throws {
        let file = try file()
        for testCase in file.cases where testCase.kind == "request" {
            let transport = try S3Transport(
                bucket: try #require(testCase.bucket), configuration: configuration(file, testCase), httpClient: nil)
            let (host, path) = transport.address(testCase.key)
            #expect(host == testCase.host, "\(testCase.name): host")
            // botocore writes a bucket-level path-style request as `/bucket` and virtual-host as `/`.
            #expect(path == testCase.path, "\(testCase.name): path")
        }
    }

    @Test func presignedURLsMatchBotocore() throws {
        let file = try file()
        for testCase in file.cases where testCase.kind == "presign" {
            let client = try S3Client(bucket: try #require(testCase.bucket), configuration: configuration(file, testCase))
            let ours = try client.presignedGetURL(
                try #require(testCase.key), expiresIn: .seconds(try #require(testCase.expires)),
                date: Date(timeIntervalSince1970: TimeInterval(testCase.time)))
            let theirs = try #require(testCase.url)
            #expect(Self.split(ours).base == Self.split(theirs).base, "\(testCase.name): address")
            #expect(Self.split(ours).query == Self.split(theirs).query, "\(testCase.name): query")
        }
    }

    /// The URL before `?` and its query as sorted decoded pairs.
    static func split(_ url: String) -> (base: String, query: [String]) {
        let parts = url.split(separator: "?", maxSplits: 1)
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { S3URIEncoding.decode(String($0), plusAsSpace: false) } : []
        return (String(parts[0]), query.sorted())
    }

    /// A different secret, region or time gives a different signature: the comparison can fail.
    @Test func signatureDependsOnEveryInput() throws {
        let base = SigV4Signer(credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"), region: "us-east-1")
        func authorization(_ signer: SigV4Signer, time: TimeInterval = 0, path: String = "/b/k") -> String? {
            var headers = [("Host", "example.com")]
            signer.signHeaders(
                method: "GET", path: path, query: [], headers: &headers, payloadHash: SigV4Signer.emptyPayloadHash,
                date: Date(timeIntervalSince1970: time))
            return headers.last?.1
        }
        let reference = authorization(base)
        #expect(reference != authorization(SigV4Signer(credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "other"), region: "us-east-1")))
        #expect(reference != authorization(SigV4Signer(credentials: base.credentials, region: "eu-west-1")))
        #expect(reference != authorization(base, time: 1))
        #expect(reference != authorization(base, path: "/b/K"))
    }

    @Test func amzDateFormatsUTC() {
        #expect(AMZDate(Date(timeIntervalSince1970: 0)).dateTime == "19700101T000000Z")
        #expect(AMZDate(Date(timeIntervalSince1970: 1_369_353_600)).dateTime == "20130524T000000Z")
        #expect(AMZDate(Date(timeIntervalSince1970: 951_782_400)).date == "20000229")  // a leap day
        #expect(AMZDate(Date(timeIntervalSince1970: 4_102_444_799.9)).dateTime == "20991231T235959Z")
    }

    @Test func uriEncodingKeepsOnlyUnreservedBytes() {
        #expect(S3URIEncoding.encode("a b/ü~x+y=z&%", keepingSlash: true) == "a%20b/%C3%BC~x%2By%3Dz%26%25")
        #expect(S3URIEncoding.encode("a/b", keepingSlash: false) == "a%2Fb")
        #expect(S3URIEncoding.decode("a+b%2Bc%C3%BC%zz%4", plusAsSpace: true) == "a b+cü%zz%4")
        #expect(S3URIEncoding.decode("a+b", plusAsSpace: false) == "a+b")
    }
}
