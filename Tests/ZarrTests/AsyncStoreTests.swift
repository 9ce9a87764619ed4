import Dispatch
import Foundation
import ImMetaIOCore
import NDArrayModule
import Testing
@testable import Zarr

/// An async store in memory whose every request waits `delay`, counting how many run at once:
/// a stand-in for an object store's latency.
final class LatencyStore: ZarrAsyncStore, @unchecked Sendable {
    let delay: Duration
    let lock = NSLock()
    var values: [String: [UInt8]] = [:]
    var inFlight = 0
    var maxInFlight = 0
    var requests = 0
    var listCalls = 0
    /// Keys whose writes fail, to check that failures surface.
    var failingKeys: Set<String> = []
    /// Keys whose reads fail.
    var failingReads: Set<String> = []
    /// With versions, every value has one, changed by each write (as an object store's entity tags).
    var versioned = false
    var versions: [String: Int] = [:]

    init(delay: Duration) { self.delay = delay }

    var capabilities: StoreCapabilities { StoreCapabilities(partialReads: true, writes: true, deletes: true, listing: true) }
    var displayName: String { "latency-memory" }
    var preferredConcurrency: Int { 16 }

    private func request<T>(_ body: () throws -> T) async throws -> T {
        lock.withLock {
            inFlight += 1
            requests += 1
            maxInFlight = max(maxInFlight, inFlight)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        defer { lock.withLock { inFlight -= 1 } }
        return try lock.withLock(body)
    }

    func get(_ key: String, range: ByteRange?) async throws -> [UInt8]? {
        try await request {
            if failingReads.contains(key) { throw ImMetaIOError(.io, "injected read failure", file: key) }
            return values[key].map { value in range.map { MemoryStore.slice(value, $0) } ?? value }
        }
    }
    func set(_ key: String, _ value: [UInt8]) async throws {
        try await request {
            if failingKeys.contains(key) { throw ImMetaIOError(.io, "injected failure", file: key) }
            values[key] = value
            versions[key, default: 0] += 1
        }
    }
    func getVersioned(_ key: String, range: ByteRange?) async throws -> VersionedValue {
        guard versioned else { return VersionedValue(bytes: try await get(key, range: range), version: nil) }
        return try await request {
            guard let value = values[key] else { return VersionedValue(bytes: nil, version: nil) }
            return VersionedValue(bytes: range.map { MemoryStore.slice(value, $0) } ?? value, version: "v\(versions[key, default: 0])")
        }
    }
    func get(_ key: String, range: ByteRange?, ifVersion version: String) async throws -> ConditionalValue {
        try await request {
            guard versioned, let value = values[key], version == "v\(versions[key, default: 0])" else { return .changed }
            return .unchanged(range.map { MemoryStore.slice(value, $0) } ?? value)
        }
    }
    func delete(_ key: String) async throws { try await request { values[key] = nil } }
    func list(prefix: String) async throws -> [String] {
        try await request {
            listCalls += 1
            return values.keys.filter { $0.hasPrefix(prefix) }
        }
    }
    func listDirectory(prefix: String) async throws -> ZarrDirectoryListing {
        try await request { ZarrDirectoryListing(prefix: prefix, allKeys: Array(values.keys)) }
    }
}

/// A task executor on a serial queue that counts the jobs it ran: a stand-in for a client's I/O
/// threads.
@available(macOS 15.0, *)
final class CountingExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "counting-executor")
    private let lock = NSLock()
    private var ran = 0
    var jobs: Int { lock.withLock { ran } }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { [self] in
            lock.withLock { ran += 1 }
            job.runSynchronously(on: executor)
        }
    }
}

/// A ``LatencyStore`` whose reads run on executors of its own.
@available(macOS 15.0, *)
final class ExecutorStore: ZarrAsyncStore, @unchecked Sendable {
    let base: LatencyStore
    let executors = [CountingExecutor(), CountingExecutor()]

    init(_ base: LatencyStore) { self.base = base }

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { base.displayName }
    var preferredConcurrency: Int { base.preferredConcurrency }
    var readExecutors: [any TaskExecutor] { executors }
    func get(_ key: String, range: ByteRange?) async throws -> [UInt8]? { try await base.get(key, range: range) }
    func set(_ key: String, _ value: [UInt8]) async throws { try await base.set(key, value) }
    func delete(_ key: String) async throws { try await base.delete(key) }
    func list(prefix: String) async throws -> [String] { try await base.list(prefix: prefix) }
    func listDirectory(prefix: String) async throws -> ZarrDirectoryListing { try await base.listDirectory(prefix: prefix) }
}

@Suite struct AsyncStoreTests {
    static func ramp(_ shape: [Int]) -> NDArray {
        let count = shape.reduce(1, *)
        return NDArray((0..<count).map { UInt16(truncatingIfNeeded: $0 &* 7919) }).reshapedOrSelf(shape)
    }

