import Dispatch
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Arrays on async stores: every chunk (or shard index and inner chunk) a region needs is fetched
/// concurrently, up to the store's ``ZarrAsyncStore/preferredConcurrency`` requests in flight, and
/// each is decoded in place (by the same code as local reads) by the worker that fetched it, on
/// the store's ``ZarrAsyncStore/readExecutors`` or else `BlockingWait`'s threads; writes encode
/// on the codec threads and upload behind them with as many requests in flight.
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
    /// cooperative pool; on an async store, with the chunks fetched concurrently and each decoded
    /// as soon as its bytes are in.
    public func read(start: [Int], shape extent: [Int], limits: DecodeLimits = .default) async throws -> NDArray {
        guard let remote else {
            return try await Self.onCodecThreads { [self] in try read(start: start, shape: extent, limits: limits) }
        }
        try checkRegion(start, extent)
        try limits.check(pixels: NDArray.checkedElementCount(extent) ?? .max, shape: extent, dtype: dtype, file: name)
        let chunks = grid.chunks(meeting: start, extent)
        let sharding = remote.capabilities.partialReads ? pipeline.partialSharding : nil
        let width = max(1, remote.preferredConcurrency)
        // Each chunk's task holds its bytes until they are decoded, so at most `width` chunks are
        // in memory; a partial shard's inner chunks share the task's part of the requests.
        let innerWidth = max(1, width / min(width, max(1, chunks.count)))
        var output = NDArray(unsafeUninitializedShape: extent, dtype: dtype) { _ in }
        try await output.withUnsafeMutableBytesAcrossAwaits { out in
            let region = RegionBuffer(bytes: out)
            let queue = WorkQueue(chunks)
            // Long-lived workers, each fetching a chunk and decoding it in place before taking the
            // next: on the store's own I/O threads when it offers them, else on BlockingWait's.
            // One thread hand-over per response at most, where a task per chunk and a hop to the
            // codec threads took several.
            try await BlockingWait.preferringOwnThreads {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    @Sendable func work(onStoreThreads: Bool) async throws {
                        while !Task.isCancelled, let index = queue.next() {
                            try await fetchAndDecode(
                                index, start: start, extent: extent, partialSharding: sharding, innerWidth: innerWidth,
                                from: remote, into: region, onStoreThreads: onStoreThreads)
                        }
                    }
                    let workers = min(width, chunks.count)
                    if #available(macOS 15.0, *), case let executors = remote.readExecutors, !executors.isEmpty {
                        for worker in 0..<workers {
                            group.addTask(executorPreference: executors[worker % executors.count]) { try await work(onStoreThreads: true) }
                        }
                    } else {
                        for _ in 0..<workers { group.addTask { try await work(onStoreThreads: false) } }
                    }
                    // `next()` throws the first failure at once (`waitForAll()` would wait for
                    // the rest); leaving the group then cancels the other workers.
                    while try await group.next() != nil {}
                }
            }
        }
        return output
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

    /// Fetches what the region needs from the chunk (shard) at `index`: the whole chunk, or for a
    /// shard the region only partly covers its index and then the inner chunks it meets; then
    /// decodes it into the region's buffer, in place on the worker's thread when it may compute
    /// there (`onStoreThreads`: the store's executors, where nothing may block), else on the
    /// codec threads.
    private func fetchAndDecode(
        _ index: [Int], start: [Int], extent: [Int], partialSharding: ShardingCodec?, innerWidth: Int,
        from remote: any ZarrAsyncStore, into region: RegionBuffer, onStoreThreads: Bool
    ) async throws {
        var fetched: [PrefetchedStore.Request: [UInt8]?] = [:]
        if let sharding = partialSharding, !grid.covers(index, start, extent) {
            fetched = try await fetchPartOfShard(index, start: start, extent: extent, sharding: sharding, innerWidth: innerWidth, from: remote)
        } else {
            fetched[PrefetchedStore.Request(key: key(index), range: nil)] = try await remote.get(key(index), range: nil)
        }
        // On the store's I/O threads nothing may block: a value the plan left out is an error
        // there, not a blocking fetch.
        let prefetched = PrefetchedStore(values: fetched, fallback: store, fallbackBlocks: !onStoreThreads)
        let decode = { @Sendable [self] in
            do {
                try readChunk(index, start: start, extent: extent, partialSharding: partialSharding, from: prefetched, into: region.bytes)
            } catch let error as ImMetaIOError {
                throw error.naming(name)
            }
        }
        // BlockingWait's threads and the store's own may compute; anywhere else (the cooperative
        // pool) the decode moves to the codec threads.
        if onStoreThreads || BlockingWait.isOnOwnThread { try decode() } else { try await Self.onCodecThreads(decode) }
    }

    /// What the region needs of the shard at `index`, which it only partly covers: the shard's
    /// index, then the inner chunks the region meets, by byte ranges. On a versioned store the
    /// index is kept (``ShardIndexCache``) and the inner chunks are read on condition that the
    /// shard is still at the index's version: a shard rewritten meanwhile is read again, so an
    /// index and chunks from different versions never meet.
    private func fetchPartOfShard(
        _ index: [Int], start: [Int], extent: [Int], sharding: ShardingCodec, innerWidth: Int, from remote: any ZarrAsyncStore
    ) async throws -> [PrefetchedStore.Request: [UInt8]?] {
        let key = key(index)
        let indexRange: ByteRange = sharding.indexAtStart ? .range(offset: 0, length: sharding.indexSize) : .suffix(length: sharding.indexSize)
        let indexRequest = PrefetchedStore.Request(key: key, range: indexRange)
        let (inChunk, _, size) = grid.overlap(index, start, extent)
        let innerGrid = ChunkGrid(shape: sharding.shardShape, chunkShape: sharding.innerShape)
        func innerRequests(_ entries: [UInt64]) -> [PrefetchedStore.Request] {
            // Empty and unaddressable entries are not fetched (the decode fills or refuses them).
            innerGrid.chunks(meeting: inChunk, size).compactMap { innerIndex in
                sharding.entryRequest(entries, sharding.innerNumber(innerIndex)).map { PrefetchedStore.Request(key: key, range: $0) }
            }
        }
        // A kept index saves its request when the region needs inner chunks to vouch for it.
        if let kept = shardIndexes.lookup(key), case let inner = innerRequests(kept.entries), !inner.isEmpty {
            if var fetched = try await Self.fetch(inner, from: remote, width: innerWidth, ifVersion: kept.version) {
                fetched[indexRequest] = kept.index
                return fetched
            }
            shardIndexes.remove(key)
        }
        // A shard rewritten between its index and its chunks is read again; the last attempt
        // reads without conditions, as a store without versions always does.
        for attempt in 0..<3 {
            let read = try await remote.getVersioned(key, range: indexRange)
            guard let indexBytes = read.bytes else { return [indexRequest: nil] }
            let entries = try sharding.decodeIndex(indexBytes)
            let inner = innerRequests(entries)
            let version = attempt < 2 ? read.version : nil
            guard var fetched = try await Self.fetch(inner, from: remote, width: innerWidth, ifVersion: version) else { continue }
            if let version { shardIndexes.keep(key, version: version, index: indexBytes, entries: entries) }
            fetched[indexRequest] = indexBytes
            return fetched
        }
        return [indexRequest: nil]  // not reached: the last attempt has no condition to fail
    }

    /// Runs the requests with up to `width` in flight; with `version`, each on condition that its
    /// value is still at that version, and `nil` as soon as one is not.
    private static func fetch(
        _ requests: [PrefetchedStore.Request], from remote: any ZarrAsyncStore, width: Int, ifVersion version: String? = nil
    ) async throws -> [PrefetchedStore.Request: [UInt8]?]? {
        var results: [PrefetchedStore.Request: [UInt8]?] = [:]
        let complete = try await withThrowingTaskGroup(of: (PrefetchedStore.Request, ConditionalValue?).self) { group in
            var pending = requests[...]
            func startNext() {
                guard let request = pending.popFirst() else { return }
                group.addTask {
                    guard let version else { return (request, try await remote.get(request.key, range: request.range).map { .unchanged($0) }) }
                    return (request, try await remote.get(request.key, range: request.range, ifVersion: version))
                }
            }
            for _ in 0..<min(width, requests.count) { startNext() }
            while let (request, value) = try await group.next() {
                switch value {
                case .unchanged(let bytes)?: results[request] = bytes
                case nil: results[request] = .some(nil)
                case .changed?:
                    group.cancelAll()
                    return false
                }
                startNext()
            }
            return true
        }
        return complete ? results : nil
    }

    /// Runs blocking work (codecs, local files, ParallelLoop) on a Dispatch thread, not on the cooperative pool.
    static func onCodecThreads<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Items handed out one at a time to concurrent workers, in order. `@unchecked Sendable`: the
