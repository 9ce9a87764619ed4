import ImMetaIOCore
import NDArrayModule
import TIFFFormat

/// How ``writeOMETIFF(_:to:options:progress:)`` stores pixels.
public struct OMETIFFWriteOptions: Sendable, Hashable {
    /// The compression of strips and tiles.
    public enum Compression: String, Sendable, Hashable, CaseIterable {
        /// Uncompressed.
        case none
        /// Deflate (zlib), levels 0–9 as zlib counts them (libdeflate accepts up to 12).
        case zlib
        /// Zstandard, levels 1–22.
        case zstd
    }

    /// The compression (default zlib).
    public var compression: Compression
    /// The compression level (`nil`: 6 for zlib, 3 for zstd).
    public var level: Int?
    /// Pyramid levels including full resolution, each half the size of the one above, stored as
    /// SubIFDs of each plane (1: no pyramid).
    public var levels: Int
    /// Tile edge in pixels (a multiple of 16), or `nil`: 512 when there is a pyramid or a plane
    /// is larger than 2048 pixels on a side, strips otherwise.
    public var tileSize: Int?
    /// Horizontal differencing (integers) or the floating-point predictor before compression.
    public var predictor: Bool
    /// BigTIFF even when the file would fit 32-bit offsets (it is chosen automatically otherwise).
    public var forceBigTIFF: Bool

    /// Creates options.
    public init(
        compression: Compression = .zlib, level: Int? = nil, levels: Int = 1, tileSize: Int? = nil, predictor: Bool = false,
        forceBigTIFF: Bool = false
    ) {
        self.compression = compression
        self.level = level
        self.levels = levels
        self.tileSize = tileSize
        self.predictor = predictor
        self.forceBigTIFF = forceBigTIFF
    }
}

/// Writes images as one OME-TIFF: every image (scene) becomes an OME `Image` whose planes are
/// pages in `XYCZT` order (a colour plane is one RGB page), with the OME-XML (physical sizes and
/// their units, channels, instrument, provenance and vendor metadata as MapAnnotations) in the
/// first page's description. Pyramid levels are SubIFDs made by 2× averaging. The file appears
/// atomically when complete; BigTIFF is chosen when the file needs 64-bit offsets.
///
/// Planes are read from the images one at a time (a few at a time without a pyramid), so the
/// memory used stays that of a few planes whatever the size of the images.
///
/// The OME-XML is checked before any pixel is written: it must parse back (with our parser) to
/// the sizes, types and plane counts being written. A failure there is our bug, reported as such.
///
/// - Parameters:
///   - images: the images, one OME `Image` each.
///   - path: the file to write.
///   - options: compression, tiles, pyramid levels and the rest.
///   - progress: Called after each plane is written with the planes done and the total.
public func writeOMETIFF(
    _ images: [any MicroscopyImage], to path: String, options: OMETIFFWriteOptions = .init(),
    progress: ((_ done: Int, _ total: Int) -> Void)? = nil
) throws(ImMetaIOError) {
    guard !images.isEmpty else { throw ImMetaIOError(.invalidArgument, "no image to write", file: path) }
    guard (1...16).contains(options.levels) else {
        throw ImMetaIOError(.invalidArgument, "pyramid levels must be 1…16, not \(options.levels)", file: path)
    }
    let level: Int
    switch options.compression {
    case .none: level = 0
    case .zlib:
        level = options.level ?? 6
        guard (0...9).contains(level) else { throw ImMetaIOError(.invalidArgument, "zlib levels are 0…9, not \(level)", file: path) }
    case .zstd:
        level = options.level ?? 3
        guard (1...22).contains(level) else { throw ImMetaIOError(.invalidArgument, "zstd levels are 1…22, not \(level)", file: path) }
    }
    if let tile = options.tileSize, tile <= 0 || tile % 16 != 0 || tile > 1 << 16 {
        throw ImMetaIOError(.invalidArgument, "the tile size must be a positive multiple of 16, not \(tile)", file: path)
    }
    // The OME-XML: one Image per input, its planes from the IFD after the previous image's.
    var document = try OMEDocument(metadata: images.map(\.metadata))
    var firstIFD = 0
    for index in images.indices {
        let metadata = images[index].metadata
        let planes = metadata.shape[0] * metadata.shape[1] * metadata.shape[2]
        document.images[index].pixels.tiffData = [OMETiffData(ifd: firstIFD, planeCount: planes)]
        firstIFD += planes
    }
    let xml = document.xmlString()
    try checkWrittenOME(xml, describes: images, file: path)
    let largest = images.map { max($0.metadata.shape[3], $0.metadata.shape[4]) }.max() ?? 0
    let tile = options.tileSize ?? (options.levels > 1 || largest > 2048 ? 512 : nil)
    var tiffOptions: JSONObject = [
        "compression": .string(options.compression == .none ? "none" : options.compression == .zlib ? "deflate" : "zstd"),
        "predictor": .bool(options.predictor), "bigtiff": .bool(options.forceBigTIFF),
    ]
    if options.compression != .none { tiffOptions["level"] = .int(level) }
    if let tile { tiffOptions["tile"] = [.int(tile), .int(tile)] }
    let sink = try OutputSink(path: path)
    do {
        let writer = try TIFFWriter(sink: sink, options: tiffOptions)
        var description: String? = xml
        var done = 0
        for image in images {
            try OMETIFFPlaneWriter(image: image, writer: writer, levels: options.levels, file: path).write(firstDescription: &description) {
                done += $0
                progress?(done, firstIFD)
            }
        }
        try writer.finish()
        try sink.commit()
    } catch let error as ImMetaIOError {
        sink.discard()
        throw error.naming(path)
    } catch {
        sink.discard()
        throw ImMetaIOError(.io, "writing the OME-TIFF failed", file: path, underlying: error)
    }
}

