import Foundation
import ImMetaIO
import S3
import Testing
import Zarr

/// A sharded array written to S3 while the server is stopped and started again (a SeaweedFS of
/// the test's own, stopped with SIGTERM after the tenth shard upload has begun): the write either
/// throws or, retried across the restart, completes; either way every shard on the server decodes
/// whole and holds what was written, and after a successful (re)write the array reads back equal.
@Suite(.enabled(if: RestartableS3Server.isAvailable, RestartableS3Server.skipMessage))
struct S3RestartTests {
    static let shards = 40
    static let metadata = ZarrArrayMetadata(
        shape: [shards * 10, 3, 64, 64], dtype: .uint8, chunkShape: [10, 3, 64, 64],
        codecs: [.sharding(chunkShape: [1, 3, 64, 64], codecs: [.bytes(), .zstd(level: 3)])])
    /// Retries that outlast the restart (up to a second apart, for three minutes at least): a
    /// restart takes about 13 s on a quiet machine, but over a minute on a loaded CI runner.
    static let patient = S3RetryPolicy(maximumAttempts: 240, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))

    static func data() throws -> NDArray {
        try NDArray(S3TestServer.randomBytes(metadata.shape.reduce(1, *), seed: 19)).reshaped(metadata.shape)
    }

    /// Without retries to outlast it, the stop fails the write; the shards that made it are whole,
    /// and a rewrite once the server is back stores everything.
    @Test(.timeLimit(.minutes(10))) func writeCutOffByAStopThrowsAndLeavesOnlyWholeShards() async throws {
        try await Self.withOwnServer { server in
            let data = try Self.data()
            let impatient = try server.store(prefix: "cut-off", retryPolicy: S3RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(10)))
            let stopping = StopDuringUploads(base: impatient, after: 10) { try await server.pause() }
            let array = try await ZarrArray.create(in: stopping, metadata: Self.metadata)
            await #expect(throws: (any Error).self) { try await array.write(data) }
            #expect(stopping.stopped)
            try await server.resume()
            let store = try server.store(prefix: "cut-off", retryPolicy: Self.patient)
            // The upload that met the stopped server is not there; whatever is there is whole.
            #expect(try await Self.checkShards(in: store, data) < Self.shards)
            let reopened = try await ZarrArray.open(in: store)
            try await reopened.write(data)
            #expect(try await reopened.read() == data)
            #expect(try await Self.checkShards(in: store, data) == Self.shards)
        }
    }

    /// With retries that outlast the restart, the uploads the stop cut off or refused are sent
    /// again and the write completes.
    @Test(.timeLimit(.minutes(10))) func writeRetriedAcrossARestartCompletes() async throws {
        try await Self.withOwnServer { server in
            let data = try Self.data()
            let store = try server.store(prefix: "retried", retryPolicy: Self.patient)
            let restart = RestartTask()
            let stopping = StopDuringUploads(base: store, after: 10) {
                try await server.pause()
                restart.start {
                    try await Task.sleep(for: .seconds(1))
                    try await server.resume()
                }
            }
            let array = try await ZarrArray.create(in: stopping, metadata: Self.metadata)
            try await array.write(data)
            try await restart.wait()
            #expect(stopping.stopped)
            #expect(try await array.read() == data)
            #expect(try await Self.checkShards(in: store, data) == Self.shards)
        }
    }

    /// Runs `body` with a server of its own, stopped (and its folder removed) afterwards.
    static func withOwnServer(_ body: (RestartableS3Server) async throws -> Void) async throws {
        let server = try await RestartableS3Server.start()
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Reads every shard object under the store whole (index checksum, every inner chunk decoded)
    /// and compares it with the images it holds; returns how many there are.
    static func checkShards(in store: S3Store, _ data: NDArray) async throws -> Int {
        let array = try await ZarrArray.open(in: store)
        let keys = try await store.list(prefix: "c/").sorted()
        let imageBytes = 3 * 64 * 64
        for key in keys {
            let parts = key.split(separator: "/")
            let shard = try #require(parts.count == 5 ? Int(parts[1]) : nil, "unexpected key \(key)")
            let images = try await array.read(start: [shard * 10, 0, 0, 0], shape: [10, 3, 64, 64])
            let expected = data.withUnsafeBytes { Array($0[(shard * 10 * imageBytes)..<((shard + 1) * 10 * imageBytes)]) }
            #expect(images.withUnsafeBytes { Array($0) } == expected, "shard \(shard) holds other bytes")
        }
        return keys.count
    }
}

/// An S3 store that stops the server when the `after`-th upload begins, and sends that upload
/// once the stop has happened. `@unchecked Sendable`: the count is guarded by `lock`.
final class StopDuringUploads: ZarrAsyncStore, @unchecked Sendable {
    private let base: S3Store
    private let after: Int
    private let stop: @Sendable () async throws -> Void
    private let lock = NSLock()
    private var uploads = 0
    private var done = false

    init(base: S3Store, after: Int, stop: @escaping @Sendable () async throws -> Void) {
        self.base = base
        self.after = after
        self.stop = stop
    }

    /// Whether the server was stopped.
    var stopped: Bool { lock.withLock { done } }

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { base.displayName }
    var preferredConcurrency: Int { base.preferredConcurrency }

    func get(_ key: String, range: ByteRange?) async throws -> [UInt8]? { try await base.get(key, range: range) }

    func set(_ key: String, _ value: [UInt8]) async throws {
        let number = lock.withLock { () -> Int in
            uploads += 1
            return uploads
        }
        if number == after {
            try await stop()
            lock.withLock { done = true }
        }
        try await base.set(key, value)
    }

    func delete(_ key: String) async throws { try await base.delete(key) }
    func list(prefix: String) async throws -> [String] { try await base.list(prefix: prefix) }
    func listDirectory(prefix: String) async throws -> ZarrDirectoryListing { try await base.listDirectory(prefix: prefix) }
}

/// The restart that runs behind a write, for the test to wait for. `@unchecked Sendable`: the
/// task is guarded by `lock`.
final class RestartTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, any Error>?

    func start(_ body: @escaping @Sendable () async throws -> Void) {
        lock.withLock { task = Task { try await body() } }
    }

    func wait() async throws {
        let started = lock.withLock { self.task }
        let task = try #require(started, "the server was never stopped")
        try await task.value
    }
}
