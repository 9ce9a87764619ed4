import Foundation
import ImMetaIOCore
import NDArrayModule

/// TIFF and BigTIFF, read and written in Swift (codecs from libdeflate, libzstd, libjpeg, libwebp;
/// libtiff for the compressions those lack).
///
/// **Read**: classic and BigTIFF, both byte orders; strips and tiles; no compression, LZW,
/// Deflate (both tags), PackBits, JPEG (with JPEGTables; YCbCr-JPEG as RGB), Zstandard and WebP
/// with our own codecs; every other compression the system's libtiff decodes (CCITT modified
/// Huffman, Group 3 and Group 4 fax, old-style JPEG, LZMA, and LERC, JBIG, SGILog, PixarLog,
/// ThunderScan, NeXT as built) through libtiff, one handle per run of strips or tiles, placed as
/// our own are; subsampled YCbCr that is not JPEG-compressed and old-style JPEG's YCbCr convert
/// to 8-bit RGB through libtiff (as Pillow and `imagecodecs.tiff_decode` return them); SGILog
/// LogLuv reads as float32 CIE XYZ (as `imagecodecs.tiff_decode` does), LogL as the tags' int16;
/// horizontal and floating-point predictors (horizontal also on bit-packed samples such as
/// 12-bit, modulo the sample range); contiguous (H×W×S) and separate (S×H×W) planes;
/// 1-bit (bool), 2…64-bit unsigned (bit-packed samples unpacked), 8…64-bit signed and
/// 16/32/64-bit float samples. Values are returned as stored (palette indices, min-is-white
/// unchanged), as tifffile returns them. The images are the full-resolution pages
/// (reduced-resolution pages are skipped); without an index, the first series is read as one
/// array: OME-XML, ImageJ hyperstack and tifffile shaped descriptions give its shape (axes of
/// size 1 dropped, as tifffile does), otherwise the leading run of pages with one shape and dtype
/// is stacked. Strips and tiles of every page decode in parallel straight into the array;
/// uncompressed ones are copied once, from the memory-mapped file. 12-bit JPEG is refused
/// (`unsupportedFeature`, from the strip's SOF precision; Debian's libjpeg-turbo is 8-bit), and
/// so is a compression neither our codecs nor libtiff decode. Metadata: `page`,
/// `compression`, `photometric`, `bits_per_sample`, `samples_per_pixel`, `planar`,
/// `description`, `software`, `datetime`, `resolution`, `resolution_unit`, and `series`
/// (`kind`, `shape`, `axes`, `first_page`, `pages`).
///
/// **Write**: arrays of any dtype (bool as 1-bit) as pages: H×W gray, H×W×3/4 RGB(A) (the
/// `photometric` option, `minisblack` or `rgb`, overrides the guess), leading axes as more pages
/// with tifffile's `{"shape": [...]}` description so tifffile and this reader restore the shape;
/// frames appended one by one form one series. Options: `compression` (`none` default, `deflate`
/// (alias `zlib`, `adobe_deflate`), `zstd`, `packbits`, `lzw`, `jpeg`, as tifffile names them),
/// `level` (Deflate 0…12, default 1 — within about 1 % of level 6's size on 16-bit microscopy
/// data at three times the speed; Zstandard 1…22, default 3; JPEG quality 1…100, default 90, also
/// given as `quality`; LZW has none), `predictor` (`true` picks horizontal for integers and
/// floating-point for floats; or `none`, `horizontal`, `floatingpoint`; with Deflate, Zstandard
/// or LZW), `tile` ([height, width],
/// multiples of 16) or `rows_per_strip` (default: the whole page uncompressed, about 256 KiB
/// strips compressed), `bigtiff` (force), `description`, `software`, `resolution` (pixels per
/// unit: a number or [x, y]) and `resolution_unit` (`none`, `inch`, `centimeter`). LZW is our
/// own encoder (9–12-bit codes with early change, a ClearCode when the table is full, EOI, as
/// libtiff writes it). JPEG (compression 7) takes uint8 gray or RGB pages: each strip or tile is
/// a self-contained baseline JPEG from libjpeg; RGB is stored as YCbCr with `subsampling`
/// ([2, 2] default, [1, 1], [2, 1], [4, 1], or `4:2:0`, `4:4:4`, `4:2:2`) unless `photometric` is
/// `rgb`, as tifffile does; strips hold whole 8×8 blocks of the subsampling (rows_per_strip a
/// multiple of 8 × the vertical factor), tiles likewise. The image's
/// metadata can carry `description`, `software`, `datetime`, `resolution` and
/// `resolution_unit` too. Strips and tiles are compressed in parallel; uncompressed strips are
/// written straight from the array. Directories go after the pixel data, and the header is
/// filled in last: classic TIFF when the whole file fits 32-bit offsets, BigTIFF otherwise —
/// decided from the actual sizes, so a file over 4 GiB is always BigTIFF.
public struct TIFFFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "tiff" }
    public var extensions: [String] { [".tif", ".tiff", ".btf", ".tf8", ".svs", ".lsm"] }

    public func sniff(_ header: [UInt8]) -> Bool {
        header.starts(with: [0x49, 0x49, 42, 0]) || header.starts(with: [0x4D, 0x4D, 0, 42])
            || header.starts(with: [0x49, 0x49, 43, 0]) || header.starts(with: [0x4D, 0x4D, 0, 43])
    }

    public var canWrite: Bool { true }
    /// Every dtype as gray, RGB or RGBA pages (bool as 1-bit gray), exactly.
    public var writableLayouts: [WritableLayout] {
        WritableLayout.lossless([.bool], channels: [nil]) + WritableLayout.lossless(DType.allCases.filter { $0 != .bool }, channels: [nil, 3, 4])
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        try TIFFWriter(request)
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        do {
            return try TIFFReader(request)
        } catch let error as TIFFError {
            throw error.error(for: request)
        }
    }
}