    /// The synchronous API, which async contexts would otherwise resolve to the async overloads.
    static func readSynchronously(_ array: ZarrArray, _ start: [Int], _ extent: [Int]) throws -> NDArray {
        try array.read(start: start, shape: extent)
    }

    static func writeSynchronously(_ array: ZarrArray, _ data: NDArray, _ start: [Int]) throws {
        try array.write(data, at: start)
    }

    static let sharded = ZarrArrayMetadata(
        shape: [64, 48, 40], dtype: .uint16, chunkShape: [16, 16, 20],
        codecs: [.sharding(chunkShape: [4, 8, 10], codecs: [.bytes(), .zstd(level: 3)])])

    @Test func readsKeepManyRequestsInFlightAndMatchLocalReads() async throws {
        let data = Self.ramp([64, 48, 40])
        let local = MemoryStore()
        try await ZarrArray.create(in: local, metadata: Self.sharded).write(data)
        let remote = LatencyStore(delay: .milliseconds(5))
        remote.values = try Dictionary(uniqueKeysWithValues: local.list(prefix: "").map { ($0, try local.get($0) ?? []) })
        let array = try await ZarrArray.open(in: remote)
        // A region cutting through many shards (index, then inner chunks, by byte ranges).
        let start = [3, 5, 7], extent = [50, 30, 25]
        let expected = try await ZarrArray.open(in: local).read(start: start, shape: extent)
        let read = try await array.read(start: start, shape: extent)
        #expect(read == expected)
        #expect(remote.maxInFlight > 4, "requests in flight at most \(remote.maxInFlight)")
        #expect(remote.maxInFlight <= remote.preferredConcurrency)
        #expect(try await array.read() == data)
        // The synchronous API works on the same array (from a cooperative thread, as tests run).
        #expect(try Self.readSynchronously(array, [0, 0, 0], [1, 1, 40]) == Self.readSynchronously(ZarrArray.open(in: local), [0, 0, 0], [1, 1, 40]))
    }

    /// On a store with versions, a shard's index is read once and later reads of its inner chunks
    /// take one request each, on condition that the shard is unchanged; a shard rewritten by
    /// another writer is noticed and read again. Without versions every read reads the index.
    @Test func shardIndexesAreKeptWhileTheirShardIsUnchanged() async throws {
        let data = Self.ramp([64, 48, 40])
        let remote = LatencyStore(delay: .zero)
        remote.versioned = true
        try await ZarrArray.create(in: remote, metadata: Self.sharded).write(data)
        let array = try await ZarrArray.open(in: remote)
        let one = [1, 1, 1]
        func read(_ start: [Int]) async throws -> (NDArray, requests: Int) {
            let before = remote.lock.withLock { remote.requests }
            let value = try await array.read(start: start, shape: one)
            return (value, remote.lock.withLock { remote.requests } - before)
        }
        var (value, requests) = try await read([0, 0, 0])
        #expect(try value == data.region([0, 0, 0], one) && requests == 2)
        (value, requests) = try await read([1, 2, 3])
        #expect(try value == data.region([1, 2, 3], one) && requests == 1)
        #expect(array.shardIndexes.count == 1)

        // Another writer replaces the shard: the kept index no longer vouches for it.
        let changed = NDArray([UInt16](repeating: 9, count: 16 * 16 * 20)).reshapedOrSelf([16, 16, 20])
        try await ZarrArray.open(in: remote).write(changed, at: [0, 0, 0])
        (value, requests) = try await read([1, 2, 3])
        #expect(try value == changed.region([1, 2, 3], one) && requests == 3)
        (value, requests) = try await read([2, 2, 3])
        #expect(try value == changed.region([2, 2, 3], one) && requests == 1)

        // A region that needs no inner chunk (all fill) cannot vouch for a kept index: it reads it.
        let sparse = LatencyStore(delay: .zero)
        sparse.versioned = true
        let empty = try await ZarrArray.create(in: sparse, metadata: Self.sharded)
        try await empty.write(NDArray([UInt16](repeating: 5, count: 4 * 8 * 10)).reshapedOrSelf([4, 8, 10]), at: [0, 0, 0])
        let reader = try await ZarrArray.open(in: sparse)
        _ = try await reader.read(start: [0, 0, 0], shape: one)
        try await ZarrArray.open(in: sparse).write(NDArray([UInt16](repeating: 6, count: 4 * 8 * 10)).reshapedOrSelf([4, 8, 10]), at: [4, 8, 10])
        #expect(try await reader.read(start: [5, 9, 11], shape: one) == NDArray([UInt16(6)]).reshapedOrSelf(one))

        // Without versions nothing is kept.
        let plain = LatencyStore(delay: .zero)
        plain.values = remote.values
        let unversioned = try await ZarrArray.open(in: plain)
        _ = try await unversioned.read(start: [0, 0, 0], shape: one)
        let before = plain.lock.withLock { plain.requests }
        _ = try await unversioned.read(start: [1, 2, 3], shape: one)
        #expect(plain.lock.withLock { plain.requests } - before == 2)
        #expect(unversioned.shardIndexes.count == 0)
    }

