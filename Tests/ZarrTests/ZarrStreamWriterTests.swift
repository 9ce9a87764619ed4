import Foundation
import ImMetaIOCore
import NDArrayModule
import Testing
@testable import Zarr

/// A memory store that counts how often each key is written.
final class CountingStore: ZarrStore, @unchecked Sendable {
    let base = MemoryStore()
    private var counts: [String: Int] = [:]
    private let lock = NSLock()

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { "counting" }
    func get(_ key: String) throws -> [UInt8]? { try base.get(key) }
    func get(_ key: String, range: ByteRange) throws -> [UInt8]? { try base.get(key, range: range) }
    func set(_ key: String, _ value: [UInt8]) throws {
        lock.withLock { counts[key, default: 0] += 1 }
        try base.set(key, value)
    }
    func delete(_ key: String) throws { try base.delete(key) }
    func list(prefix: String) throws -> [String] { try base.list(prefix: prefix) }

    func writes(_ key: String) -> Int { lock.withLock { counts[key] ?? 0 } }
    func resetCounts() { lock.withLock { counts = [:] } }
}

@Suite struct ZarrStreamWriterTests {
    /// How the array is chunked: the first is written item by item straight to its shards, the
    /// others through slabs.
    enum Layout: String, CaseIterable, CustomStringConvertible {
        case direct, indexAtStart, twoItemsPerInnerChunk, plainChunks, splitShards
        var description: String { rawValue }
    }

    static func shardedMetadata(length: Int = 0, shard: Int = 100, layout: Layout = .direct) -> ZarrArrayMetadata {
        let codecs: [ZarrCodecSpec]
        var chunkShape = [shard, 3, 8, 8]
        switch layout {
        case .direct: codecs = [.sharding(chunkShape: [1, 3, 8, 8], codecs: [.bytes(), .zstd(level: 1)])]
        case .indexAtStart: codecs = [.sharding(chunkShape: [1, 3, 8, 8], codecs: [.bytes(), .zstd(level: 1)], indexLocation: "start")]
        case .twoItemsPerInnerChunk: codecs = [.sharding(chunkShape: [2, 3, 4, 8], codecs: [.bytes(), .zstd(level: 1)])]
        case .plainChunks: codecs = [.bytes(), .zstd(level: 1)]
        case .splitShards:
            // Two shards per row, inner chunks tiling each image: still written item by item.
            chunkShape = [shard, 3, 4, 8]
            codecs = [.sharding(chunkShape: [1, 1, 2, 8], codecs: [.bytes(), .zstd(level: 1)])]
        }
        return ZarrArrayMetadata(shape: [length, 3, 8, 8], dtype: .uint8, chunkShape: chunkShape, codecs: codecs)
    }