final class TIFFReader: ImageReader {
    private let request: ReadRequest
    private let littleEndian: Bool
    private let pages: [TIFFPage]
    private let series: TIFFSeries

    init(_ request: ReadRequest) throws {
        self.request = request
        let bytes = request.bytes.stableBytes
        let parser = try TIFFParser(bytes)
        littleEndian = parser.littleEndian
        let directories = try parser.directories()
        pages = try directories.map { try TIFFPage($0) }.filter { !$0.reduced }
        guard !pages.isEmpty else { throw TIFFError.corrupt("no image pages") }
        series = TIFFSeries.detect(pages)
    }

    /// The first series, when it is more than its first page; page 0 otherwise.
    var defaultIndex: ImageIndex { series.pageCount > 1 || series.shape != pages[series.firstPage].shape ? .all : .at(0) }

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
            "series": ["kind": .string(series.kind), "shape": .array(series.shape.map(JSONValue.int)),
                       "axes": .string(series.axes), "first_page": .int(series.firstPage), "pages": .int(series.pageCount)],
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
        return try decode(pages: [page], shape: page.shape)
    }

    /// The first series as one array of its shape (see ``TIFFSeries``).
    func readAll() throws -> NDArray {
        let first = pages[series.firstPage]
        try request.limits.check(
            pixels: NDArray.checkedElementCount([series.pageCount, first.width, first.height]) ?? .max, shape: series.shape, dtype: first.dtype,
            file: request.displayName)
        return try decode(pages: Array(pages[series.firstPage..<(series.firstPage + series.pageCount)]), shape: series.shape)
    }

    /// Decodes pages of one shape and dtype into one array (stacked when there are several):
    /// every strip or tile of every page is decoded in parallel straight into its place (pages
    /// libtiff decodes go in runs of strips or tiles, one libtiff handle each).
    private func decode(pages: [TIFFPage], shape: [Int]) throws -> NDArray {
        let bytes = request.bytes.stableBytes
        do throws(TIFFError) {
            for page in pages { try page.checkDecodable(file: bytes) }
        } catch {
            throw error.error(for: request)
        }
        let source = request.bytes
        let little = littleEndian
        let maxAllocation = request.limits.maxBytes
        let pageBytes = pages[0].shape.reduce(1, *) * pages[0].dtype.itemSize
        let workers = ProcessInfo.processInfo.activeProcessorCount
        // Work units per page: one strip or tile each, or runs that share a libtiff handle.
        let runs = pages.map { $0.route == .native ? 1 : LibTIFFDecoder.runLength($0, workers: workers) }
        let perPage = zip(pages, runs).map { page, run in (page.chunkCount + run - 1) / run }
        let firstUnit = perPage.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1) }
        let total = firstUnit[firstUnit.count - 1]
        if let image = readStoredInArrayOrder(pages: pages, shape: shape, pageBytes: pageBytes) { return image }
        var failure: TIFFError?
        let image = NDArray(unsafeUninitializedShape: shape, dtype: pages[0].dtype) { out in
            do throws(TIFFError) {
                try ParallelLoop.forEach(total) { (unit: Int) throws(TIFFError) in
                    // The page holding this unit: a binary search in the running unit counts.
                    var low = 0, high = pages.count - 1
                    while low < high {
                        let middle = (low + high + 1) / 2
                        if firstUnit[middle] <= unit { low = middle } else { high = middle - 1 }
                    }
                    let page = pages[low]
                    let target = UnsafeMutableRawBufferPointer(rebasing: out[(low * pageBytes)..<((low + 1) * pageBytes)])
                    let first = (unit - firstUnit[low]) * runs[low]
                    if page.route == .native {
                        try page.decodeChunk(first, file: bytes, source: source, littleEndian: little, into: target)
                    } else {
                        try LibTIFFDecoder(page: page).decode(
                            Array(first..<min(page.chunkCount, first + runs[low])), file: bytes, into: target,
                            maxAllocation: maxAllocation)
                    }
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure.error(for: request) }
        return image
    }

    /// Pages whose pixels lie in the file exactly as in the array (see
    /// `TIFFPage.storedInArrayOrder`), read with 4 MiB positioned reads on every core straight
    /// into the array: one copy out of the page cache, no per-strip work. `nil` when a page is
    /// stored otherwise.
    private func readStoredInArrayOrder(pages: [TIFFPage], shape: [Int], pageBytes: Int) -> NDArray? {
        let source = request.bytes
        // Runs of file bytes that land consecutively in the array (usually one for the whole stack).
        var runs: [(file: Int, array: Int, count: Int)] = []
        for (index, page) in pages.enumerated() {
            guard let range = page.storedInArrayOrder(littleEndian: littleEndian, fileSize: source.count) else { return nil }
            if let last = runs.last, last.file + last.count == range.lowerBound {
                runs[runs.count - 1].count += range.count
            } else {
                runs.append((range.lowerBound, index * pageBytes, range.count))
            }
        }
        let block = 4 << 20
        var blocks: [(file: Int, array: Int, count: Int)] = []
        for run in runs {
            for offset in stride(from: 0, to: run.count, by: block) {
                blocks.append((run.file + offset, run.array + offset, min(block, run.count - offset)))
            }
        }
        let file = source.stableBytes
        return NDArray(unsafeUninitializedShape: shape, dtype: pages[0].dtype, hugePages: true) { out in
            ParallelLoop.run(blocks.count) { index in
                let (from, to, count) = blocks[index]
                let target = UnsafeMutableRawBufferPointer(rebasing: out[to..<(to + count)])
                if !source.read(into: target, from: from) {
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: file[from..<(from + count)]))
                }
            }
        }
    }
}
