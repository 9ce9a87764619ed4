import Foundation
import S3
import Testing

/// The S3 server the integration tests use, from the variables `seaweedfs.py start` prints:
///
/// - `IMMETAIO_S3_TEST_ENDPOINT`: the server's URL (`http://127.0.0.1:PORT`); without it the
///   integration tests are skipped.
/// - `IMMETAIO_S3_TEST_ACCESS_KEY`, `IMMETAIO_S3_TEST_SECRET_KEY`: a key that may write.
/// - `IMMETAIO_S3_TEST_BUCKET`: a bucket that key may write (default `immetaio-test`).
/// - `IMMETAIO_S3_TEST_PUBLIC_BUCKET`: a bucket anonymous requests may read and list (default
///   `immetaio-public`).
/// - `IMMETAIO_S3_TEST_REGION`: the region to sign for (default `us-east-1`).
/// - `IMMETAIO_S3_BENCH=1`: also run the PUT/GET timing (``S3BenchmarkTests``).
struct S3TestServer: Sendable {
    var endpoint: String
    var credentials: S3Credentials
    var bucket: String
    var publicBucket: String
    var region: String

    static let current: S3TestServer? = {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["IMMETAIO_S3_TEST_ENDPOINT"], !endpoint.isEmpty,
            let accessKey = environment["IMMETAIO_S3_TEST_ACCESS_KEY"],
            let secretKey = environment["IMMETAIO_S3_TEST_SECRET_KEY"]
        else { return nil }
        return S3TestServer(
            endpoint: endpoint, credentials: S3Credentials(accessKeyID: accessKey, secretAccessKey: secretKey),
            bucket: environment["IMMETAIO_S3_TEST_BUCKET"] ?? "immetaio-test",
            publicBucket: environment["IMMETAIO_S3_TEST_PUBLIC_BUCKET"] ?? "immetaio-public",
            region: environment["IMMETAIO_S3_TEST_REGION"] ?? "us-east-1")
    }()

    static let skipMessage: Comment =
        "no S3 test server: run `eval \"$(.venv/bin/python Tests/S3Tests/seaweedfs.py start)\"` first (sets IMMETAIO_S3_TEST_ENDPOINT and the keys)"

    /// The server's port (for the fault proxy).
    var port: Int {
        let afterHost = endpoint.split(separator: ":").last.map(String.init) ?? ""
        return Int(afterHost.prefix { $0.isNumber }) ?? 80
    }

    func configuration(
        endpoint: String? = nil, credentials: S3Credentials?? = .none, retryPolicy: S3RetryPolicy = .init(maximumAttempts: 3, baseDelay: .milliseconds(20)),
        requestTimeout: Duration = .seconds(30)
    ) -> S3Configuration {
        S3Configuration(
            region: region, endpoint: endpoint ?? self.endpoint, credentials: credentials ?? self.credentials,
            addressingStyle: .path, retryPolicy: retryPolicy, requestTimeout: requestTimeout)
    }

    func client(bucket: String? = nil, _ configuration: S3Configuration? = nil) throws -> S3Client {
        try S3Client(bucket: bucket ?? self.bucket, configuration: configuration ?? self.configuration())
    }

    /// A key prefix of its own for each test, so that tests running together do not meet.
    static func uniquePrefix(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8))/" }

    /// `count` pseudo-random bytes (xorshift: fast enough for megabytes in a debug build).
    static func randomBytes(_ count: Int, seed: UInt64 = UInt64.random(in: 1...UInt64.max)) -> [UInt8] {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state.littleEndian) { word in
                for byte in word where index < count {
                    bytes[index] = byte
                    index += 1
                }
            }
        }
        return bytes
    }
}
