import Dispatch
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Arrays on async stores: every chunk (or shard index and inner chunk) a region needs is fetched
/// concurrently, up to the store's ``ZarrAsyncStore/preferredConcurrency`` requests in flight, then
/// decoded on the codec threads by the same code as local reads; writes encode on the codec threads
/// and upload behind them with as many requests in flight.
extension ZarrArray {
    /// Creates an array on an async store (writing its `zarr.json`); see ``create(in:path:metadata:overwrite:writeEmptyChunks:)``.
    public static func create(
        in store: any ZarrAsyncStore, path: String = "", metadata: ZarrArrayMetadata, overwrite: Bool = false,
        writeEmptyChunks: Bool = false
    ) async throws -> ZarrArray {
        try await onCodecThreads {
            try create(in: BlockingStore(store), path: path, metadata: metadata, overwrite: overwrite, writeEmptyChunks: writeEmptyChunks)
        }
    }

    /// Opens an existing array on an async store; see ``open(in:path:writeEmptyChunks:)``.
    public static func open(in store: any ZarrAsyncStore, path: String = "", writeEmptyChunks: Bool = false) async throws -> ZarrArray {
        let bytes = try await store.get(prefix(path) + "zarr.json", range: nil)
        return try opening(bytes, in: BlockingStore(store), path: path, writeEmptyChunks: writeEmptyChunks)
    }

    /// The region of `shape` elements starting at `start`, without blocking a thread of the
    /// cooperative pool; on an async store, with the chunks fetched concurrently.
    public func read(start: [Int], shape extent: [Int], limits: DecodeLimits = .default) async throws -> NDArray {
        guard let remote else {
            return try await Self.onCodecThreads { [self] in try read(start: start, shape: extent, limits: limits) }
        }
        try checkRegion(start, extent)
        try limits.check(pixels: NDArray.checkedElementCount(extent) ?? .max, shape: extent, dtype: dtype, file: name)
        let fetched = try await prefetch(start: start, extent: extent, from: remote)
        var local = self
        local.remote = nil
        local.store = PrefetchedStore(values: fetched, fallback: store)
        return try await Self.onCodecThreads { [local] in try local.read(start: start, shape: extent, limits: limits) }
    }

    /// The whole array, without blocking a thread of the cooperative pool.
    public func read(limits: DecodeLimits = .default) async throws -> NDArray {
        try await read(start: shape.map { _ in 0 }, shape: shape, limits: limits)
    }

    /// Writes `array` into the region starting at `start` (the origin when `nil`); on an async
    /// store, chunks are uploaded while later ones are encoded. Returns when every upload is done.
    public func write(_ array: NDArray, at start: [Int]? = nil) async throws {
        guard let remote else {
            return try await Self.onCodecThreads { [self] in try write(array, at: start) }
        }
        let uploads = WriteBehindStore(base: remote, inFlight: remote.preferredConcurrency)
        var local = self
        local.remote = nil
        local.store = uploads
        try await Self.onCodecThreads { [local] in
            do {
                try local.write(array, at: start)
            } catch {
                try? uploads.finish()
                throw error
            }
            try uploads.finish()
        }
    }

    /// The bytes a read of the region needs, fetched concurrently: whole chunks, or for shards the
    /// region only partly covers, their index and then the inner chunks it meets.
    private func prefetch(start: [Int], extent: [Int], from remote: any ZarrAsyncStore) async throws -> [PrefetchedStore.Request: [UInt8]?] {
        let sharding = remote.capabilities.partialReads ? pipeline.partialSharding : nil
        var first: [PrefetchedStore.Request] = []
        var partialShards: [(index: [Int], request: PrefetchedStore.Request)] = []
        for index in grid.chunks(meeting: start, extent) {
            if let sharding, !grid.covers(index, start, extent) {
                let range: ByteRange = sharding.indexAtStart ? .range(offset: 0, length: sharding.indexSize) : .suffix(length: sharding.indexSize)
                let request = PrefetchedStore.Request(key: key(index), range: range)
                first.append(request)
                partialShards.append((index, request))
            } else {
                first.append(PrefetchedStore.Request(key: key(index), range: nil))
            }
        }
        var fetched = try await Self.fetch(first, from: remote)
        guard let sharding, !partialShards.isEmpty else { return fetched }
        var second: [PrefetchedStore.Request] = []
        let innerGrid = ChunkGrid(shape: sharding.shardShape, chunkShape: sharding.innerShape)
        for (index, request) in partialShards {
            guard let indexBytes = fetched[request] ?? nil else { continue }
            let entries = try sharding.decodeIndex(indexBytes)
            let (inChunk, _, size) = grid.overlap(index, start, extent)
            for inner in innerGrid.chunks(meeting: inChunk, size) {
                let number = inner.enumerated().reduce(0) { $0 * sharding.perShard[$1.offset] + $1.element }
                let offset = entries[2 * number], length = entries[2 * number + 1]
                guard !(offset == ShardingCodec.empty && length == ShardingCodec.empty), length < UInt64(Int.max),
                    offset < UInt64(Int.max) - length
                else { continue }
                second.append(PrefetchedStore.Request(key: request.key, range: .range(offset: Int(offset), length: Int(length))))
            }
        }
        for (request, value) in try await Self.fetch(second, from: remote) { fetched[request] = value }
        return fetched
    }

