import ImMetaIOCore
import NDArrayModule

/// TIFF and BigTIFF, read in Swift (a first, baseline subset; writing comes later).
///
/// **Read**: classic and BigTIFF, both byte orders; strips and tiles; no compression, LZW,
/// Deflate (both tags), PackBits, JPEG (with JPEGTables; YCbCr-JPEG as RGB), Zstandard and WebP; horizontal and floating-point predictors; contiguous
/// (H×W×S) and separate (S×H×W) planes; 1-bit (bool), 2…64-bit unsigned (bit-packed samples
/// unpacked), 8…64-bit signed and 16/32/64-bit float samples. Values are returned as stored
/// (palette indices, min-is-white unchanged), as tifffile returns them. The images are the
/// full-resolution pages (reduced-resolution pages are skipped); without an index, the leading
/// run of pages with one shape and dtype is read, stacked when there is more than one.
/// CCITT, old-style JPEG, uncompressed YCbCr and the ImageJ/OME series layouts are not read yet
/// (`unsupportedFeature`). Metadata: `page`, `compression`, `photometric`, `bits_per_sample`,
/// `samples_per_pixel`, `planar`, `description`, `software`, `datetime`, `resolution`.
public struct TIFFFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "tiff" }
    public var extensions: [String] { [".tif", ".tiff", ".btf", ".tf8", ".svs", ".lsm"] }

    public func sniff(_ header: [UInt8]) -> Bool {
        header.starts(with: [0x49, 0x49, 42, 0]) || header.starts(with: [0x4D, 0x4D, 0, 42])
            || header.starts(with: [0x49, 0x49, 43, 0]) || header.starts(with: [0x4D, 0x4D, 0, 43])
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        do {
            return try TIFFReader(request)
        } catch TIFFError.notTIFF {
            throw request.error(.unsupportedFormat, "not a TIFF file")
        } catch TIFFError.corrupt(let message) {
            throw request.error(.corruptData, "invalid TIFF: \(message)")
        } catch TIFFError.unsupported(let message) {
            throw request.error(.unsupportedFeature, "TIFF \(message) is not supported yet")
        }
    }
}

final class TIFFReader: ImageReader {
    private let request: ReadRequest
    private let littleEndian: Bool
    private let pages: [TIFFPage]
    private let seriesLength: Int

    init(_ request: ReadRequest) throws {
        self.request = request
        let bytes = request.bytes.stableBytes
        let parser = try TIFFParser(bytes)
        littleEndian = parser.littleEndian
        let directories = try parser.directories()
        pages = try directories.map { try TIFFPage($0) }.filter { !$0.reduced }
        guard let first = pages.first else { throw TIFFError.corrupt("no image pages") }
        seriesLength = pages.prefix { $0.shape == first.shape && $0.dtype == first.dtype }.count
    }

    var defaultIndex: ImageIndex { seriesLength > 1 ? .all : .at(0) }

    func imageCount() throws -> Int { pages.count }

    func properties(at index: Int) throws -> ImageProperties {
        let page = pages[index]
        var spacing: [Double]?
        if let x = page.directory.real(282), let y = page.directory.real(283), x > 0, y > 0 {
            spacing = [1 / y, 1 / x]
        }
        return ImageProperties(shape: page.shape, dtype: page.dtype, imageCount: pages.count, spacing: spacing)
    }

    func metadata(at index: Int) throws -> JSONObject {
        let page = pages[index]
        var meta: JSONObject = [
            "page": .int(index), "compression": .int(page.compression),
            "photometric": page.directory.integer(262).map(JSONValue.int) ?? .null,
            "bits_per_sample": .int(page.bits), "samples_per_pixel": .int(page.samples), "planar": .bool(page.planar),
        ]
        for (tag, key) in [(270 as UInt16, "description"), (305, "software"), (306, "datetime")] {
            if let text = page.directory.text(tag) { meta[key] = .string(text) }
        }
        if let x = page.directory.real(282), let y = page.directory.real(283) {
            meta["resolution"] = [.double(x), .double(y)]
            meta["resolution_unit"] = .int(page.directory.integer(296) ?? 2)
        }
        return meta
    }

    func read(at index: Int) throws -> NDArray {
        let page = pages[index]
        try request.limits.check(
            pixels: page.width * page.height, shape: page.shape, dtype: page.dtype, file: request.displayName)
        let bytes = request.bytes.stableBytes
        let little = littleEndian
        var failure: TIFFError?
        let image = NDArray(unsafeUninitializedShape: page.shape, dtype: page.dtype) { out in
            out.initializeMemory(as: UInt8.self, repeating: 0)
            do throws(TIFFError) {
                try page.decode(bytes, littleEndian: little, into: out)
            } catch {
                failure = error
            }
        }
        switch failure {
        case .corrupt(let message): throw request.error(.corruptData, "invalid TIFF: \(message)")
        case .unsupported(let message): throw request.error(.unsupportedFeature, "TIFF \(message) is not supported yet")
        case .notTIFF: throw request.error(.corruptData, "invalid TIFF")
        case nil: return image
        }
    }

    func readAll() throws -> NDArray {
        let first = pages[0]
        try request.limits.check(
            pixels: seriesLength * first.width * first.height, shape: [seriesLength] + first.shape, dtype: first.dtype,
            file: request.displayName)
        return try stackFrames((0..<seriesLength).map { try read(at: $0) })
    }
}
