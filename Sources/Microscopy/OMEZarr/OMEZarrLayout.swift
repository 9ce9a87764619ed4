import Zarr

/// The arrays of one multiscale image as they will be written: each level's shape, chunk and
/// shard shape and codecs (in `t, c, z, y, x` order), and the block the pyramid is streamed in.
///
/// **Blocks.** The image is processed in blocks of the same shape at every level (in that
/// level's pixels): whole shards along every axis, and an even extent along halved axes, so a
/// block of level `l` is made exactly from the 2 (or 4, or 8) blocks below it and every write
/// covers whole shards (no shard is ever read back or written twice).
struct OMEZarrLayout: Sendable {
    /// Each level's shape, full resolution first.
    let levelShapes: [[Int]]
    /// Each level's inner chunk shape (the options' chunk, clipped to the level).
    let chunkShapes: [[Int]]
    /// Each level's shard shape (clipped to the level, rounded to whole chunks), or `nil` entries
    /// without sharding.
    let shardShapes: [[Int]?]
    /// Whether each axis is halved from one level to the next.
    let halved: [Bool]
    /// The processing block, in pixels of the level it belongs to.
    let block: [Int]
    let codecs: [[ZarrCodecSpec]]

    /// The most levels written.
    static let maximumLevels = 32

    /// - Parameters:
    ///   - shape: the full-resolution shape, `t, c, z, y, x`.
    ///   - halvesZ: whether `z` is halved as well as `y` and `x`.
    ///   - levelCount: levels wanted, `nil` for automatic.
    init(
        shape: [Int], dtype: DType, chunkShape: [Int], shardShape: [Int]?, compression: OMEZarrCompression, halvesZ: Bool,
        levelCount: Int?, file: String
    ) throws(ImMetaIOError) {
        func invalid(_ message: String) -> ImMetaIOError { ImMetaIOError(.invalidArgument, message, file: file) }
        guard shape.count == 5, shape.allSatisfy({ $0 > 0 }) else { throw invalid("cannot write an image of shape \(shape)") }
        guard chunkShape.count == 5, chunkShape.allSatisfy({ $0 > 0 }) else {
            throw invalid("the chunk shape \(chunkShape) needs five positive extents (t, c, z, y, x)")
        }
        if let shardShape {
            guard shardShape.count == 5, shardShape.allSatisfy({ $0 > 0 }), zip(shardShape, chunkShape).allSatisfy({ $0 % $1 == 0 })
            else {
                throw invalid("the shard shape \(shardShape) must be five positive multiples of the chunk shape \(chunkShape) (t, c, z, y, x)")
            }
        }
        let halved = [false, false, halvesZ, true, true]
        self.halved = halved
        // Levels: halve until a level fits one chunk in y and x, or as many as asked.
        var shapes = [shape]
        func next(_ last: [Int]) -> [Int] { zip(last, halved).map { $1 ? ($0 + 1) / 2 : $0 } }
        if let levelCount {
            guard (1...Self.maximumLevels).contains(levelCount) else {
                throw invalid("the level count must be 1…\(Self.maximumLevels), not \(levelCount)")
            }
            while shapes.count < levelCount, let last = shapes.last { shapes.append(next(last)) }
        } else {
            while shapes.count < 10, let last = shapes.last, last[3] > chunkShape[3] || last[4] > chunkShape[4] {
                shapes.append(next(last))
            }
        }
        levelShapes = shapes
        chunkShapes = shapes.map { level in zip(level, chunkShape).map { min($0, $1) } }
        shardShapes = zip(shapes, chunkShapes).map { level, chunks in
            shardShape.map { shard in
                (0..<5).map { axis in min(shard[axis], (level[axis] + chunks[axis] - 1) / chunks[axis] * chunks[axis]) }
            }
        }
        let outer = shardShapes[0] ?? chunkShapes[0]
        block = (0..<5).map { axis in halved[axis] && outer[axis] % 2 == 1 ? outer[axis] * 2 : outer[axis] }
        guard let elements = NDArray.checkedElementCount(block), !elements.multipliedReportingOverflow(by: dtype.itemSize * 8).overflow
        else { throw invalid("the shard shape \(outer) is too large") }
        let compressors = try Self.compressors(compression, itemSize: dtype.itemSize, file: file)
        codecs = zip(chunkShapes, shardShapes).map { chunks, shards in
            guard shards != nil else { return [.bytes()] + compressors }
            return [.sharding(chunkShape: chunks, codecs: [.bytes()] + compressors, indexCodecs: [.bytes(), .crc32c])]
        }
    }

    var levelCount: Int { levelShapes.count }

    /// Blocks along each axis at `level`.
    func blockCounts(level: Int) -> [Int] {
        zip(levelShapes[level], block).map { ($0 + $1 - 1) / $1 }
    }

    /// The box of block `index` at `level`: its start and extent (clipped to the level).
    func box(level: Int, index: [Int]) -> (start: [Int], extent: [Int]) {
        let start = zip(index, block).map(*)
        let extent = (0..<5).map { min(block[$0], levelShapes[level][$0] - start[$0]) }
        return (start, extent)
    }

    /// The blocks of `level − 1` that make block `index` of `level`, in C order.
    func children(level: Int, index: [Int]) -> [[Int]] {
        let counts = blockCounts(level: level - 1)
        var result: [[Int]] = [[]]
        for axis in 0..<5 {
            let candidates = halved[axis] ? [2 * index[axis], 2 * index[axis] + 1] : [index[axis]]
            let kept = candidates.filter { $0 < counts[axis] }
            result = result.flatMap { prefix in kept.map { prefix + [$0] } }
        }
        return result
    }

    static func compressors(_ compression: OMEZarrCompression, itemSize: Int, file: String) throws(ImMetaIOError) -> [ZarrCodecSpec] {
        switch compression {
        case .none: return []
        case .zstd(let level):
            guard (-7...22).contains(level) else { throw ImMetaIOError(.invalidArgument, "the zstd level must be -7…22, not \(level)", file: file) }
            return [.zstd(level: level, checksum: false)]
        case .gzip(let level):
            guard (0...9).contains(level) else { throw ImMetaIOError(.invalidArgument, "the gzip level must be 0…9, not \(level)", file: file) }
            return [.gzip(level: level)]
        case .blosc(let compressor, let level, let shuffle):
            let known = ["lz4", "lz4hc", "blosclz", "zstd", "zlib"]
            guard known.contains(compressor) else {
                throw ImMetaIOError(.invalidArgument, "the blosc compressor must be one of \(known.joined(separator: ", ")), not '\(compressor)'", file: file)
            }
            guard (0...9).contains(level) else { throw ImMetaIOError(.invalidArgument, "the blosc level must be 0…9, not \(level)", file: file) }
            return [.blosc(cname: compressor, clevel: level, shuffle: shuffle && itemSize > 1 ? "shuffle" : "noshuffle", typesize: itemSize)]
        }
    }
}
