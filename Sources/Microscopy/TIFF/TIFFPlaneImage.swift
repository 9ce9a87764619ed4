import ImMetaIOCore
import NDArrayModule
import TIFFFormat

/// Where one (T, Z, C) plane of a TIFF-based image lies: a page of a file, and which of the page's
/// samples it is (`nil`: all of them, the `S` axis of a colour image).
struct TIFFPlaneReference: Sendable {
    /// The file holding the page (OME-TIFF sets span several files).
    var container: TIFFContainer
    /// The page's index in the container's main IFD chain.
    var page: Int
    /// The sample (of a page whose samples are channels, as in LSM), or `nil` for all samples.
    var sample: Int?
}

/// A TZCYX(S) image whose planes are TIFF pages: OME-TIFF, LSM, ImageJ hyperstacks and plain
/// multi-page TIFF all map onto it. Reads decode only the strips or tiles a window overlaps, of
/// only the pages of the planes it asks for; SubIFD pyramids give the lower levels.
struct TIFFPlaneImage: MicroscopyImage {
    let metadata: MicroscopyMetadata
    let levelShapes: [[Int]]
    /// Plane references in T, Z, C order (`t * Z * C + z * C + c`); `nil` for a plane the file lacks
    /// (read as zeros, as tifffile and Bio-Formats do for missing OME planes).
    let planes: [TIFFPlaneReference?]
    /// Pages of each level for each plane index of ``planes`` (level 0 is the plane's page itself).
    let levelPages: [[TIFFContainerPage]]
    /// Bounds on what one read may allocate.
    let limits: DecodeLimits

    /// Builds the image; every plane's page must have the shape and dtype of the first.
    init(metadata: MicroscopyMetadata, planes: [TIFFPlaneReference?], pyramid: Bool, limits: DecodeLimits) throws(ImMetaIOError) {
        self.metadata = metadata
        self.limits = limits
        self.planes = planes
        var levelPages: [[TIFFContainerPage]] = []
        for reference in planes {
            guard let reference else {
                levelPages.append([])
                continue
            }
            let page = reference.container.pages[reference.page]
            levelPages.append(pyramid ? [page] + (try reference.container.subPages(of: page)) : [page])
        }
        let levelCount = levelPages.filter { !$0.isEmpty }.map(\.count).min() ?? 1
        self.levelPages = levelPages.map { Array($0.prefix(levelCount)) }
        var shapes: [[Int]] = [metadata.shape]
        if let first = self.levelPages.first(where: { !$0.isEmpty }) {
            for page in first.dropFirst() {
                var shape = metadata.shape
                shape[3] = page.height
                shape[4] = page.width
                shapes.append(shape)
            }
        }
        levelShapes = shapes
    }

