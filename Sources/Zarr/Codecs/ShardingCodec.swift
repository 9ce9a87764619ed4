import ImMetaIOCore
import NDArrayModule

/// `sharding_indexed`: a shard holds a grid of inner chunks, each encoded with the inner codecs,
/// and an index of `(offset, nbytes)` pairs (uint64, both all-ones for an empty inner chunk)
/// encoded with the index codecs at the start or the end of the shard.
struct ShardingCodec: ArrayToBytesCodec {
    let shardShape: [Int]
    let innerShape: [Int]
    /// Inner chunks per shard along each axis.
    let perShard: [Int]
    let inner: CodecPipeline
    let index: CodecPipeline
    let indexAtStart: Bool
    /// Encoded size of the index (the index codecs must be fixed-size).
    let indexSize: Int
    let context: ChunkContext
    static let empty = UInt64.max

    init(_ configuration: JSONObject, shape: [Int], context: ChunkContext) throws(ImMetaIOError) {
        guard let innerShape = configuration["chunk_shape"]?.arrayValue?.compactMap(\.intValue), innerShape.count == shape.count,
            innerShape.allSatisfy({ $0 > 0 }), zip(shape, innerShape).allSatisfy({ $0 % $1 == 0 })
        else { throw corrupt("sharding chunk_shape must divide the shard shape \(shape)") }
        func specs(_ key: String) throws(ImMetaIOError) -> [ZarrCodecSpec] {
            guard let list = configuration[key]?.arrayValue else { throw corrupt("sharding_indexed needs '\(key)'") }
            var result: [ZarrCodecSpec] = []
            for entry in list { result.append(try ZarrCodecSpec(json: entry)) }
            return result
        }
        shardShape = shape
        self.innerShape = innerShape
        perShard = zip(shape, innerShape).map { $0 / $1 }
        self.context = context
        inner = try CodecPipeline(specs("codecs"), shape: innerShape, context: context)
        let indexContext = ChunkContext(dtype: .uint64, fill: [UInt8](repeating: 0xFF, count: 8), writeEmptyChunks: true)
        index = try CodecPipeline(specs("index_codecs"), shape: perShard + [2], context: indexContext)
        switch configuration["index_location"]?.stringValue ?? "end" {
        case "start": indexAtStart = true
        case "end": indexAtStart = false
        case let other: throw corrupt("index_location must be 'start' or 'end', not '\(other)'")
        }
        guard let size = index.fixedSize else { throw ImMetaIOError(.unsupportedFeature, "shard index codecs of variable size") }
        indexSize = size
    }

    var innerCount: Int { perShard.reduce(1, *) }

    /// Inner chunk `number` (C order) as a grid index.
    func innerIndex(_ number: Int) -> [Int] {
        var index = [Int](repeating: 0, count: perShard.count)
        var rest = number
        for axis in stride(from: perShard.count - 1, through: 0, by: -1) {
            index[axis] = rest % perShard[axis]
            rest /= perShard[axis]
        }
        return index
    }

    func fixedSize(_ shape: [Int]) -> Int? { nil }

    /// Encodes a whole shard; an empty result means every inner chunk is the fill value and
    /// nothing needs storing.
    func encode(_ shard: NDArray) throws -> [UInt8] {
        let origin = shardShape.map { _ in 0 }
        return try shard.withUnsafeBytes { source in
            try encode(from: source, shape: shardShape, sourceStart: origin, shardOrigin: origin, arrayShape: shardShape)
        }
    }

    /// The box of inner chunk `number` inside a shard at `origin` of an array of `arrayShape`,
    /// clipped to the array: its start in array coordinates and its extent (empty when the inner
    /// chunk lies wholly past the array's end).
    func innerBox(_ number: Int, shardOrigin origin: [Int], arrayShape: [Int]) -> (start: [Int], extent: [Int]) {
        let position = innerIndex(number)
        var start: [Int] = [], extent: [Int] = []
        for axis in 0..<innerShape.count {
            let low = origin[axis] + position[axis] * innerShape[axis]
            start.append(low)
            extent.append(max(0, min(innerShape[axis], arrayShape[axis] - low)))
        }
        return (start, extent)
    }

