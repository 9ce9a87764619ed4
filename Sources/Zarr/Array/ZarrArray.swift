import Foundation
import ImMetaIOCore
import NDArrayModule

/// A Zarr v3 array in a store: create or open it, read and write any rectangular region,
/// resize it, append to it.
///
/// ```swift
/// let store = FileSystemStore(path: "frames.zarr")
/// var array = try ZarrArray.create(
///     in: store, metadata: ZarrArrayMetadata(
///         shape: [0, 3, 256, 256], dtype: .uint8, chunkShape: [100, 3, 256, 256],
///         codecs: [.sharding(chunkShape: [1, 3, 256, 256], codecs: [.bytes(), .zstd()])]))
/// try array.append(batch, along: 0)
/// let first = try array.read(start: [0, 0, 0, 0], shape: [1, 3, 256, 256])
/// ```
///
/// Chunks (shards, for sharded arrays) are encoded and decoded in parallel, one worker per
/// core, each holding one chunk at a time. Chunks equal to the fill value are not stored (and
/// are deleted when a write makes them so) unless `writeEmptyChunks` is set. A region covering
/// a whole chunk or shard replaces it outright; a partial one reads, modifies and rewrites it.
/// Reading part of a shard fetches only its index and the inner chunks needed, with byte-range
/// reads, when the store supports them.
///
/// **Concurrency.** Reads are safe from any number of threads and processes. Writes are safe
/// from several threads or processes as long as their regions touch disjoint chunks (shards,
/// for sharded arrays): each chunk is replaced atomically, so partition concurrent work by
/// chunk or shard. Two writers of regions that share a chunk can lose one's update (both
/// read-modify-write it). ``resize(to:)`` and ``append(_:along:)`` rewrite `zarr.json` and must
/// not run concurrently with other writers.
public struct ZarrArray: Sendable {
    /// The store holding the array (for an array opened on an async store, a ``BlockingStore`` over it).
    public internal(set) var store: any ZarrStore
    /// The array's path in the store (`""` for the root).
    public let path: String
    /// The array's metadata.
    public private(set) var metadata: ZarrArrayMetadata
    /// Whether chunks equal to the fill value are stored anyway.
    public let writeEmptyChunks: Bool
    let pipeline: CodecPipeline
    let context: ChunkContext
    /// The async store of an array opened on one: reads and writes then keep many requests in flight.
    var remote: (any ZarrAsyncStore)?
    /// Shard indexes read from a versioned async store, shared by the array's copies.
    let shardIndexes = ShardIndexCache()

    init(store: any ZarrStore, path: String, metadata: ZarrArrayMetadata, writeEmptyChunks: Bool) throws(ImMetaIOError) {
        self.store = store
        self.path = path
        self.metadata = metadata
        self.writeEmptyChunks = writeEmptyChunks
        // An async store seen through the synchronous protocol: reads and writes still keep many requests in flight.
        remote = (store as? BlockingStore)?.base
        do {
            context = ChunkContext(
                dtype: metadata.dtype, fill: try ZarrDataType.fillBytes(metadata.fillValue, dtype: metadata.dtype),
                writeEmptyChunks: writeEmptyChunks)
            pipeline = try CodecPipeline(metadata.codecs, shape: metadata.chunkShape, context: context)
        } catch {
            throw error.naming(Self.describe(store, path))
        }
    }

    static func describe(_ store: any ZarrStore, _ path: String) -> String {
        path.isEmpty ? store.displayName : "\(store.displayName)/\(path)"
    }

    static func prefix(_ path: String) -> String { path.isEmpty ? "" : path + "/" }