    /// The kept indexes stay within their byte bound, the least recently used dropped first.
    @Test func shardIndexCacheDropsTheLeastRecentlyUsed() {
        let cache = ShardIndexCache(byteLimit: 10_000)
        let index = [UInt8](repeating: 1, count: 1000)
        let entries = [UInt64](repeating: 2, count: 125)  // 1,000 bytes
        for shard in 0..<4 { cache.keep("c/\(shard)", version: "v", index: index, entries: entries) }
        #expect(cache.count == 4)
        _ = cache.lookup("c/0")  // now the most recently used
        // A fifth passes the bound: the cache drops to three quarters of it, oldest use first.
        cache.keep("c/4", version: "v", index: index, entries: entries)
        #expect(cache.count == 3)
        #expect(cache.lookup("c/1") == nil && cache.lookup("c/2") == nil)
        #expect(cache.lookup("c/0") != nil && cache.lookup("c/3") != nil && cache.lookup("c/4") != nil)
        cache.remove("c/4")
        #expect(cache.lookup("c/4") == nil && cache.count == 2)
        // An index larger than the whole bound is not kept.
        cache.keep("huge", version: "v", index: [UInt8](repeating: 0, count: 20_000), entries: [])
        #expect(cache.lookup("huge") == nil)
    }

    @Test func writesUploadBehindTheEncodersAndReadBack() async throws {
        let remote = LatencyStore(delay: .milliseconds(2))
        let array = try await ZarrArray.create(in: remote, metadata: Self.sharded)
        let data = Self.ramp([64, 48, 40])
        try await array.write(data)
        #expect(remote.maxInFlight > 1)
        #expect(try await ZarrArray.open(in: remote).read() == data)
        // A partial write reads, merges and re-uploads the shards it touches.
        let patch = NDArray([UInt16](repeating: 7, count: 2 * 3 * 4)).reshapedOrSelf([2, 3, 4])
        try await array.write(patch, at: [10, 10, 10])
        let back = try await array.read(start: [10, 10, 10], shape: [2, 3, 4])
        #expect(back == patch)
        // The synchronous write goes the same way.
        try Self.writeSynchronously(array, patch, [0, 0, 0])
        #expect(try await array.read(start: [0, 0, 0], shape: [2, 3, 4]) == patch)
    }

    @Test func uploadFailuresSurface() async throws {
        let remote = LatencyStore(delay: .milliseconds(1))
        let array = try await ZarrArray.create(
            in: remote, metadata: ZarrArrayMetadata(shape: [8, 8], dtype: .uint8, chunkShape: [2, 8], codecs: [.bytes()]))
        remote.failingKeys = ["c/2/0"]
        let data = NDArray((0..<64).map { UInt8($0) }).reshapedOrSelf([8, 8])
        await #expect(throws: ImMetaIOError.self) { try await array.write(data) }
        #expect(throws: ImMetaIOError.self) { try Self.writeSynchronously(array, data, [0, 0]) }
    }

    /// Uploads go on from the queue while the encoders are still busy: the store's full number of
    /// requests runs at once and no more; after a failure what is still queued is not sent.
    @Test func uploadsKeepTheStoresRequestsInFlightAndStopAfterAFailure() async throws {
        let metadata = ZarrArrayMetadata(shape: [200, 64], dtype: .uint8, chunkShape: [1, 64], codecs: [.bytes()])
        let data = NDArray((0..<(200 * 64)).map { UInt8(truncatingIfNeeded: $0 &* 13) }).reshapedOrSelf([200, 64])
        let remote = LatencyStore(delay: .milliseconds(5))
        let array = try await ZarrArray.create(in: remote, metadata: metadata)
        try await array.write(data)
        #expect(remote.maxInFlight == remote.preferredConcurrency)
        #expect(try await array.read() == data)

        let failing = LatencyStore(delay: .milliseconds(5))
        let doomed = try await ZarrArray.create(in: failing, metadata: metadata)
        failing.failingKeys = ["c/0/0"]
        await #expect(throws: ImMetaIOError.self) { try await doomed.write(data) }
        #expect(failing.requests < 100, "\(failing.requests) requests after the first upload failed")
    }