    func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        let file = planes.lazy.compactMap { $0?.container.path }.first
        guard levelShapes.indices.contains(level) else {
            throw ImMetaIOError(.invalidArgument, "level \(level) does not exist: the image has \(levelShapes.count)", file: file)
        }
        let shape = levelShapes[level]
        let ranges = try region.resolved(against: shape, file: file)
        let outShape = ranges.map(\.count)
        let samples = metadata.hasSamples ? shape[5] : 1
        try limits.check(imageShape: outShape, dtype: metadata.dtype, hasChannelAxis: metadata.hasSamples, file: file)
        let dtype = metadata.dtype
        let itemSize = dtype.itemSize
        let (sizeZ, sizeC) = (shape[1], shape[2])
        let rows = ranges[3], columns = ranges[4]
        let planeBytes = rows.count * columns.count * samples * itemSize
        var wanted: [Int] = []
        for t in ranges[0] { for z in ranges[1] { for c in ranges[2] { wanted.append((t * sizeZ + z) * sizeC + c) } } }
        var result = NDArray(shape: outShape, dtype: dtype)
        var failure: ImMetaIOError?
        result.withUnsafeMutableBytes { out in
            do throws(ImMetaIOError) {
                try fill(out, planes: wanted, level: level, rows: rows, columns: columns, samples: samples, planeBytes: planeBytes)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return result
    }

    /// Decodes the window of each wanted plane into its place in `out`; missing planes stay zero.
    private func fill(
        _ out: UnsafeMutableRawBufferPointer, planes wanted: [Int], level: Int, rows: Range<Int>, columns: Range<Int>, samples: Int,
        planeBytes: Int
    ) throws(ImMetaIOError) {
        let dtype = metadata.dtype
        // Planes stored whole in their own pages decode in parallel, each into its place.
        let direct = wanted.allSatisfy { planeIndex in
            guard planes.indices.contains(planeIndex), let reference = planes[planeIndex] else { return true }
            let page = levelPages[planeIndex][level]
            return reference.sample == nil && page.samples == samples && (!page.planar || samples == 1)
        }
        if direct, wanted.count > 1 {
            try ParallelLoop.forEach(wanted.count) { (index: Int) throws(ImMetaIOError) in
                let planeIndex = wanted[index]
                guard planes.indices.contains(planeIndex), let reference = planes[planeIndex] else { return }
                let page = levelPages[planeIndex][level]
                let target = UnsafeMutableRawBufferPointer(rebasing: out[(index * planeBytes)..<((index + 1) * planeBytes)])
                try Self.checkPage(page, reference: reference, rows: rows, columns: columns, dtype: dtype)
                try reference.container.decode(page, rows: rows, columns: columns, into: target)
            }
            return
        }
        // Planes that share a page (the channels of an LSM page) decode it once.
        var decoded: (plane: Int, window: TIFFDecodedWindow)?
        for (index, planeIndex) in wanted.enumerated() {
            guard planes.indices.contains(planeIndex), let reference = planes[planeIndex] else { continue }
            let page = levelPages[planeIndex][level]
            let target = UnsafeMutableRawBufferPointer(rebasing: out[(index * planeBytes)..<((index + 1) * planeBytes)])
            try Self.checkPage(page, reference: reference, rows: rows, columns: columns, dtype: dtype)
            if page.samples == samples, !page.planar || samples == 1 {
                try reference.container.decode(page, rows: rows, columns: columns, into: target)
                continue
            }
            let window: TIFFDecodedWindow
            if let decoded, let previous = planes[decoded.plane], previous.container === reference.container, previous.page == reference.page {
                window = decoded.window
            } else {
                window = try TIFFDecodedWindow(reference.container, page: page, rows: rows, columns: columns)
                decoded = (planeIndex, window)
            }
            try window.copySamples(reference.sample, count: samples, into: target, reference: reference)
        }
    }

    private static func checkPage(
        _ page: TIFFContainerPage, reference: TIFFPlaneReference, rows: Range<Int>, columns: Range<Int>, dtype: DType
    ) throws(ImMetaIOError) {
        guard page.dtype == dtype, rows.upperBound <= page.height, columns.upperBound <= page.width else {
            throw ImMetaIOError(
                .corruptData, "page \(reference.page) is \(page.height)×\(page.width) \(page.dtype), not like the image's other planes",
                file: reference.container.path)
        }
    }
}

/// A page's window decoded with all its samples, from which planes pick one sample (channels
/// stored as samples) or all of them interleaved (colour pages stored as separate planes).
final class TIFFDecodedWindow {
    private let buffer: UnsafeMutableRawBufferPointer
    private let pixels: Int
    private let samples: Int
    private let planar: Bool
    private let itemSize: Int

    init(_ container: TIFFContainer, page: TIFFContainerPage, rows: Range<Int>, columns: Range<Int>) throws(ImMetaIOError) {
        pixels = rows.count * columns.count
        samples = page.samples
        planar = page.planar
        itemSize = page.dtype.itemSize
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, pixels * samples * itemSize), alignment: 16)
        try container.decode(page, rows: rows, columns: columns, into: buffer)
    }

    deinit { buffer.deallocate() }

    /// Writes one sample (`count` 1) or every sample interleaved (`count` = samples) of each pixel.
    func copySamples(
        _ sample: Int?, count: Int, into target: UnsafeMutableRawBufferPointer, reference: TIFFPlaneReference
    ) throws(ImMetaIOError) {
        let picked = sample.map { [$0] } ?? Array(0..<samples)
        guard picked.count == count, picked.allSatisfy({ $0 < samples }), let from = buffer.baseAddress, let to = target.baseAddress
        else {
            throw ImMetaIOError(.corruptData, "page \(reference.page) has \(samples) samples per pixel", file: reference.container.path)
        }
        if planar, count == 1 {
            to.copyMemory(from: from + picked[0] * pixels * itemSize, byteCount: pixels * itemSize)
            return
        }
        switch itemSize {
        case 1: scatter(UInt8.self, picked, from, to)
        case 2: scatter(UInt16.self, picked, from, to)
        case 4: scatter(UInt32.self, picked, from, to)
        default: scatter(UInt64.self, picked, from, to)
        }
    }

    private func scatter<T>(_: T.Type, _ picked: [Int], _ from: UnsafeMutableRawPointer, _ to: UnsafeMutableRawPointer) {
        let source = from.assumingMemoryBound(to: T.self), target = to.assumingMemoryBound(to: T.self)
        let count = picked.count
        for (outSample, sample) in picked.enumerated() {
            if planar {
                let plane = source + sample * pixels
                for pixel in 0..<pixels { target[pixel * count + outSample] = plane[pixel] }
            } else {
                for pixel in 0..<pixels { target[pixel * count + outSample] = source[pixel * samples + sample] }
            }
        }
    }
}