/// Checks that the OME-XML about to be written reads back as the images being written: one
/// `Image` each, with their sizes, pixel type, samples and one `TiffData` block covering every
/// plane, in IFD order.
func checkWrittenOME(_ xml: String, describes images: [any MicroscopyImage], file: String) throws(ImMetaIOError) {
    func bug(_ message: String) -> ImMetaIOError {
        ImMetaIOError(.corruptData, "internal error: the OME-XML we were about to write is wrong: \(message)", file: file)
    }
    let document: OMEDocument
    do {
        document = try OMEDocument(parsing: xml)
    } catch {
        throw bug("it does not parse (\(error.message))")
    }
    guard document.images.count == images.count else { throw bug("\(document.images.count) images for \(images.count)") }
    var nextIFD = 0
    for (index, (written, image)) in zip(document.images, images).enumerated() {
        let expected = image.metadata
        let readBack: MicroscopyMetadata
        do {
            readBack = try written.microscopyMetadata(in: document)
        } catch {
            throw bug("image \(index) does not map back (\(error.message))")
        }
        guard readBack.axes == expected.axes, readBack.shape == expected.shape, readBack.dtype == expected.dtype else {
            throw bug("image \(index) reads back as \(readBack.axesString) \(readBack.shape) \(readBack.dtype), not \(expected.axesString) \(expected.shape) \(expected.dtype)")
        }
        // Sizes OME has no place for (zero, negative, not finite) are not written and need not come back.
        func same(_ written: Length?, _ wanted: Length?) -> Bool {
            guard let wanted, wanted.value > 0, wanted.value.isFinite else { return true }
            return written == wanted
        }
        let time = expected.timeIncrement.map { $0.value > 0 && $0.value.isFinite } ?? false
        guard same(readBack.physicalSizeX, expected.physicalSizeX), same(readBack.physicalSizeY, expected.physicalSizeY),
            same(readBack.physicalSizeZ, expected.physicalSizeZ), !time || readBack.timeIncrement == expected.timeIncrement
        else { throw bug("image \(index)'s physical sizes do not read back") }
        let planes = expected.shape[0] * expected.shape[1] * expected.shape[2]
        guard written.pixels.tiffData.count == 1, let block = written.pixels.tiffData.first, block.ifd == nextIFD, block.planeCount == planes else {
            throw bug("image \(index)'s TiffData does not cover its \(planes) planes from IFD \(nextIFD)")
        }
        nextIFD += planes
    }
}