/// position is guarded by `lock`.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    private let items: [Item]
    private var position = 0
    private let lock = NSLock()

    init(_ items: [Item]) { self.items = items }

    /// The next item, or `nil` when all have been taken.
    func next() -> Item? {
        lock.withLock {
            guard position < items.count else { return nil }
            position += 1
            return items[position - 1]
        }
    }
}

/// The buffer of a region being read, filled by many tasks at once. `@unchecked Sendable`: each
/// task writes only the part of the region its chunk covers, and the buffer outlives the tasks
/// (the read waits for all of them).
struct RegionBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
}

/// Values fetched ahead of a read, served to the synchronous decode; anything not fetched
/// (which the plan should not leave out) goes to the fallback store, or, where nothing may block
/// (`fallbackBlocks` false: a store's I/O threads), is an error instead of a blocking request.
struct PrefetchedStore: ZarrStore {
    /// One request: a whole value (`range` nil) or a byte range of it.
    struct Request: Hashable, Sendable {
        var key: String
        var range: ByteRange?
    }

    let values: [Request: [UInt8]?]
    let fallback: any ZarrStore
    var fallbackBlocks = true

    var capabilities: StoreCapabilities { fallback.capabilities }
    var displayName: String { fallback.displayName }

    /// The fallback, when it may be asked for `key`.
    private func fallback(for key: String) throws -> any ZarrStore {
        guard fallbackBlocks else {
            throw ImMetaIOError(.io, "internal error: '\(key)' was not fetched ahead of its decoding", file: fallback.displayName)
        }
        return fallback
    }