    /// Creates an array (writing its `zarr.json`).
    /// - Throws: `invalidArgument` when the path holds a node already (unless `overwrite`, which
    ///   deletes it first) or the metadata is inconsistent.
    public static func create(
        in store: any ZarrStore, path: String = "", metadata: ZarrArrayMetadata, overwrite: Bool = false,
        writeEmptyChunks: Bool = false
    ) throws -> ZarrArray {
        let name = describe(store, path)
        guard metadata.chunkShape.count == metadata.shape.count, metadata.chunkShape.allSatisfy({ $0 > 0 }),
            let elements = NDArray.checkedElementCount(metadata.chunkShape),
            elements <= ZarrArrayMetadata.maximumChunkBytes / metadata.dtype.itemSize
        else {
            throw ImMetaIOError(.invalidArgument, "chunk shape \(metadata.chunkShape) does not fit shape \(metadata.shape)", file: name)
        }
        if try store.contains(prefix(path) + "zarr.json") {
            guard overwrite else { throw ImMetaIOError(.invalidArgument, "a Zarr node exists here already", file: name) }
            try store.deleteAll(prefix: prefix(path))
        }
        // Codecs spelt out in full; codecs and fill value validated before anything is written.
        var metadata = metadata
        metadata.codecs = metadata.codecs.map { $0.normalized(itemSize: metadata.dtype.itemSize) }
        let array = try ZarrArray(store: store, path: path, metadata: metadata, writeEmptyChunks: writeEmptyChunks)
        try array.writeMetadata()
        return array
    }

    /// Opens an existing array.
    /// - Throws: `missingFile` when there is no `zarr.json`, `corruptData` when it is invalid,
    ///   `unsupportedFeature` for codecs or extensions this build lacks.
    public static func open(in store: any ZarrStore, path: String = "", writeEmptyChunks: Bool = false) throws -> ZarrArray {
        try opening(store.get(prefix(path) + "zarr.json"), in: store, path: path, writeEmptyChunks: writeEmptyChunks)
    }

    /// The array whose `zarr.json` holds `bytes` (`nil`: there is none).
    static func opening(_ bytes: [UInt8]?, in store: any ZarrStore, path: String, writeEmptyChunks: Bool) throws -> ZarrArray {
        let name = describe(store, path)
        guard let bytes else { throw ImMetaIOError(.missingFile, "no zarr.json", file: name) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ImMetaIOError(.corruptData, "zarr.json is not valid JSON: \(error)", file: name)
        }
        do {
            return try ZarrArray(store: store, path: path, metadata: try ZarrArrayMetadata(json: json), writeEmptyChunks: writeEmptyChunks)
        } catch {
            throw error.naming(name)
        }
    }

    private func writeMetadata() throws {
        try store.set(Self.prefix(path) + "zarr.json", Array(JSONText.encode(metadata.json).utf8))
    }

    /// The array's shape.
    public var shape: [Int] { metadata.shape }
    /// The array's element type.
    public var dtype: DType { metadata.dtype }

    var grid: ChunkGrid { ChunkGrid(shape: metadata.shape, chunkShape: metadata.chunkShape) }
    /// The store key of the chunk (shard) at grid `index`.
    func key(_ index: [Int]) -> String { Self.prefix(path) + metadata.chunkKeyEncoding.key(index) }
    var name: String { Self.describe(store, path) }

    func checkRegion(_ start: [Int], _ extent: [Int]) throws {
        guard start.count == shape.count, extent.count == shape.count,
            (0..<shape.count).allSatisfy({ start[$0] >= 0 && extent[$0] >= 0 && extent[$0] <= shape[$0] - start[$0] })
        else {
            throw ImMetaIOError(.invalidArgument, "region at \(start) of shape \(extent) is outside the array's shape \(shape)", file: name)
        }
        guard let count = NDArray.checkedElementCount(extent), !count.multipliedReportingOverflow(by: dtype.itemSize).overflow else {
            throw ImMetaIOError(.limitExceeded, "region of shape \(extent) is too large to hold in memory", file: name)
        }
    }

    /// Runs `body` for each item in parallel and rethrows the first failure (in item order),
    /// naming this array. Writes and deletes pass `.finishAll`: a failed chunk leaves the others
    /// stored, as they would be one by one.
    private func parallel<T>(
        _ items: [T], onFailure policy: ParallelLoop.FailurePolicy = .skipLaterItems, _ body: (T) throws -> Void
    ) throws {
        do {
            try ParallelLoop.forEach(items.count, onFailure: policy) { try body(items[$0]) }
        } catch let error as ImMetaIOError {
            throw error.naming(name)
        }
    }

