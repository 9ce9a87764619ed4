import ImMetaIOCore
import NDArrayModule

/// One scene of a CZI file as a TZCYX(S) image, read lazily from its subblocks.
///
/// Mosaic tiles are placed by their X/Y start (the scene's top-left full-resolution tile at 0, 0)
/// and drawn in mosaic-index order, later tiles on top, as libCZI composes them. Subsampled
/// subblocks form the lower pyramid levels, one per downsampling factor. A read decodes only the
/// subblocks of the level, planes and rectangle it asks for, in parallel, and reads only their
/// bytes; places no subblock covers are zero.
public struct CZIImage: MicroscopyImage {
    /// Axes, shape, dtype, calibration, channels and provenance of the full-resolution level.
    public let metadata: MicroscopyMetadata
    /// The shape of each level, full resolution first, then one level per downsampling factor of
    /// the scene's subsampled subblocks.
    public let levelShapes: [[Int]]
    /// The scene's `S` index in the file, or `nil` when the file has no scenes.
    public var sceneIndex: Int? { layout.sceneIndex }
    /// The pixel type of the scene's subblocks.
    public var pixelType: CZIPixelType { layout.pixelType }
    /// The top-left corner of the image in the file's full-resolution pixel coordinates (mosaic
    /// stage coordinates may be negative).
    public var originX: Int { layout.originX }
    /// The top-left corner's Y coordinate (see ``originX``).
    public var originY: Int { layout.originY }
    /// Full-resolution pixels per pixel of each level (1 for level 0).
    public var levelDownsampling: [Int] { layout.levels.map(\.factor) }

    let layout: CZISceneLayout
    let source: CZISource

    init(layout: CZISceneLayout, metadata: MicroscopyMetadata, source: CZISource) {
        self.layout = layout
        self.metadata = metadata
        self.source = source
        levelShapes = layout.levels.map { level in
            var shape = metadata.shape
            shape[3] = level.height
            shape[4] = level.width
            return shape
        }
    }

    /// The image's subblocks, level by level, in drawing order within each plane.
    public var subblocks: [CZISubblockInfo] {
        layout.levels.flatMap { level in
            level.tilesByPlane.keys.sorted().flatMap { plane in
                (level.tilesByPlane[plane] ?? []).map { info(layout.tiles[$0]) }
            }
        }
    }

    /// What this file's pixel reads have fetched so far (shared by all images of the file).
    public var readStatistics: CZIReadStatistics { source.counter.snapshot }

    /// Resets ``readStatistics`` (of the whole file) to zero.
    public func resetReadStatistics() { source.counter.reset() }

    /// Reads a window of one level, TZCYX(S), from the subblocks it overlaps.
    ///
    /// - Throws: `ImMetaIOError` with `invalidArgument` for a level or window outside the image,
    ///   `limitExceeded` beyond the file's decode limits, `corruptData` for damaged subblocks and
    ///   `unsupportedFeature` for a compression this reader does not decode.
    public func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        guard levelShapes.indices.contains(level) else {
            throw ImMetaIOError(
                .invalidArgument, "level \(level) does not exist: the image has \(levelShapes.count) level\(levelShapes.count == 1 ? "" : "s")",
                file: source.path)
        }
        // T, Z, C, Y, X (the S range, always whole, is not among them).
        let ranges = Array(try region.resolved(against: levelShapes[level], file: source.path).prefix(5))
        let samples = metadata.hasSamples ? metadata.shape[5] : 1
        let outShape = ranges.map(\.count) + (metadata.hasSamples ? [samples] : [])
        let pixels = ranges.map(\.count).reduce(1) { product, count in
            let (next, overflow) = product.multipliedReportingOverflow(by: count)
            return overflow ? Int.max : next
        }
        try source.limits.check(pixels: pixels, shape: outShape, dtype: metadata.dtype, file: source.path)
        let window = CZIWindow(t: ranges[0], z: ranges[1], c: ranges[2], y: ranges[3], x: ranges[4])
        let jobs = selectTiles(level: layout.levels[level], window: window)
        var output = Self.zeroedOutput(shape: outShape, dtype: metadata.dtype)
        try CZICompositor(source: source, tiles: layout.tiles, pixelBytes: metadata.dtype.itemSize * samples, itemSize: metadata.dtype.itemSize, samples: samples)
            .draw(jobs, window: window, into: &output)
        return output
    }

    /// A zero-filled array for a read: large ones on huge pages, zeroed by every core (where tiles
    /// leave gaps, the window stays zero).
    private static func zeroedOutput(shape: [Int], dtype: DType) -> NDArray {
        NDArray(unsafeUninitializedShape: shape, dtype: dtype, hugePages: true) { buffer in
            let block = 8 << 20
            let blocks = (buffer.count + block - 1) / block
            ParallelLoop.run(blocks) { index in
                let range = (index * block)..<min(buffer.count, (index + 1) * block)
                UnsafeMutableRawBufferPointer(rebasing: buffer[range]).initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
    }

    /// The tiles of `level` that overlap the window, by output plane and then in drawing order.
    private func selectTiles(level: CZILevel, window: CZIWindow) -> [CZITileJob] {
        var jobs: [CZITileJob] = []
        func add(_ indices: [Int], outputPlane: Int) {
            for index in indices {
                let tile = layout.tiles[index]
                guard tile.x < window.x.upperBound, tile.x + tile.width > window.x.lowerBound, tile.y < window.y.upperBound,
                    tile.y + tile.height > window.y.lowerBound
                else { continue }
                jobs.append(CZITileJob(tile: index, outputPlane: outputPlane))
            }
        }
        let (sizeZ, sizeC) = (layout.sizeZ, layout.sizeC)
        if window.t.count * window.z.count * window.c.count <= level.tilesByPlane.count {
            var outputPlane = 0
            for t in window.t {
                for z in window.z {
                    for c in window.c {
                        if let indices = level.tilesByPlane[(t * sizeZ + z) * sizeC + c] { add(indices, outputPlane: outputPlane) }
                        outputPlane += 1
                    }
                }
            }
        } else {
            // Far more planes asked for than have tiles (sparse or damaged indices): visit the
            // planes that have tiles, in plane order, which is also output order.
            for plane in level.tilesByPlane.keys.sorted() {
                let (t, z, c) = (plane / (sizeZ * sizeC), plane / sizeC % sizeZ, plane % sizeC)
                guard window.t.contains(t), window.z.contains(z), window.c.contains(c), let indices = level.tilesByPlane[plane] else { continue }
                let outputPlane = ((t - window.t.lowerBound) * window.z.count + z - window.z.lowerBound) * window.c.count + c - window.c.lowerBound
                add(indices, outputPlane: outputPlane)
            }
        }
        return jobs
    }

    private func info(_ tile: CZITile) -> CZISubblockInfo {
        let entry = tile.entry
        let plane = tile.plane
        return CZISubblockInfo(
            directoryIndex: entry.index, filePosition: entry.filePosition, level: tile.level, t: plane / (layout.sizeZ * layout.sizeC),
            z: plane / layout.sizeC % layout.sizeZ, c: plane % layout.sizeC, m: tile.m, x: tile.x, y: tile.y, width: tile.width,
            height: tile.height, fileX: entry.x, fileY: entry.y, fileWidth: entry.width, fileHeight: entry.height,
            pixelType: entry.pixelType, compression: entry.compression)
    }
}