/// Streams one image's planes into the TIFF writer in `XYCZT` order.
struct OMETIFFPlaneWriter {
    let image: any MicroscopyImage
    let writer: TIFFWriter
    let levels: Int
    let file: String

    func write(firstDescription description: inout String?, written: (Int) -> Void) throws {
        let metadata = image.metadata
        let (sizeT, sizeZ, sizeC) = (metadata.shape[0], metadata.shape[1], metadata.shape[2])
        let (height, width) = (metadata.shape[3], metadata.shape[4])
        let rgb = metadata.hasSamples
        let samples = rgb ? metadata.shape[5] : 1
        guard !rgb || samples == 3 || samples == 4 else {
            throw ImMetaIOError(.invalidArgument, "TIFF pages hold 3 or 4 samples per pixel, not \(samples)", file: file)
        }
        let planeBytes = height * width * samples * metadata.dtype.itemSize
        if levels == 1 {
            // Without a pyramid, consecutive planes go to the writer together (up to 64 MiB) so
            // that their strips or tiles compress on every core at once.
            let batch = max(1, min(sizeC * sizeZ * sizeT, (64 << 20) / max(planeBytes, 1)))
            var pending: [(t: Int, z: Int, c: Int)] = []
            func flush() throws {
                guard !pending.isEmpty else { return }
                let planes = try pending.map { plane in try image.read(MicroscopyRegion(t: plane.t..<(plane.t + 1), z: plane.z..<(plane.z + 1), c: plane.c..<(plane.c + 1))) }
                let stack = try NDArray.stacked(planes).reshaped([planes.count, height, width] + (rgb ? [samples] : []))
                try writer.appendPages(stack, rgb: rgb, description: description)
                description = nil
                written(pending.count)
                pending.removeAll()
            }
            for t in 0..<sizeT {
                for z in 0..<sizeZ {
                    for c in 0..<sizeC {
                        pending.append((t, z, c))
                        if pending.count == batch { try flush() }
                    }
                }
            }
            try flush()
            return
        }
        for t in 0..<sizeT {
            for z in 0..<sizeZ {
                for c in 0..<sizeC {
                    let plane = try image.read(MicroscopyRegion(t: t..<(t + 1), z: z..<(z + 1), c: c..<(c + 1)))
                    var reduced: [NDArray] = []
                    var current = plane
                    for _ in 1..<levels {
                        current = Self.halve(current, samples: rgb ? samples : nil)
                        reduced.append(try Self.page(current, samples: rgb ? samples : nil))
                    }
                    try writer.appendPage(Self.page(plane, samples: rgb ? samples : nil), rgb: rgb, description: description, reducedResolutions: reduced)
                    description = nil
                    written(1)
                }
            }
        }
    }

    /// A 1×1×1×H×W(×S) plane as a page: H×W or H×W×S.
    static func page(_ plane: NDArray, samples: Int?) throws -> NDArray {
        try plane.reshaped([plane.shape[3], plane.shape[4]] + (samples.map { [$0] } ?? []))
    }

    /// The plane at half the size (2×2 means), with samples averaged separately.
    static func halve(_ plane: NDArray, samples: Int?) -> NDArray {
        guard let samples else { return PyramidDownsampler.downsample(plane, halvesZ: false, method: .mean) }
        // Y×X×S → S as channels of a t,c,z,y,x block, and back.
        let (height, width) = (plane.shape[3], plane.shape[4])
        guard let block = try? plane.reshaped([height, width, samples]).transposed([2, 0, 1]).reshaped([1, samples, 1, height, width]) else { return plane }
        let half = PyramidDownsampler.downsample(block, halvesZ: false, method: .mean)
        let (outHeight, outWidth) = (half.shape[3], half.shape[4])
        return (try? half.reshaped([samples, outHeight, outWidth]).transposed([1, 2, 0]).reshaped([1, 1, 1, outHeight, outWidth, samples])) ?? plane
    }
}