    /// The whole array.
    /// - Parameter limits: bounds on the array's size, checked before any allocation.
    public func read(limits: DecodeLimits = .default) throws -> NDArray {
        try read(start: shape.map { _ in 0 }, shape: shape, limits: limits)
    }

    /// The region of `shape` elements starting at `start`.
    /// - Parameters:
    ///   - start: the region's first index on each axis.
    ///   - extent: the region's size on each axis.
    ///   - limits: bounds on the region's size (as pixels, its element count), checked before any
    ///     allocation.
    public func read(start: [Int], shape extent: [Int], limits: DecodeLimits = .default) throws -> NDArray {
        if remote != nil { return try BlockingWait.run { [self] in try await read(start: start, shape: extent, limits: limits) } }
        try checkRegion(start, extent)
        try limits.check(pixels: NDArray.checkedElementCount(extent) ?? .max, shape: extent, dtype: dtype, file: name)
        let chunks = grid.chunks(meeting: start, extent)
        let sharding = store.capabilities.partialReads ? pipeline.partialSharding : nil
        var output = NDArray(unsafeUninitializedShape: extent, dtype: dtype) { _ in }
        try output.withUnsafeMutableBytes { out in
            try parallel(chunks) { index in
                try readChunk(index, start: start, extent: extent, partialSharding: sharding, from: store, into: out)
            }
        }
        return output
    }

    /// Reads the part of the region (`extent` elements at `start`, in C order in `out`) that lies
    /// in the chunk (shard) at grid `index`, from `store`. With `partialSharding`, a shard the
    /// region only partly covers is read by its index and the inner chunks the region meets.
    func readChunk(
        _ index: [Int], start: [Int], extent: [Int], partialSharding: ShardingCodec?, from store: any ZarrStore,
        into out: UnsafeMutableRawBufferPointer
    ) throws {
        let itemSize = dtype.itemSize
        let (inChunk, inRegion, size) = grid.overlap(index, start, extent)
        if let sharding = partialSharding, !grid.covers(index, start, extent) {
            try readPartOfShard(
                index, sharding, inChunk: inChunk, inRegion: inRegion, size: size, regionShape: extent, from: store, into: out)
            return
        }
        if let sharding = pipeline.partialSharding {
            // A whole shard inside the region: its inner chunks decode straight into place.
            let origin = zip(index, metadata.chunkShape).map(*)
            if let stored = try store.get(key(index)) {
                try sharding.decode(stored, into: out, shape: extent, outStart: start, shardOrigin: origin, arrayShape: shape)
            } else {
                let filled = context.filledChunk(size)
                filled.withUnsafeBytes { source in
                    RegionCopy.copy(
                        from: source, shape: size, start: size.map { _ in 0 }, to: out, shape: extent, start: inRegion,
                        extent: size, itemSize: itemSize)
                }
            }
            return
        }
        if pipeline.isDirect, size == metadata.chunkShape,
            let offset = RegionCopy.contiguousOffset(start: inRegion, extent: size, shape: extent, itemSize: itemSize)
        {
            // A whole chunk that is one run of the output: decoded straight into place.
            let target = UnsafeMutableRawBufferPointer(rebasing: out[offset..<(offset + size.reduce(itemSize, *))])
            if let stored = try store.get(key(index)) {
                try pipeline.decode(stored, into: target)
            } else {
                ChunkContext.fill(target, with: context.fill)
            }
            return
        }
        let stored = try store.get(key(index))
        // A missing chunk reads as the fill value: a filled box of just the overlap.
        let chunk = try stored.map { try pipeline.decode($0) } ?? context.filledChunk(size)
        let from = stored == nil ? size.map { _ in 0 } : inChunk
        chunk.withUnsafeBytes { source in
            RegionCopy.copy(
                from: source, shape: chunk.shape, start: from, to: out, shape: extent, start: inRegion, extent: size,
                itemSize: itemSize)
        }
    }