    /// Fills `positions` from `threads` threads, each taking the next position in order.
    static func fillConcurrently(_ stream: ZarrStreamWriter, _ positions: Range<Int>, items: NDArray, threads: Int = 4) throws {
        let next = NSLock()
        nonisolated(unsafe) var cursor = positions.lowerBound
        nonisolated(unsafe) var failure: (any Error)?
        let itemBytes = stream.itemByteCount
        try items.withUnsafeBytes { source in
            nonisolated(unsafe) let source = source
            ParallelLoop.run(threads) { _ in
                while true {
                    let position: Int? = next.withLock {
                        guard cursor < positions.upperBound, failure == nil else { return nil }
                        defer { cursor += 1 }
                        return cursor
                    }
                    guard let position else { return }
                    do {
                        try stream.fill(position) { target in
                            let offset = (position - positions.lowerBound) * itemBytes
                            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + itemBytes)]))
                        }
                    } catch {
                        next.withLock { failure = error }
                        return
                    }
                }
            }
            if let failure { throw failure }
        }
    }

    @Test(arguments: Layout.allCases)
    func everyShardIsWrittenOnceAndReadsBack(_ layout: Layout) throws {
        let store = CountingStore()
        let array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(layout: layout))
        let items = try sampleArray([250, 3, 8, 8], .uint8)
        let stream = try ZarrStreamWriter(array: array, maximumSlabsInFlight: 2)
        try Self.fillConcurrently(stream, 0..<250, items: items)
        let grown = try stream.finish(count: 250)
        #expect(grown.shape == [250, 3, 8, 8])
        #expect(try ZarrArray.open(in: store).read() == items)
        for shard in 0..<3 {
            #expect(store.writes("c/\(shard)/0/0/0") == 1)
            if layout == .splitShards { #expect(store.writes("c/\(shard)/0/1/0") == 1) }
        }
        #expect(stream.peakSlabsInFlight <= 2)
    }

    @Test(arguments: Layout.allCases)
    func appendingItemByItemFillsThePartialShardOnce(_ layout: Layout) throws {
        let store = CountingStore()
        var array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(layout: layout))
        let first = try sampleArray([130, 3, 8, 8], .uint8, seed: 3)
        try array.append(first)
        store.resetCounts()
        let more = try sampleArray([95, 3, 8, 8], .uint8, seed: 5)
        let stream = try ZarrStreamWriter(array: array)
        #expect(stream.startLength == 130)
        for index in 0..<95 {
            let item = more.withUnsafeBytes { raw in
                NDArray(unsafeUninitializedShape: [3, 8, 8], dtype: .uint8) {
                    $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(index * 192)..<((index + 1) * 192)]))
                }
            }
            try stream.write(item, at: 130 + index)
        }
        _ = try stream.finish(count: 95)
        #expect(store.writes("c/1/0/0/0") == 1)
        #expect(store.writes("c/2/0/0/0") == 1)
        let back = try ZarrArray.open(in: store).read()
        #expect(back.shape == [225, 3, 8, 8])
        #expect(try ZarrArray.open(in: store).read(start: [0, 0, 0, 0], shape: [130, 3, 8, 8]) == first)
        #expect(try ZarrArray.open(in: store).read(start: [130, 0, 0, 0], shape: [95, 3, 8, 8]) == more)
    }

    @Test(arguments: Layout.allCases)
    func theStoredShapeGrowsOnlyOverCommittedSlabs(_ layout: Layout) throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(shard: 10, layout: layout))
        let items = try sampleArray([25, 3, 8, 8], .uint8)
        let stream = try ZarrStreamWriter(array: array, commitsAutomatically: false)
        try Self.fillConcurrently(stream, 0..<20, items: items, threads: 2)
        // Two slabs are stored, but a reader still sees the committed length.
        #expect(stream.storedLength == 20)
        #expect(try ZarrArray.open(in: store).shape[0] == 0)
        #expect(throws: ImMetaIOError.self) { try stream.commit(length: 21) }
        try stream.commit(length: 10)
        #expect(try ZarrArray.open(in: store).shape[0] == 10)
        try Self.fillConcurrently(stream, 20..<25, items: sampleArray([5, 3, 8, 8], .uint8), threads: 1)
        #expect(try stream.finish(count: 25).shape[0] == 25)
    }

    @Test func automaticCommitsFollowTheGaplessPrefix() throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(shard: 10))
        let stream = try ZarrStreamWriter(array: array, maximumSlabsInFlight: 3)
        let item = NDArray(shape: [3, 8, 8], dtype: .uint8)
        // Slab 1 completes before slab 0: nothing is visible until slab 0 is in too.
        for position in 10..<20 { try stream.write(item, at: position) }
        #expect(try ZarrArray.open(in: store).shape[0] == 0)
        for position in 0..<10 { try stream.write(item, at: position) }
        #expect(try ZarrArray.open(in: store).shape[0] == 20)
        _ = try stream.finish(count: 20)
    }

    @Test(arguments: Layout.allCases)
    func misuseIsAnError(_ layout: Layout) throws {
        let store = MemoryStore()
        var array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(shard: 10, layout: layout))
        try array.append(sampleArray([4, 3, 8, 8], .uint8))
        let stream = try ZarrStreamWriter(array: array)
        let item = NDArray(shape: [3, 8, 8], dtype: .uint8)
        #expect(throws: ImMetaIOError.self) { try stream.write(item, at: 3) }
        #expect(throws: ImMetaIOError.self) { try stream.write(NDArray(shape: [3, 8, 7], dtype: .uint8), at: 4) }
        try stream.write(item, at: 4)
        // Position 5 was never filled.
        #expect(throws: ImMetaIOError.self) { _ = try stream.finish(count: 2) }
        #expect(try ZarrArray.open(in: store).shape[0] == 4)

        // A position past the end, or filled twice, is never stored silently.
        let other = try ZarrArray.create(in: MemoryStore(), metadata: Self.shardedMetadata(shard: 10, layout: layout))
        let past = try ZarrStreamWriter(array: other)
        for position in [0, 1, 2, 6] { try past.write(item, at: position) }
        #expect(throws: ImMetaIOError.self) { _ = try past.finish(count: 3) }
        let twice = try ZarrStreamWriter(array: try ZarrArray.create(in: MemoryStore(), metadata: Self.shardedMetadata(shard: 10, layout: layout)))
        try twice.write(item, at: 0)
        #expect(throws: ImMetaIOError.self) { try twice.write(item, at: 0) }
    }

    @Test func aMaximumLengthSizesSlabsAndBoundsPositions() throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(shard: 1000))
        let stream = try ZarrStreamWriter(array: array, maximumLength: 3)
        let items = try sampleArray([3, 3, 8, 8], .uint8)
        try Self.fillConcurrently(stream, 0..<3, items: items, threads: 2)
        #expect(throws: ImMetaIOError.self) { try stream.write(NDArray(shape: [3, 8, 8], dtype: .uint8), at: 3) }
        #expect(try stream.finish(count: 3).read() == items)
    }

    @Test func cancelWakesAWaitingFill() throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(in: store, metadata: Self.shardedMetadata(shard: 10))
        let stream = try ZarrStreamWriter(array: array, maximumSlabsInFlight: 1)
        let item = NDArray(shape: [3, 8, 8], dtype: .uint8)
        try stream.write(item, at: 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var thrown = false
        Thread.detachNewThread {
            // Slab 1 must wait for slab 0, which never completes.
            do { try stream.write(item, at: 10) } catch { thrown = true }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        stream.cancel(ImMetaIOError(.io, "stopped"))
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(thrown)
    }
}