    /// Encodes the shard at `origin` (array coordinates) straight from the data being written:
    /// `source` holds the region starting at `sourceStart`, which covers the shard (clipped to the
    /// array). Inner chunks that are contiguous runs of `source` are compressed in place.
    func encode(
        from source: UnsafeRawBufferPointer, shape sourceShape: [Int], sourceStart: [Int], shardOrigin origin: [Int],
        arrayShape: [Int]
    ) throws -> [UInt8] {
        var data = startShard()
        let entries = try encodeInnerChunks(
            from: source, shape: sourceShape, sourceStart: sourceStart, shardOrigin: origin, arrayShape: arrayShape,
            firstOffset: data.count
        ) { data += $0 }
        return try finishShard(entries: entries, data: &data)
    }

    /// Encodes like ``encode(from:shape:sourceStart:shardOrigin:arrayShape:)`` but hands the shard
    /// to `write` piece by piece (each inner chunk as it is compressed, then the index), so that
    /// the shard is never held whole. Only for an index at the end.
    /// - Returns: `false` when every inner chunk is the fill value (the index is not written).
    func encode(
        from source: UnsafeRawBufferPointer, shape sourceShape: [Int], sourceStart: [Int], shardOrigin origin: [Int],
        arrayShape: [Int], to write: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        precondition(!indexAtStart, "a shard with its index at the start cannot be streamed")
        let entries = try encodeInnerChunks(
            from: source, shape: sourceShape, sourceStart: sourceStart, shardOrigin: origin, arrayShape: arrayShape, firstOffset: 0
        ) { piece in try piece.withUnsafeBytes(write) }
        guard let index = try encodedIndex(entries) else { return false }
        try index.withUnsafeBytes(write)
        return true
    }

    /// Compresses the inner chunks of the shard at `origin` in order, handing each stored one to
    /// `emit`; returns the index entries, offsets counted from `firstOffset`.
    private func encodeInnerChunks(
        from source: UnsafeRawBufferPointer, shape sourceShape: [Int], sourceStart: [Int], shardOrigin origin: [Int],
        arrayShape: [Int], firstOffset: Int, _ emit: ([UInt8]) throws -> Void
    ) throws -> [UInt64] {
        var entries = [UInt64](repeating: Self.empty, count: innerCount * 2)
        var offset = firstOffset
        try compressInnerChunks(
            0..<innerCount, from: source, shape: sourceShape, sourceStart: sourceStart, shardOrigin: origin, arrayShape: arrayShape
        ) { number, encoded in
            entries[2 * number] = UInt64(offset)
            entries[2 * number + 1] = UInt64(encoded.count)
            offset += encoded.count
            try emit(encoded)
        }
        return entries
    }

    /// Compresses the inner chunks `numbers` (C order) of the shard at `origin` from `source`,
    /// which holds the region of `sourceShape` at `sourceStart` covering them, handing each one
    /// to `emit` with its number. Inner chunks past the array's end, and (unless stored anyway)
    /// those holding only the fill value, are skipped.
    func compressInnerChunks(
        _ numbers: Range<Int>, from source: UnsafeRawBufferPointer, shape sourceShape: [Int], sourceStart: [Int],
        shardOrigin origin: [Int], arrayShape: [Int], _ emit: (Int, [UInt8]) throws -> Void
    ) throws {
        let itemSize = context.dtype.itemSize
        for number in numbers {
            let (start, extent) = innerBox(number, shardOrigin: origin, arrayShape: arrayShape)
            guard !extent.contains(0) else { continue }
            let local = zip(start, sourceStart).map(-)
            let encoded: [UInt8]
            if inner.isDirect, extent == innerShape,
                let offset = RegionCopy.contiguousOffset(start: local, extent: extent, shape: sourceShape, itemSize: itemSize)
            {
                let raw = UnsafeRawBufferPointer(rebasing: source[offset..<(offset + extent.reduce(itemSize, *))])
                if !context.writeEmptyChunks, context.isFill(raw) { continue }
                encoded = try inner.encode(raw: raw)
            } else {
                var chunk = extent == innerShape
                    ? NDArray(unsafeUninitializedShape: innerShape, dtype: context.dtype) { _ in } : context.filledChunk(innerShape)
                chunk.withUnsafeMutableBytes { out in
                    RegionCopy.copy(
                        from: source, shape: sourceShape, start: local, to: out, shape: innerShape,
                        start: innerShape.map { _ in 0 }, extent: extent, itemSize: itemSize)
                }
                if !context.writeEmptyChunks, context.isFill(chunk) { continue }
                encoded = try inner.encode(chunk)
            }
            try emit(number, encoded)
        }
    }