    /// Reads the part of one shard inside the region: its index, then only the inner chunks the
    /// region meets, each with one byte-range read.
    private func readPartOfShard(
        _ shardIndex: [Int], _ sharding: ShardingCodec, inChunk: [Int], inRegion: [Int], size: [Int], regionShape: [Int],
        from store: any ZarrStore, into out: UnsafeMutableRawBufferPointer
    ) throws {
        let shardKey = key(shardIndex)
        let itemSize = dtype.itemSize
        let indexBytes = try store.get(
            shardKey, range: sharding.indexAtStart ? .range(offset: 0, length: sharding.indexSize) : .suffix(length: sharding.indexSize))
        let innerGrid = ChunkGrid(shape: sharding.shardShape, chunkShape: sharding.innerShape)
        guard let indexBytes else {
            // No shard: the fill value throughout.
            let filled = context.filledChunk(size)
            filled.withUnsafeBytes { source in
                RegionCopy.copy(
                    from: source, shape: size, start: size.map { _ in 0 }, to: out, shape: regionShape, start: inRegion, extent: size,
                    itemSize: itemSize)
            }
            return
        }
        let entries = try sharding.decodeIndex(indexBytes)
        for inner in innerGrid.chunks(meeting: inChunk, size) {
            let (inInner, inShardRegion, part) = innerGrid.overlap(inner, inChunk, size)
            let number = sharding.innerNumber(inner)
            let chunk: NDArray
            if sharding.isEmptyEntry(entries, number) {
                chunk = context.filledChunk(sharding.innerShape)
            } else {
                guard let range = sharding.entryRequest(entries, number), let bytes = try store.get(shardKey, range: range),
                    UInt64(bytes.count) == entries[2 * number + 1]
                else { throw ImMetaIOError(.corruptData, "shard index entry \(number) points outside the shard", file: shardKey) }
                chunk = try sharding.inner.decode(bytes)
            }
            let target = zip(inRegion, inShardRegion).map(+)
            chunk.withUnsafeBytes { source in
                RegionCopy.copy(
                    from: source, shape: sharding.innerShape, start: inInner, to: out, shape: regionShape, start: target,
                    extent: part, itemSize: itemSize)
            }
        }
    }

    /// Writes `array` into the region starting at `start` (the origin when `nil`).
    public func write(_ array: NDArray, at start: [Int]? = nil) throws {
        if remote != nil { return try BlockingWait.run { [self] in try await write(array, at: start) } }
        let start = start ?? shape.map { _ in 0 }
        guard array.dtype == dtype else {
            throw ImMetaIOError(.invalidArgument, "cannot write \(array.dtype) into a \(dtype) array", file: name)
        }
        try checkRegion(start, array.shape)
        try array.withUnsafeBytes { input in
            try write(from: input, extent: array.shape, at: start, logicalShape: shape)
        }
    }