    /// Runs the requests with up to the store's preferred number in flight.
    private static func fetch(_ requests: [PrefetchedStore.Request], from remote: any ZarrAsyncStore) async throws
        -> [PrefetchedStore.Request: [UInt8]?]
    {
        var results: [PrefetchedStore.Request: [UInt8]?] = [:]
        let width = max(1, remote.preferredConcurrency)
        try await withThrowingTaskGroup(of: (PrefetchedStore.Request, [UInt8]?).self) { group in
            var pending = requests[...]
            func startNext() {
                guard let request = pending.popFirst() else { return }
                group.addTask { (request, try await remote.get(request.key, range: request.range)) }
            }
            for _ in 0..<min(width, requests.count) { startNext() }
            while let (request, value) = try await group.next() {
                results[request] = value
                startNext()
            }
        }
        return results
    }

    /// Runs blocking work (codecs, local files, ParallelLoop) on a Dispatch thread, not on the cooperative pool.
    static func onCodecThreads<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Values fetched ahead of a read, served to the synchronous decode; anything not fetched
/// (which the plan should not leave out) goes to the fallback store.
struct PrefetchedStore: ZarrStore {
    /// One request: a whole value (`range` nil) or a byte range of it.
    struct Request: Hashable, Sendable {
        var key: String
        var range: ByteRange?
    }

    let values: [Request: [UInt8]?]
    let fallback: any ZarrStore

    var capabilities: StoreCapabilities { fallback.capabilities }
    var displayName: String { fallback.displayName }

    func get(_ key: String) throws -> [UInt8]? {
        if let value = values[Request(key: key, range: nil)] { return value }
        return try fallback.get(key)
    }

    func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        if let value = values[Request(key: key, range: range)] { return value }
        if let whole = values[Request(key: key, range: nil)] { return whole.map { Self.slice($0, range) } }
        return try fallback.get(key, range: range)
    }

    func set(_ key: String, _ value: [UInt8]) throws { try fallback.set(key, value) }
    func delete(_ key: String) throws { try fallback.delete(key) }
    func list(prefix: String) throws -> [String] { try fallback.list(prefix: prefix) }
}

/// Uploads behind the encoders: `set` and `delete` start the request and return once fewer than
/// `inFlight` are running; a later operation on a key waits for the earlier one, reads see values
/// still uploading, and ``finish()`` waits for all and throws the first failure.
/// `@unchecked Sendable`: the state is guarded by `condition`.
final class WriteBehindStore: ZarrStore, @unchecked Sendable {
    private let base: any ZarrAsyncStore
    private let inFlight: Int
    private let condition = NSCondition()
    /// Values being uploaded (`nil`: a delete), by key.
    private var pending: [String: [UInt8]?] = [:]
    private var running = 0
    private var failure: (any Error)?

    init(base: any ZarrAsyncStore, inFlight: Int) {
        self.base = base
        self.inFlight = max(1, inFlight)
    }

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { base.displayName }

    private func start(_ key: String, _ value: [UInt8]?) throws {
        condition.lock()
        while (running >= inFlight || pending.keys.contains(key)) && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        running += 1
        pending[key] = .some(value)
        condition.unlock()
        let base = self.base
        // Off the cooperative pool: the encoders that wait for upload slots may be holding its threads.
        BlockingWait.detach { [self] in
            var outcome: (any Error)?
            do {
                if let value { try await base.set(key, value) } else { try await base.delete(key) }
            } catch {
                outcome = error
            }
            self.finished(key, outcome)
        }
    }

    private func finished(_ key: String, _ outcome: (any Error)?) {
        condition.lock()
        running -= 1
        pending[key] = nil
        if failure == nil, let outcome { failure = outcome }
        condition.broadcast()
        condition.unlock()
    }

    func set(_ key: String, _ value: [UInt8]) throws { try start(key, value) }
    func delete(_ key: String) throws { try start(key, nil) }

    func get(_ key: String) throws -> [UInt8]? {
        if let value = condition.withLock({ pending[key] }) { return value }
        return try BlockingWait.run { [base] in try await base.get(key, range: nil) }
    }

    func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        if let value = condition.withLock({ pending[key] }) { return value.map { Self.slice($0, range) } }
        return try BlockingWait.run { [base] in try await base.get(key, range: range) }
    }

    func list(prefix: String) throws -> [String] {
        try finish()
        return try BlockingWait.run { [base] in try await base.list(prefix: prefix) }
    }

    /// Waits until every upload has ended; throws the first failure.
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        while running > 0 { condition.wait() }
        if let failure { throw failure }
    }
}