    /// Decodes a whole shard straight into the region being read: `out` holds the region starting
    /// at `outStart` (array coordinates), which covers the shard at `origin` (clipped to the array).
    func decode(
        _ bytes: [UInt8], into out: UnsafeMutableRawBufferPointer, shape outShape: [Int], outStart: [Int],
        shardOrigin origin: [Int], arrayShape: [Int]
    ) throws {
        guard bytes.count >= indexSize else { throw corrupt("shard of \(bytes.count) bytes is smaller than its index") }
        let entries = try decodeIndex(Array(bytes[indexRange(shardSize: bytes.count)]))
        let itemSize = context.dtype.itemSize
        let innerBytes = innerShape.reduce(itemSize, *)
        // Inner chunks that are not one run of the output decode into this buffer, reused for the
        // whole shard, then their rows are copied into place: a fresh array per inner chunk cost a
        // page fault per 4 KiB.
        var scratch: UnsafeMutableRawBufferPointer?
        defer { scratch?.deallocate() }
        try bytes.withUnsafeBytes { shard in
            for number in 0..<innerCount {
                let (start, extent) = innerBox(number, shardOrigin: origin, arrayShape: arrayShape)
                guard !extent.contains(0) else { continue }
                let local = zip(start, outStart).map(-)
                let range = try entryRange(entries, number, shardSize: bytes.count)
                if extent == innerShape, inner.isDirect || range == nil,
                    let offset = RegionCopy.contiguousOffset(start: local, extent: extent, shape: outShape, itemSize: itemSize)
                {
                    let target = UnsafeMutableRawBufferPointer(rebasing: out[offset..<(offset + innerBytes)])
                    if let range {
                        try inner.decode(raw: UnsafeRawBufferPointer(rebasing: shard[range]), into: target)
                    } else {
                        ChunkContext.fill(target, with: context.fill)
                    }
                    continue
                }
                if inner.isDirect, let range {
                    let buffer = scratch ?? UnsafeMutableRawBufferPointer.allocate(byteCount: innerBytes, alignment: 16)
                    scratch = buffer
                    try inner.decode(raw: UnsafeRawBufferPointer(rebasing: shard[range]), into: buffer)
                    RegionCopy.copy(
                        from: UnsafeRawBufferPointer(buffer), shape: innerShape, start: innerShape.map { _ in 0 }, to: out,
                        shape: outShape, start: local, extent: extent, itemSize: itemSize)
                    continue
                }
                let chunk = try range.map { try inner.decode(Array(shard[$0])) } ?? context.filledChunk(innerShape)
                chunk.withUnsafeBytes { source in
                    RegionCopy.copy(
                        from: source, shape: innerShape, start: innerShape.map { _ in 0 }, to: out, shape: outShape, start: local,
                        extent: extent, itemSize: itemSize)
                }
            }
        }
    }