    /// Writes the region of `extent` at `start` from `input` (C order), as if the array had
    /// `logicalShape`: an append stream passes the end of the items it has, so that a shard
    /// ending there counts as covered and is encoded without reading what is stored.
    func write(from input: UnsafeRawBufferPointer, extent: [Int], at start: [Int], logicalShape shape: [Int]) throws {
        let grid = ChunkGrid(shape: shape, chunkShape: metadata.chunkShape)
        let chunks = grid.chunks(meeting: start, extent)
        let itemSize = dtype.itemSize
        let chunkShape = metadata.chunkShape
        try parallel(chunks, onFailure: .finishAll) { index in
            let (inChunk, inRegion, size) = grid.overlap(index, start, extent)
            let chunkKey = key(index)
            if pipeline.isDirect, size == chunkShape,
                let offset = RegionCopy.contiguousOffset(start: inRegion, extent: size, shape: extent, itemSize: itemSize)
            {
                // A whole chunk that is one run of the input: encoded from it without a copy.
                let raw = UnsafeRawBufferPointer(rebasing: input[offset..<(offset + size.reduce(itemSize, *))])
                if !writeEmptyChunks, context.isFill(raw) { try store.delete(chunkKey) } else { try store.set(chunkKey, try pipeline.encode(raw: raw)) }
                return
            }
            if let sharding = pipeline.partialSharding, grid.covers(index, start, extent) {
                // A whole shard: inner chunks encoded straight from the input and, with the index
                // at the end, written to the store as they come.
                let origin = zip(index, chunkShape).map(*)
                if !sharding.indexAtStart {
                    try store.set(chunkKey) { write in
                        try sharding.encode(from: input, shape: extent, sourceStart: start, shardOrigin: origin, arrayShape: shape, to: write)
                    }
                    return
                }
                let encoded = try sharding.encode(from: input, shape: extent, sourceStart: start, shardOrigin: origin, arrayShape: shape)
                if encoded.isEmpty { try store.delete(chunkKey) } else { try store.set(chunkKey, encoded) }
                return
            }
            var chunk: NDArray
            if grid.covers(index, start, extent) {
                // Replaced whole: no read. Edge chunks keep the fill value past the array's end.
                let partial = zip(index, chunkShape).enumerated().contains { ($0.element.0 + 1) * $0.element.1 > shape[$0.offset] }
                chunk = partial ? context.filledChunk(chunkShape) : NDArray(unsafeUninitializedShape: chunkShape, dtype: dtype) { _ in }
            } else {
                chunk = try store.get(chunkKey).map { try pipeline.decode($0) } ?? context.filledChunk(chunkShape)
            }
            chunk.withUnsafeMutableBytes { out in
                RegionCopy.copy(
                    from: input, shape: extent, start: inRegion, to: out, shape: chunkShape, start: inChunk, extent: size,
                    itemSize: itemSize)
            }
            if !writeEmptyChunks, context.isFill(chunk) {
                try store.delete(chunkKey)
                return
            }
            let encoded = try pipeline.encode(chunk)
            if encoded.isEmpty { try store.delete(chunkKey) } else { try store.set(chunkKey, encoded) }
        }
    }

    /// Changes the shape. Chunks wholly outside the new shape are deleted; the metadata is
    /// rewritten.
    public mutating func resize(to newShape: [Int]) throws {
        guard newShape.count == shape.count, newShape.allSatisfy({ $0 >= 0 }) else {
            throw ImMetaIOError(.invalidArgument, "cannot resize a \(shape.count)-D array to \(newShape)", file: name)
        }
        let old = grid
        metadata.shape = newShape
        let kept = grid.gridShape
        let stale = old.chunks(meeting: shape.map { _ in 0 }, old.shape).filter { index in
            zip(index, kept).contains { $0 >= $1 }
        }
        try parallel(stale, onFailure: .finishAll) { try store.delete(key($0)) }
        try writeMetadata()
    }

    /// Appends `array` along `axis`: the array grows by `array.shape[axis]` and the data is written
    /// into the new part. The other axes must match.
    public mutating func append(_ array: NDArray, along axis: Int = 0) throws {
        guard axis >= 0, axis < shape.count, array.rank == shape.count,
            (0..<shape.count).allSatisfy({ $0 == axis || array.shape[$0] == shape[$0] })
        else {
            throw ImMetaIOError(.invalidArgument, "cannot append shape \(array.shape) to \(shape) along axis \(axis)", file: name)
        }
        var start = shape.map { _ in 0 }
        start[axis] = shape[axis]
        var grown = shape
        grown[axis] += array.shape[axis]
        try resize(to: grown)
        try write(array, at: start)
    }

    /// Replaces the user attributes (rewriting `zarr.json`).
    public mutating func setAttributes(_ attributes: JSONObject) throws {
        metadata.attributes = attributes
        try writeMetadata()
    }

    /// Bytes stored for the array: its metadata and every chunk or shard.
    public func storedBytes() throws -> Int {
        try store.list(prefix: Self.prefix(path)).reduce(0) { total, key in
            // Nested arrays and groups are not counted (keys with their own zarr.json below).
            total + (try store.size(of: key) ?? 0)
        }
    }
}
