import ImMetaIOCore

/// A subblock placed in its scene: which pyramid level and (T, Z, C) plane it belongs to, and
/// where it lies in that level's pixels.
struct CZITile: Sendable {
    var entry: CZIDirectoryEntry
    /// The index of its level in ``CZISceneLayout/levels``.
    var level: Int
    /// `(t * sizeZ + z) * sizeC + c`, with indices counted from the file's smallest start.
    var plane: Int
    /// The top-left corner in the level's pixels, relative to the scene's origin.
    var x: Int
    var y: Int
    /// The mosaic index, `nil` when the subblock has none.
    var m: Int?

    var width: Int { entry.storedWidth }
    var height: Int { entry.storedHeight }
}

/// One pyramid level of a scene: its downsampling factor, its extent, and its tiles by plane in
/// drawing order.
struct CZILevel: Sendable {
    /// Level-0 pixels per pixel of this level (1 for full resolution).
    var factor: Int
    var width: Int
    var height: Int
    /// Indices into ``CZISceneLayout/tiles``, by plane, in the order they are drawn (later ones on
    /// top where tiles overlap).
    var tilesByPlane: [Int: [Int]]
}

/// The subblocks of one scene, arranged for reading: the (T, Z, C) extents shared by the file, the
/// scene's origin and levels.
struct CZISceneLayout: Sendable {
    /// The scene's `S` index in the file, or `nil` when the file has no scenes.
    var sceneIndex: Int?
    var pixelType: CZIPixelType
    var sizeT: Int
    var sizeZ: Int
    var sizeC: Int
    /// The top-left corner of the scene's full-resolution subblocks in the file's pixel coordinates.
    var originX: Int
    var originY: Int
    var levels: [CZILevel]
    var tiles: [CZITile]
}

/// Plane indexing shared by every scene of a file: the smallest start of `T`, `Z` and `C` and
/// their extents.
struct CZIPlaneSpace: Sendable {
    var minimum: (t: Int, z: Int, c: Int)
    var sizeT: Int
    var sizeZ: Int
    var sizeC: Int

    /// The most (T, Z, C) planes an image may have.
    static let maxPlanes = Int(Int32.max)

    init(_ entries: [CZIDirectoryEntry], source: CZISource) throws(ImMetaIOError) {
        func range(_ dimension: CZIDimension) -> (Int, Int) {
            let starts = entries.compactMap { $0.start(dimension) }
            guard let low = starts.min(), let high = starts.max() else { return (0, 1) }
            return (low, high - low + 1)
        }
        let (t, sizeT) = range(.t), (z, sizeZ) = range(.z), (c, sizeC) = range(.c)
        minimum = (t, z, c)
        self.sizeT = sizeT
        self.sizeZ = sizeZ
        self.sizeC = sizeC
        let (tz, overflow1) = sizeT.multipliedReportingOverflow(by: sizeZ)
        let (tzc, overflow2) = tz.multipliedReportingOverflow(by: sizeC)
        guard !overflow1, !overflow2, tzc <= Self.maxPlanes else {
            throw source.error(.limitExceeded, "the subblocks span \(sizeT) time points, \(sizeZ) planes and \(sizeC) channels: too many planes")
        }
    }

    func plane(of entry: CZIDirectoryEntry) -> Int {
        let t = (entry.start(.t) ?? minimum.t) - minimum.t
        let z = (entry.start(.z) ?? minimum.z) - minimum.z
        let c = (entry.start(.c) ?? minimum.c) - minimum.c
        return (t * sizeZ + z) * sizeC + c
    }
}

extension CZISceneLayout {
    /// Arranges a scene's subblocks. Full-resolution subblocks (stored size equal to size) form
    /// level 0 and fix the origin; subsampled ones form one level per downsampling factor (a power
    /// of 2 or 3, within a tolerance for rounded stored sizes). Returns `nil` for a scene without
    /// full-resolution subblocks.
    init?(sceneIndex: Int?, entries: [CZIDirectoryEntry], planes: CZIPlaneSpace, source: CZISource) throws(ImMetaIOError) {
        let full = entries.filter { $0.width == $0.storedWidth && $0.height == $0.storedHeight }
        guard let first = full.first else { return nil }
        let sceneName = sceneIndex.map { "scene \($0)" } ?? "the image"
        if let other = full.first(where: { $0.pixelType != first.pixelType }) {
            throw source.error(
                .unsupportedFeature,
                "\(sceneName) mixes subblocks of pixel types \(first.pixelType) and \(other.pixelType), which is not supported")
        }
        guard first.pixelType.layout != nil else {
            throw source.error(.unsupportedFeature, "pixel type \(first.pixelType) (code \(first.pixelType.rawValue)) is not supported")
        }
        let originX = full.map(\.x).min() ?? 0
        let originY = full.map(\.y).min() ?? 0
        let width = (full.map { $0.x + $0.width }.max() ?? 0) - originX
        let height = (full.map { $0.y + $0.height }.max() ?? 0) - originY
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw source.error(.corruptData, "\(sceneName) spans \(width)×\(height) pixels")
        }

        var factors: [Int: Int] = [:]
        var tiles: [CZITile] = []
        for entry in entries where entry.pixelType == first.pixelType {
            let factor = entry.width == entry.storedWidth && entry.height == entry.storedHeight ? 1 : Self.pyramidFactor(entry)
            guard let factor else { continue }
            factors[factor] = 0
            tiles.append(
                CZITile(
                    entry: entry, level: factor, plane: planes.plane(of: entry), x: Self.floorDivide(entry.x - originX, factor),
                    y: Self.floorDivide(entry.y - originY, factor), m: entry.start(.m)))
        }
        let sortedFactors = factors.keys.sorted()
        for (level, factor) in sortedFactors.enumerated() { factors[factor] = level }
        var levels = sortedFactors.map { factor in
            CZILevel(factor: factor, width: (width + factor - 1) / factor, height: (height + factor - 1) / factor, tilesByPlane: [:])
        }
        for index in tiles.indices {
            tiles[index].level = factors[tiles[index].level] ?? 0
        }
        // Drawing order: tiles without a mosaic index first, then ascending M, then directory order
        // (libCZI's default), so later tiles cover earlier ones where they overlap.
        let order = tiles.indices.sorted { a, b in
            let (ta, tb) = (tiles[a], tiles[b])
            let (ma, mb) = (ta.m ?? Int.min, tb.m ?? Int.min)
            return ma != mb ? ma < mb : ta.entry.index < tb.entry.index
        }
        for index in order {
            levels[tiles[index].level].tilesByPlane[tiles[index].plane, default: []].append(index)
        }
        self.init(
            sceneIndex: sceneIndex, pixelType: first.pixelType, sizeT: planes.sizeT, sizeZ: planes.sizeZ, sizeC: planes.sizeC,
            originX: originX, originY: originY, levels: levels, tiles: tiles)
    }

    /// The downsampling factor of a subsampled subblock (the ratio of size to stored size along its
    /// longer stored side), snapped to a power of 2 or 3; `nil` when it is neither.
    static func pyramidFactor(_ entry: CZIDirectoryEntry) -> Int? {
        let ratio =
            entry.storedWidth >= entry.storedHeight
            ? Double(entry.width) / Double(entry.storedWidth) : Double(entry.height) / Double(entry.storedHeight)
        for base in [2, 3] {
            var power = base
            while power <= 1 << 20 {
                // Stored sizes are rounded, so the ratio of a small tile strays from the power.
                if abs(ratio - Double(power)) <= max(0.05 * Double(power), 0.1) { return power }
                power *= base
            }
        }
        return nil
    }

    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