    /// A store with executors of its own runs the read's workers there (fetching and decoding in
    /// place, across all of them), with the same result and failures as elsewhere.
    @Test func readsRunOnTheStoresExecutors() async throws {
        guard #available(macOS 15.0, *) else { return }
        let data = Self.ramp([64, 48, 40])
        let local = MemoryStore()
        try await ZarrArray.create(in: local, metadata: Self.sharded).write(data)
        let base = LatencyStore(delay: .milliseconds(1))
        base.values = try Dictionary(uniqueKeysWithValues: local.list(prefix: "").map { ($0, try local.get($0) ?? []) })
        let remote = ExecutorStore(base)
        let array = try await ZarrArray.open(in: remote)
        #expect(try await array.read() == data)
        let start = [3, 5, 7], extent = [50, 30, 25]
        #expect(try await array.read(start: start, shape: extent) == data.region(start, extent))
        #expect(remote.executors.allSatisfy { $0.jobs > 0 }, "jobs per executor: \(remote.executors.map(\.jobs))")
        base.values["c/1/1/0"] = [UInt8](repeating: 0xAB, count: 100)
        await #expect(throws: ImMetaIOError.self) { try await array.read() }
    }

    /// A chunk whose request fails fails the read, and the other workers stop taking chunks.
    @Test func readFailuresSurfaceAndStopTheRead() async throws {
        let metadata = ZarrArrayMetadata(shape: [400, 64], dtype: .uint8, chunkShape: [1, 64], codecs: [.bytes()])
        let data = NDArray((0..<(400 * 64)).map { UInt8(truncatingIfNeeded: $0 &* 29) }).reshapedOrSelf([400, 64])
        let remote = LatencyStore(delay: .milliseconds(5))
        let array = try await ZarrArray.create(in: remote, metadata: metadata)
        try await array.write(data)
        remote.failingReads = ["c/3/0"]
        let before = remote.requests
        let error = try await #require(throws: ImMetaIOError.self) { try await array.read() }
        #expect(error.message.contains("injected read failure"))
        #expect(remote.requests - before < 200, "\(remote.requests - before) requests for a read that failed at its fourth chunk")
        // The rows before the failing chunk read on their own.
        #expect(try await array.read(start: [0, 0], shape: [3, 64]) == data.region([0, 0], [3, 64]))
    }

    /// A chunk that does not decode fails the read with an error naming the array.
    @Test func undecodableChunksAreReportedWithTheArraysName() async throws {
        let remote = LatencyStore(delay: .milliseconds(1))
        let array = try await ZarrArray.create(in: remote, metadata: Self.sharded)
        try await array.write(Self.ramp([64, 48, 40]))
        remote.values["c/1/1/0"] = [UInt8](repeating: 0xAB, count: 100)
        let error = try await #require(throws: ImMetaIOError.self) { try await array.read() }
        #expect(error.file == "latency-memory")
        // A region that needs only other shards still reads.
        #expect(try await array.read(start: [0, 0, 0], shape: [16, 16, 20]) == Self.ramp([64, 48, 40]).region([0, 0, 0], [16, 16, 20]))
    }

    @Test func groupsListTheirChildrenWithoutListingChunks() async throws {
        let remote = LatencyStore(delay: .zero)
        let store = BlockingStore(remote)
        _ = try ZarrGroup.create(in: store)
        for name in ["b", "a"] {
            let child = try ZarrArray.create(
                in: store, path: name, metadata: ZarrArrayMetadata(shape: [4, 4], dtype: .uint8, chunkShape: [1, 1], codecs: [.bytes()]))
            try Self.writeSynchronously(child, NDArray([UInt8](repeating: 1, count: 16)).reshapedOrSelf([4, 4]), [0, 0])
        }
        let before = remote.listCalls
        #expect(try ZarrGroup.open(in: store).children() == ["a", "b"])
        #expect(remote.listCalls == before, "children() listed every key")
        // Local stores behind the async protocol.
        let folder = NSTemporaryDirectory() + "zarr-async-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let onDisk = FileSystemStore(path: folder).asAsyncStore
        let array = try await ZarrArray.create(in: onDisk, metadata: Self.sharded)
        try await array.write(Self.ramp([64, 48, 40]))
        #expect(try Self.readSynchronously(ZarrArray.open(in: FileSystemStore(path: folder)), [0, 0, 0], [64, 48, 40]) == Self.ramp([64, 48, 40]))
    }
}

extension NDArray {
    fileprivate func reshapedOrSelf(_ shape: [Int]) -> NDArray { (try? reshaped(shape)) ?? self }

    /// The box of `extent` elements at `start`, through a memory store (C order).
    fileprivate func region(_ start: [Int], _ extent: [Int]) throws -> NDArray {
        let store = MemoryStore()
        let array = try ZarrArray.create(in: store, metadata: ZarrArrayMetadata(shape: shape, dtype: dtype, chunkShape: shape))
        try array.write(self)
        return try array.read(start: start, shape: extent)
    }
}