    func get(_ key: String) throws -> [UInt8]? {
        if let value = values[Request(key: key, range: nil)] { return value }
        return try fallback(for: key).get(key)
    }

    func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        if let value = values[Request(key: key, range: range)] { return value }
        if let whole = values[Request(key: key, range: nil)] { return whole.map { Self.slice($0, range) } }
        return try fallback(for: key).get(key, range: range)
    }

    func set(_ key: String, _ value: [UInt8]) throws { try fallback(for: key).set(key, value) }
    func delete(_ key: String) throws { try fallback(for: key).delete(key) }
    func list(prefix: String) throws -> [String] { try fallback(for: prefix).list(prefix: prefix) }
}

/// Uploads behind the encoders: `set` and `delete` queue the request and return at once while
/// fewer than `inFlight` plus one per core are queued or running (so each encoder can finish a
/// chunk ahead); up to `inFlight` uploaders take the queue in order, each going on to the next
/// request as soon as its last one ends (no encoder has to wake up to keep the requests in
/// flight). A later operation on a key waits for the earlier one, reads see values still
/// queued or uploading, and ``finish()`` waits for all and throws the first failure (after
/// which queued requests are dropped).
/// `@unchecked Sendable`: the state is guarded by `condition`.
final class WriteBehindStore: ZarrStore, @unchecked Sendable {
    private let base: any ZarrAsyncStore
    private let inFlight: Int
    private let capacity: Int
    private let condition = NSCondition()
    /// Values queued or being uploaded (`nil`: a delete), by key.
    private var pending: [String: [UInt8]?] = [:]
    /// Requests not yet started, in order.
    private var queue: [(key: String, value: [UInt8]?)] = []
    private var queueStart = 0
    private var uploaders = 0
    private var failure: (any Error)?

    init(base: any ZarrAsyncStore, inFlight: Int) {
        self.base = base
        self.inFlight = max(1, inFlight)
        capacity = self.inFlight + ProcessInfo.processInfo.activeProcessorCount
    }

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { base.displayName }

    private func start(_ key: String, _ value: [UInt8]?) throws {
        condition.lock()
        while (pending.count >= capacity || pending.keys.contains(key)) && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        pending[key] = .some(value)
        queue.append((key, value))
        let startsUploader = uploaders < inFlight
        if startsUploader { uploaders += 1 }
        condition.unlock()
        guard startsUploader else { return }
        let base = self.base
        // Off the cooperative pool: the encoders that wait for queue room may be holding its threads.
        BlockingWait.detach { [self] in
            while let request = next() {
                let (key, value) = request
                var outcome: (any Error)?
                do {
                    if let value { try await base.set(key, value) } else { try await base.delete(key) }
                } catch {
                    outcome = error
                }
                finished(key, outcome)
            }
        }
    }

    /// The next queued request for an uploader, or `nil` when there is none (the uploader ends).
    private func next() -> (String, [UInt8]?)? {
        condition.lock()
        defer { condition.unlock() }
        if failure != nil {
            // The write fails anyway: what is queued is not sent.
            for (key, _) in queue[queueStart...] { pending[key] = nil }
            queue.removeAll()
            queueStart = 0
        }
        guard queueStart < queue.count else {
            uploaders -= 1
            condition.broadcast()
            return nil
        }
        let request = queue[queueStart]
        queueStart += 1
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        return request
    }

    private func finished(_ key: String, _ outcome: (any Error)?) {
        condition.lock()
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
        while uploaders > 0 { condition.wait() }
        if let failure { throw failure }
    }
}
