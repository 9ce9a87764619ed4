import Foundation
import S3
import Testing

/// A SeaweedFS server of one test's own, which the test can stop and start again (same ports,
/// data and keys): `seaweedfs.py start`, `pause`, `resume` and `stop`, run with the Python that
/// started the shared test server (`IMMETAIO_S3_TEST_PYTHON`, which `seaweedfs.py start` exports).
/// The shared server is never stopped: other tests use it at the same time.
struct RestartableS3Server: Sendable {
    let directory: String
    let endpoint: String
    let credentials: S3Credentials
    let bucket: String

    static let python = ProcessInfo.processInfo.environment["IMMETAIO_S3_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("seaweedfs.py").path
    static var isAvailable: Bool { python.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }
    static let skipMessage: Comment =
        "no IMMETAIO_S3_TEST_PYTHON: start the test server with `seaweedfs.py start` (its env.sh names the Python that can start more)"

    /// Starts a server in a new temporary folder.
    static func start() async throws -> RestartableS3Server {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-restart-\(UUID().uuidString.prefix(8))").path
        let output = try await run(["start", "--dir", directory])
        var variables: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { variables[pair[0]] = pair[1] }
        }
        let endpoint = try #require(variables["IMMETAIO_S3_TEST_ENDPOINT"])
        let accessKey = try #require(variables["IMMETAIO_S3_TEST_ACCESS_KEY"])
        let secretKey = try #require(variables["IMMETAIO_S3_TEST_SECRET_KEY"])
        return RestartableS3Server(
            directory: directory, endpoint: endpoint, credentials: S3Credentials(accessKeyID: accessKey, secretAccessKey: secretKey),
            bucket: variables["IMMETAIO_S3_TEST_BUCKET"] ?? "immetaio-test")
    }

    /// Stops the server (SIGTERM), keeping its folder; requests in flight are cut off.
    func pause() async throws { _ = try await Self.run(["pause", "--dir", directory]) }

    /// Starts the paused server again; returns once its S3 port answers.
    func resume() async throws { _ = try await Self.run(["resume", "--dir", directory]) }

    /// Stops the server and removes its folder.
    func stop() async { _ = try? await Self.run(["stop", "--dir", directory]) }

    /// A store under `prefix` on this server.
    func store(prefix: String, retryPolicy: S3RetryPolicy) throws -> S3Store {
        try S3Store(
            url: "s3://\(bucket)/\(prefix)",
            configuration: S3Configuration(
                region: "us-east-1", endpoint: endpoint, credentials: credentials, addressingStyle: .path, retryPolicy: retryPolicy,
                requestTimeout: .seconds(20)))
    }

    /// Runs `seaweedfs.py` with `arguments` on a Dispatch thread; its standard output, or an error
    /// with its messages when it fails.
    static func run(_ arguments: [String]) async throws -> String {
        let python = try #require(python)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: python)
                process.arguments = [script] + arguments
                let output = Pipe()
                let errors = Pipe()
                process.standardOutput = output
                process.standardError = errors
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                if process.terminationStatus == 0 {
                    continuation.resume(returning: text)
                } else {
                    continuation.resume(throwing: SeaweedFSFailure(arguments: arguments, messages: messages))
                }
            }
        }
    }
}

/// `seaweedfs.py` exited with an error.
struct SeaweedFSFailure: Error, CustomStringConvertible {
    var arguments: [String]
    var messages: String
    var description: String { "seaweedfs.py \(arguments.joined(separator: " ")) failed: \(messages)" }
}