    /// The buffer a shard is assembled in: room for the whole shard uncompressed (compressed inner
    /// chunks rarely need more), so appending never copies what is there, and the index's place
    /// at the start when it goes there. Pages past what is written are never touched.
    func startShard() -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(shardShape.reduce(context.dtype.itemSize, *) + indexSize)
        if indexAtStart { data.append(contentsOf: repeatElement(0, count: indexSize)) }
        return data
    }

    /// Writes the index (offsets in `entries` are positions in `data`) into its place in the shard
    /// and returns the shard; empty when every inner chunk is the fill value.
    func finishShard(entries: [UInt64], data: inout [UInt8]) throws -> [UInt8] {
        guard let encodedIndex = try encodedIndex(entries) else { return [] }
        if indexAtStart {
            data.replaceSubrange(0..<indexSize, with: encodedIndex)
        } else {
            data.append(contentsOf: encodedIndex)
        }
        return data
    }

    /// The encoded index, or `nil` when every entry is empty (nothing needs storing).
    func encodedIndex(_ entries: [UInt64]) throws -> [UInt8]? {
        guard entries.contains(where: { $0 != Self.empty }) else { return nil }
        let encoded = try index.encode(try NDArray(entries, shape: perShard + [2]))
        guard encoded.count == indexSize else { throw corrupt("shard index encoded to \(encoded.count) bytes") }
        return encoded
    }

    /// The index's `(offset, nbytes)` pairs from its encoded bytes.
    func decodeIndex(_ bytes: [UInt8]) throws -> [UInt64] {
        guard bytes.count == indexSize else { throw corrupt("shard index of \(bytes.count) bytes, expected \(indexSize)") }
        return try index.decode(bytes).scalars(as: UInt64.self)
    }

    /// Inner chunk `index`'s number in C order (the inverse of ``innerIndex(_:)``).
    func innerNumber(_ index: [Int]) -> Int { zip(index, perShard).reduce(0) { $0 * $1.1 + $1.0 } }

    /// Whether inner chunk `number` is not stored (its entry holds the empty marker twice).
    func isEmptyEntry(_ entries: [UInt64], _ number: Int) -> Bool {
        entries[2 * number] == Self.empty && entries[2 * number + 1] == Self.empty
    }

    /// Inner chunk `number`'s bytes as a range request, for a shard read by ranges (its size
    /// unknown): `nil` for an empty entry, or one that no offset can address.
    func entryRequest(_ entries: [UInt64], _ number: Int) -> ByteRange? {
        let offset = entries[2 * number], length = entries[2 * number + 1]
        guard !isEmptyEntry(entries, number), length < UInt64(Int.max), offset < UInt64(Int.max) - length else { return nil }
        return .range(offset: Int(offset), length: Int(length))
    }

    /// Where the index lies in a shard of `size` bytes.
    func indexRange(shardSize: Int) -> Range<Int> { indexAtStart ? 0..<indexSize : (shardSize - indexSize)..<shardSize }

    /// Decodes inner chunk bytes, checking the entry against the shard's size.
    func entryRange(_ entries: [UInt64], _ number: Int, shardSize: Int) throws -> Range<Int>? {
        if isEmptyEntry(entries, number) { return nil }
        let offset = entries[2 * number], length = entries[2 * number + 1]
        guard offset <= UInt64(shardSize), length <= UInt64(shardSize) - offset else {
            throw corrupt("shard index entry \(number) points outside the shard")
        }
        return Int(offset)..<Int(offset + length)
    }

    func decode(_ bytes: [UInt8], shape: [Int]) throws -> NDArray {
        guard bytes.count >= indexSize else { throw corrupt("shard of \(bytes.count) bytes is smaller than its index") }
        let entries = try decodeIndex(Array(bytes[indexRange(shardSize: bytes.count)]))
        var shard = context.filledChunk(shardShape)
        let itemSize = context.dtype.itemSize
        for number in 0..<innerCount {
            guard let range = try entryRange(entries, number, shardSize: bytes.count) else { continue }
            let chunk = try inner.decode(Array(bytes[range]))
            let position = innerIndex(number)
            chunk.withUnsafeBytes { source in
                shard.withUnsafeMutableBytes { out in
                    RegionCopy.copy(
                        from: source, shape: innerShape, start: innerShape.map { _ in 0 }, to: out, shape: shardShape,
                        start: zip(position, innerShape).map(*), extent: innerShape, itemSize: itemSize)
                }
            }
        }
        return shard
    }
}
