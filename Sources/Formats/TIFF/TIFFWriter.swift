import Foundation
import ImMetaIOCore
import NDArrayModule

/// Writes TIFF pages as images are appended, and the directories at the end.
///
/// Pixel data goes to the sink as soon as each page is encoded (the writer holds one page at a
/// time); the page directories are kept and written after the last page. The first 16 bytes are
/// reserved for the header, which ``finish()`` fills in once the total size is known: classic
/// TIFF when every offset fits in 32 bits, BigTIFF otherwise (or when asked). The choice comes
/// from the file's actual sizes, so a file is never too large for its header.
package final class TIFFWriter: ImageWriter {
    private let sink: OutputSink
    private let options: TIFFWriteOptions
    private var directories: [TIFFDirectoryBuilder] = []
    /// The reduced-resolution pages (SubIFDs) of main pages, by main page index.
    private var subDirectories: [Int: [TIFFDirectoryBuilder]] = [:]
    /// Per append: index of its first page, the array's shape, and whether it named a description.
    private var appends: [(firstPage: Int, shape: [Int], described: Bool)] = []
    /// Chunks compressed together: enough to keep every core busy, few enough to bound memory.
    private static let batchSize = 64

    /// A writer of pages into `sink` with the plugin's options (`compression`, `level`,
    /// `predictor`, `tile`, `bigtiff` …), for other modules of the package (OME-TIFF).
    package convenience init(sink: OutputSink, options: JSONObject) throws {
        try self.init(WriteRequest(sink: sink, options: options))
    }

    init(_ request: WriteRequest) throws {
        sink = request.sink
        options = try TIFFWriteOptions(request.options, file: request.sink.displayName)
        try sink.write([UInt8](repeating: 0, count: 16))
    }

    private func invalid(_ message: String) -> ImMetaIOError {
        ImMetaIOError(.invalidArgument, message, file: sink.displayName)
    }

    package func append(_ image: NDArray, metadata: JSONObject) throws {
        try append(image, metadata: metadata, description: options.description ?? metadata["description"]?.stringValue, shaped: true)
    }

    /// Appends pages: `pages` is P×H×W, or P×H×W×S with `rgb` (3 or 4 samples). The first page
    /// carries `description`; no shape description is added. Pages of one call are compressed
    /// together, on every core.
    package func appendPages(_ pages: NDArray, rgb: Bool, description: String?) throws {
        try append(pages, metadata: [:], description: description, shaped: false, rgb: rgb)
    }

    /// Appends one page (H×W, or H×W×S with `rgb`) with its own description (or none) and its
    /// reduced resolutions as SubIFDs (NewSubfileType 1), as pyramidal OME-TIFF stores them. No
    /// shape description is added.
    package func appendPage(_ page: NDArray, rgb: Bool, description: String?, reducedResolutions: [NDArray]) throws {
        let main = directories.count
        try append(page, metadata: [:], description: description, shaped: false, rgb: rgb)
        guard !reducedResolutions.isEmpty else { return }
        var reduced: [TIFFDirectoryBuilder] = []
        for level in reducedResolutions {
            try append(level, metadata: [:], description: nil, shaped: false, rgb: rgb)
            var directory = directories.removeLast()
            appends.removeLast()
            directory[254] = .long([1])
            reduced.append(directory)
        }
        subDirectories[main] = reduced
        // Placeholders of the right count; finish() fills in the offsets once the layout is known.
        directories[main][330] = .offsets([UInt64](repeating: 0, count: reduced.count))
    }

    /// `rgb` overrides the photometric option and the guess from the shape.
    private func append(_ image: NDArray, metadata: JSONObject, description: String?, shaped: Bool, rgb forcedRGB: Bool? = nil) throws {
        let shape = image.shape
        guard shape.count >= 2 else { throw invalid("TIFF pages need at least 2 dimensions, not shape \(shape)") }
        let last = shape[shape.count - 1]
        let rgb: Bool
        switch forcedRGB.map({ $0 ? "rgb" : "minisblack" }) ?? options.photometric {
        case "rgb"?:
            guard shape.count >= 3, last == 3 || last == 4, image.dtype != .bool else {
                throw invalid("photometric 'rgb' needs a last axis of 3 or 4 samples, not shape \(shape)")
            }
            rgb = true
        case "ycbcr"?:
            guard shape.count >= 3, last == 3 else { throw invalid("photometric 'ycbcr' needs a last axis of 3 samples, not shape \(shape)") }
            rgb = true
        case "minisblack"?: rgb = false
        default: rgb = shape.count >= 3 && (last == 3 || last == 4) && image.dtype != .bool
        }
        let samples = rgb ? last : 1
        let height = shape[shape.count - (rgb ? 3 : 2)], width = shape[shape.count - (rgb ? 2 : 1)]
        guard height > 0, width > 0, height < 1 << 32, width < 1 << 32 else { throw invalid("TIFF pages cannot be empty (shape \(shape))") }
        let pages = shape.dropLast(rgb ? 3 : 2).reduce(1, *)
        let predictor = try predictor(for: image.dtype)
        let jpeg = try jpegLayout(dtype: image.dtype, samples: samples, predictor: predictor)
        let format: (bits: Int, sampleFormat: UInt16) = switch image.dtype {
        case .bool: (1, 1)
        case .uint8, .uint16, .uint32, .uint64: (image.dtype.itemSize * 8, 1)
        case .int8, .int16, .int32, .int64: (image.dtype.itemSize * 8, 2)
        case .float16, .float32, .float64: (image.dtype.itemSize * 8, 3)
        }
        appends.append((directories.count, shape, description != nil || !shaped))
        let page = Page(
            width: width, height: height, samples: samples, itemSize: image.dtype.itemSize, bits: format.bits,
            predictor: predictor, jpeg: jpeg)
        try image.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            for (index, var directory) in try write(page, raw, pages: pages).enumerated() {
                directory[258] = .short(Array(repeating: UInt16(format.bits), count: samples))
                directory[339] = .short(Array(repeating: format.sampleFormat, count: samples))
                directory[262] = .short([rgb ? 2 : 1])
                if samples == 4 { directory[338] = .short([2]) }  // unassociated alpha
                if let jpeg, jpeg.ycbcr {
                    directory[262] = .short([6])
                    directory[530] = .short([UInt16(jpeg.subsampling.horizontal), UInt16(jpeg.subsampling.vertical)])
                    // ReferenceBlackWhite: full-range YCbCr, as JPEG codes it (tifffile writes the same).
                    directory[532] = .rational([(0, 1), (255, 1), (128, 1), (255, 1), (128, 1), (255, 1)])
                }
                if index == 0, let description { directory[270] = .ascii(description) }
                describe(&directory, metadata: metadata)
                directories.append(directory)
            }
        }
    }

    /// The page-independent tags: software, date, resolution.
    private func describe(_ directory: inout TIFFDirectoryBuilder, metadata: JSONObject) {
        directory[305] = .ascii(options.software ?? metadata["software"]?.stringValue ?? "immetaio")
        if let datetime = metadata["datetime"]?.stringValue { directory[306] = .ascii(datetime) }
        var resolution = options.resolution
        if resolution == nil, let pair = metadata["resolution"]?.arrayValue, pair.count == 2,
            let x = pair[0].doubleValue, let y = pair[1].doubleValue, x > 0, y > 0, x.isFinite, y.isFinite
        {
            resolution = (x, y)
        }
        if let resolution {
            directory[282] = .rational([Self.rational(resolution.x)])
            directory[283] = .rational([Self.rational(resolution.y)])
            let stored = metadata["resolution_unit"]?.intValue.flatMap { [1, 2, 3].contains($0) ? $0 : nil }
            directory[296] = .short([UInt16(options.resolutionUnit ?? stored ?? 2)])
        }
    }

    private func predictor(for dtype: DType) throws -> Int {
        let isFloat = [.float16, .float32, .float64].contains(dtype)
        switch options.predictor {
        case .none?: return 1
        case nil: return dtype == .bool ? 1 : (isFloat ? 3 : 2)
        case .horizontal?:
            guard !isFloat, dtype != .bool else { throw invalid("the horizontal predictor is for integer samples; use 'floatingpoint'") }
            return 2
        case .floatingpoint?:
            guard isFloat else { throw invalid("the floating-point predictor is for float samples; use 'horizontal'") }
            return 3
        }
    }

    /// How JPEG compression codes a page's samples, or `nil` for the other compressions; throws
    /// for what JPEG-in-TIFF does not hold.
    private func jpegLayout(dtype: DType, samples: Int, predictor: Int) throws -> TIFFCompressor.JPEGLayout? {
        guard options.compression == .jpeg else { return nil }
        guard dtype == .uint8, samples == 1 || samples == 3 else {
            throw invalid("JPEG compression stores uint8 gray or RGB pages, not \(dtype) with \(samples) samples")
        }
        guard predictor == 1 else { throw invalid("JPEG compression takes no predictor") }
        // RGB pages are stored as YCbCr unless photometric 'rgb' is asked for, as tifffile does.
        let ycbcr = samples == 3 && options.photometric != "rgb"
        return TIFFCompressor.JPEGLayout(samples: samples, ycbcr: ycbcr, subsampling: ycbcr ? options.subsampling : (1, 1))
    }

    /// One page's geometry.
    private struct Page {
        let width: Int, height: Int, samples: Int, itemSize: Int, bits: Int, predictor: Int
        let jpeg: TIFFCompressor.JPEGLayout?

        /// Bytes of one row of `columns` pixels as stored (bits packed for 1-bit samples).
        func storedRowBytes(_ columns: Int) -> Int { bits == 1 ? (columns * samples + 7) / 8 : columns * samples * itemSize }
    }

    /// Encodes the strips or tiles of `pages` consecutive pages, writes them, and returns the
    /// pages' directories (without the sample-format tags).
    ///
    /// Chunks of all the pages are compressed by one worker per core in windows of
    /// ``batchSize``; whichever worker completes the next chunk in file order writes it (and any
    /// completed ones after it), so writing overlaps compressing and the file keeps chunk order.
    private func write(_ page: Page, _ pixels: UnsafeRawBufferPointer, pages: Int) throws -> [TIFFDirectoryBuilder] {
        let tiled = options.tile != nil
        let chunkWidth = options.tile?.width ?? page.width
        var chunkHeight: Int
        if let tile = options.tile {
            chunkHeight = tile.height
        } else if let rows = options.rowsPerStrip {
            chunkHeight = min(rows, page.height)
        } else if options.compression == .none {
            chunkHeight = page.height
        } else {
            // Strips of about 256 KiB, as tifffile chooses for compressed data: large enough to
            // compress well, small enough to spread a page over the cores.
            chunkHeight = min(page.height, max(1, 262_144 / max(page.storedRowBytes(page.width), 1)))
        }
        if let jpeg = page.jpeg {
            // JPEG chunks hold whole MCUs (libtiff refuses other strip heights and tile sizes).
            let mcu = (width: 8 * jpeg.subsampling.horizontal, height: 8 * jpeg.subsampling.vertical)
            if let tile = options.tile, tile.width % mcu.width != 0 || tile.height % mcu.height != 0 {
                throw invalid("JPEG tiles must be multiples of \(mcu.height)×\(mcu.width) (the subsampling's blocks), not \(tile.height)×\(tile.width)")
            }
            if options.tile == nil, chunkHeight < page.height, chunkHeight % mcu.height != 0 {
                guard options.rowsPerStrip == nil else {
                    throw invalid("JPEG strips must be a multiple of \(mcu.height) rows (the subsampling's blocks), not \(chunkHeight)")
                }
                chunkHeight = min(page.height, max(mcu.height, chunkHeight / mcu.height * mcu.height))
            }
        }
        let across = (page.width + chunkWidth - 1) / chunkWidth
        let down = (page.height + chunkHeight - 1) / chunkHeight
        let perPage = across * down
        let total = perPage * pages
        var offsets = [UInt64](repeating: 0, count: total)
        var byteCounts = [UInt64](repeating: 0, count: total)
        let sourceRowBytes = page.width * page.samples * page.itemSize
        let pageBytes = sourceRowBytes * page.height
        let plainStrips = !tiled && page.predictor == 1 && page.bits != 1

        if options.compression == .none && plainStrips {
            // Uncompressed strips are the array's own bytes: written without a copy.
            for chunk in 0..<total {
                let strip = chunk % perPage
                let start = (chunk / perPage) * pageBytes + strip * chunkHeight * sourceRowBytes
                let end = (chunk / perPage) * pageBytes + min(page.height, (strip + 1) * chunkHeight) * sourceRowBytes
                offsets[chunk] = UInt64(sink.position)
                byteCounts[chunk] = UInt64(end - start)
                try sink.write(UnsafeRawBufferPointer(rebasing: pixels[start..<end]))
            }
        } else {
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, total))
            let compressors = (0..<workers).map { _ in TIFFCompressor(options.compression, level: options.level, jpeg: page.jpeg) }
            let sink = sink
            try ParallelLoop.forEachInOrder(
                total, workers: workers, window: Self.batchSize,
                produce: { (chunk: Int, worker: Int) throws(ImMetaIOError) -> [UInt8] in
                    do throws(TIFFError) {
                        return try compress(
                            chunk % perPage, of: page, pixels: pixels, pageOffset: (chunk / perPage) * pageBytes,
                            chunkWidth: chunkWidth, chunkHeight: chunkHeight, across: across,
                            plainStrips: plainStrips, with: compressors[worker])
                    } catch {
                        throw ImMetaIOError(.io, "TIFF encoding failed: \(error)", file: sink.displayName)
                    }
                },
                consume: { (chunk: Int, bytes: [UInt8]) throws(ImMetaIOError) in
                    offsets[chunk] = UInt64(sink.position)
                    byteCounts[chunk] = UInt64(bytes.count)
                    try sink.write(bytes)
                })
        }
        return (0..<pages).map { index in
            var directory = TIFFDirectoryBuilder()
            directory[256] = .long([UInt32(page.width)])
            directory[257] = .long([UInt32(page.height)])
            directory[259] = .short([UInt16(options.compression.tagValue)])
            directory[277] = .short([UInt16(page.samples)])
            directory[284] = .short([1])
            if page.predictor != 1 { directory[317] = .short([UInt16(page.predictor)]) }
            let range = (index * perPage)..<((index + 1) * perPage)
            if tiled {
                directory[322] = .long([UInt32(chunkWidth)])
                directory[323] = .long([UInt32(chunkHeight)])
                directory[324] = .offsets(Array(offsets[range]))
                directory[325] = .offsets(Array(byteCounts[range]))
            } else {
                directory[273] = .offsets(Array(offsets[range]))
                directory[278] = .long([UInt32(chunkHeight)])
                directory[279] = .offsets(Array(byteCounts[range]))
            }
            return directory
        }
    }

    /// One strip or tile of one page, compressed.
    private func compress(
        _ chunk: Int, of page: Page, pixels: UnsafeRawBufferPointer, pageOffset: Int, chunkWidth: Int, chunkHeight: Int,
        across: Int, plainStrips: Bool, with compressor: TIFFCompressor
    ) throws(TIFFError) -> [UInt8] {
        let tiled = options.tile != nil
        let rows = tiled ? chunkHeight : min(chunkHeight, page.height - (chunk / across) * chunkHeight)
        let rowBytes = page.storedRowBytes(chunkWidth)
        let sourceRowBytes = page.width * page.samples * page.itemSize
        if plainStrips {
            // Whole rows as stored in the array: compressed in place, no copy.
            let start = pageOffset + chunk * chunkHeight * sourceRowBytes
            return try compressor.compress(UnsafeRawBufferPointer(rebasing: pixels[start..<(start + rows * sourceRowBytes)]), rowBytes: rowBytes)
        }
        let pagePixels = UnsafeRawBufferPointer(rebasing: pixels[pageOffset..<(pageOffset + sourceRowBytes * page.height)])
        let buffer = Self.gather(
            page, pagePixels, x0: (chunk % across) * chunkWidth, y0: (chunk / across) * chunkHeight, width: chunkWidth, rows: rows)
        let result = buffer.withUnsafeBytes { raw in
            Result { () throws(TIFFError) in try compressor.compress(raw, rowBytes: rowBytes) }
        }
        return try result.get()
    }

    /// One strip or tile's stored bytes before compression: rows copied out of the page (tiles
    /// padded with zeros past the image's edge), bits packed, the predictor applied.
    private static func gather(
        _ page: Page, _ pixels: UnsafeRawBufferPointer, x0: Int, y0: Int, width: Int, rows: Int
    ) -> [UInt8] {
        let rowBytes = page.storedRowBytes(width)
        let perPixel = page.samples
        var buffer = [UInt8](repeating: 0, count: rowBytes * rows)
        let columns = min(width, page.width - x0)
        let sourceRowBytes = page.width * perPixel * page.itemSize
        buffer.withUnsafeMutableBytes { out in
            for y in 0..<min(rows, page.height - y0) {
                let source = (y0 + y) * sourceRowBytes + x0 * perPixel * page.itemSize
                let row = UnsafeMutableRawBufferPointer(rebasing: out[(y * rowBytes)..<((y + 1) * rowBytes)])
                if page.bits == 1 {
                    // bool → 1 bit per sample, most significant bit first.
                    for i in 0..<(columns * perPixel) where pixels[source + i] != 0 {
                        row[i >> 3] |= 0x80 >> UInt8(i & 7)
                    }
                    continue
                }
                row.baseAddress!.copyMemory(from: pixels.baseAddress! + source, byteCount: columns * perPixel * page.itemSize)
                switch page.predictor {
                case 2: applyDifferencing(row, itemSize: page.itemSize, perPixel: perPixel)
                case 3: applyFloatingPointPredictor(row, itemSize: page.itemSize, perPixel: perPixel)
                default: break
                }
            }
        }
        return buffer
    }

    /// Horizontal differencing of one row of native (little-endian) samples, last to first.
    private static func applyDifferencing(_ row: UnsafeMutableRawBufferPointer, itemSize: Int, perPixel: Int) {
        func run<T: FixedWidthInteger>(_: T.Type) {
            let samples = row.bindMemory(to: T.self)
            guard samples.count > perPixel else { return }
            for i in stride(from: samples.count - 1, through: perPixel, by: -1) { samples[i] &-= samples[i - perPixel] }
        }
        switch itemSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
    }

    /// TIFF's floating-point predictor (Adobe technical note 3): the row's bytes regrouped into
    /// planes, most significant byte first, then byte-wise differencing across the row.
    private static func applyFloatingPointPredictor(_ row: UnsafeMutableRawBufferPointer, itemSize: Int, perPixel: Int) {
        let count = row.count / itemSize
        let original = [UInt8](row)
        for sample in 0..<count {
            for byte in 0..<itemSize {
                row[(itemSize - 1 - byte) * count + sample] = original[sample * itemSize + byte]
            }
        }
        guard row.count > perPixel else { return }
        for i in stride(from: row.count - 1, through: perPixel, by: -1) { row[i] &-= row[i - perPixel] }
    }

    /// A positive real as a TIFF rational: exact for integers, otherwise to about seven digits.
    static func rational(_ value: Double) -> (UInt32, UInt32) {
        if value.rounded() == value, value < Double(UInt32.max) { return (UInt32(value), 1) }
        var denominator: UInt32 = 1
        while denominator < 1_000_000_000, value * Double(denominator) * 10 < Double(UInt32.max),
            (value * Double(denominator)).rounded() != value * Double(denominator)
        {
            denominator *= 10
        }
        return (UInt32(min((value * Double(denominator)).rounded(), Double(UInt32.max))), denominator)
    }

    package func finish() throws {
        guard !directories.isEmpty else { throw invalid("no image was written") }
        addShapeDescriptions()
        if sink.position % 2 == 1 { try sink.write([0]) }  // directories start on a word boundary
        let start = sink.position
        // Each main directory is followed by its SubIFDs; the main chain links main directories only.
        let all = directories.indices.flatMap { [directories[$0]] + (subDirectories[$0] ?? []) }
        let classicEnd = start + all.reduce(0) { $0 + $1.size(bigTIFF: false) }
        let bigTIFF = options.bigTIFF || classicEnd > Int(UInt32.max)
        var offsets: [(main: Int, subs: [Int])] = []
        var offset = start
        for index in directories.indices {
            let main = offset
            offset += directories[index].size(bigTIFF: bigTIFF)
            var subs: [Int] = []
            for sub in subDirectories[index] ?? [] {
                subs.append(offset)
                offset += sub.size(bigTIFF: bigTIFF)
            }
            offsets.append((main, subs))
        }
        for index in directories.indices {
            var directory = directories[index]
            if !offsets[index].subs.isEmpty { directory[330] = .offsets(offsets[index].subs.map { UInt64($0) }) }
            let next = index + 1 < directories.count ? offsets[index + 1].main : 0
            try sink.write(directory.serialized(at: offsets[index].main, next: next, bigTIFF: bigTIFF))
            for (sub, at) in zip(subDirectories[index] ?? [], offsets[index].subs) {
                try sink.write(sub.serialized(at: at, next: 0, bigTIFF: bigTIFF))
            }
        }
        var header: [UInt8] = [0x49, 0x49]
        if bigTIFF {
            header.appendLittleEndian(UInt16(43))
            header.appendLittleEndian(UInt16(8))
            header.appendLittleEndian(UInt16(0))
            header.appendLittleEndian(UInt64(start))
        } else {
            header.appendLittleEndian(UInt16(42))
            header.appendLittleEndian(UInt32(start))
        }
        try sink.overwrite(header, at: 0)
    }

    /// tifffile's shaped-series description (`{"shape": [...]}`) on the first page of each run of
    /// appends with one shape and no description of their own, so that tifffile (and our reader)
    /// restore the arrays' shapes: frames appended one by one read back as one stacked series.
    private func addShapeDescriptions() {
        var index = 0
        while index < appends.count {
            let current = appends[index]
            guard !current.described else {
                index += 1
                continue
            }
            var end = index + 1
            while end < appends.count, !appends[end].described, appends[end].shape == current.shape { end += 1 }
            let shape = end - index > 1 ? [end - index] + current.shape : current.shape
            directories[current.firstPage][270] = .ascii("{\"shape\": [\(shape.map(String.init).joined(separator: ", "))]}")
            index = end
        }
    }
}
