import CDeflate
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Encodes uint8/uint16 gray, gray+alpha, RGB and RGBA images as PNG: rows filtered in Swift,
/// the zlib stream compressed by libdeflate, chunks written straight to the sink.
struct PNGEncoder {
    /// The row filter (PNG filter method 0).
    enum Filter: String, CaseIterable {
        case none, sub, up, average, paeth
        /// Per row, the filter whose output has the smallest sum of absolute values (libpng's heuristic).
        case adaptive

        var code: UInt8 {
            switch self {
            case .none: 0
            case .sub: 1
            case .up: 2
            case .average: 3
            case .paeth, .adaptive: 4
            }
        }
    }

    /// libdeflate level 0…12 (0 stores, 12 is smallest), or `nil` for the fast pixel encoder
    /// (``PixelDeflate``) on 8-bit images.
    var compressionLevel: Int?
    var filter: Filter
    /// Row bands compressed in parallel by the fast encoder; `nil`: every core for images of
    /// 8 megapixels and more (a 4K frame), one otherwise.
    var threads: Int?

    /// The libdeflate path's defaults, used for 16-bit images and whenever a level or filter is
    /// given: level 2 with the `up` filter measured (BENCHMARKS.md) about 6× faster than
    /// Pillow's default at 2 % more bytes.
    static let defaultLevel = 2
    static let defaultFilter = Filter.up

    struct Layout {
        var height: Int
        var width: Int
        var channels: Int
        var bytesPerSample: Int
        var colorType: UInt8
        var rowBytes: Int { width * channels * bytesPerSample }
        var bytesPerPixel: Int { channels * bytesPerSample }
    }

    static func layout(of image: NDArray, file: String) throws(ImMetaIOError) -> Layout {
        let shape = image.shape
        guard image.dtype == .uint8 || image.dtype == .uint16 else {
            throw ImMetaIOError(.invalidArgument, "PNG stores uint8 or uint16 images, not \(image.dtype)", file: file)
        }
        let channels: Int
        switch shape.count {
        case 2: channels = 1
        case 3 where (1...4).contains(shape[2]): channels = shape[2]
        default:
            throw ImMetaIOError(
                .invalidArgument, "PNG stores H×W or H×W×C images with C = 1…4, not shape \(shape)", file: file)
        }
        guard shape[0] > 0, shape[1] > 0, shape[0] <= Int(Int32.max), shape[1] <= Int(Int32.max) else {
            throw ImMetaIOError(.invalidArgument, "PNG images need 1…2^31-1 rows and columns, not \(shape)", file: file)
        }
        let colorType: UInt8 = [0, 0, 4, 2, 6][channels]
        return Layout(
            height: shape[0], width: shape[1], channels: channels, bytesPerSample: image.dtype.itemSize,
            colorType: colorType)
    }

    /// Writes the whole PNG file for `image` to `sink`.
    func encode(_ image: NDArray, metadata: JSONObject, to sink: OutputSink) throws {
        let layout = try Self.layout(of: image, file: sink.displayName)
        try writeHeader(layout, metadata: metadata, to: sink)
        if usesPixelDeflate(layout) {
            let encoder = PixelDeflate(width: layout.width, height: layout.height, bytesPerPixel: layout.channels)
            try image.withUnsafeBytes { pixels in
                try encoder.compress(pixels, bands: bands(layout)) { pieces in
                    // One IDAT chunk per band, its CRC already computed in parallel.
                    guard pieces.allSatisfy({ $0.bytes.count <= Int(Int32.max) }) else {
                        for piece in pieces { try writeChunks("IDAT", piece.bytes, to: sink) }
                        return
                    }
                    var framing: [UInt8] = []
                    for piece in pieces {
                        PNGChunks.appendUInt32(UInt32(piece.bytes.count), to: &framing)
                        framing += Array("IDAT".utf8)
                        PNGChunks.appendUInt32(piece.crc, to: &framing)
                    }
                    // Room for everything at once, IEND included: the pieces are copied once (in
                    // parallel), not again when IEND would grow the buffer.
                    sink.reserve(additionalBytes: pieces.reduce(12) { $0 + $1.bytes.count + 12 })
                    try framing.withUnsafeBytes { framing in
                        var parts: [UnsafeRawBufferPointer] = []
                        for (index, piece) in pieces.enumerated() {
                            parts.append(UnsafeRawBufferPointer(rebasing: framing[(12 * index)..<(12 * index + 8)]))
                            parts.append(piece.bytes)
                            parts.append(UnsafeRawBufferPointer(rebasing: framing[(12 * index + 8)..<(12 * index + 12)]))
                        }
                        try sink.write(pieces: parts)
                    }
                }
            }
        } else {
            try deflate(filterRows(image, layout), sink: sink) { try writeChunks("IDAT", $0, to: sink) }
        }
        try sink.write(PNGChunks.chunk("IEND", []))
    }

    /// Writes the signature, IHDR and the chunks `metadata` asks for (pHYs, text).
    func writeHeader(_ layout: Layout, metadata: JSONObject, to sink: OutputSink) throws {
        try sink.write(PNGChunks.signature)
        var header: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(layout.width), to: &header)
        PNGChunks.appendUInt32(UInt32(layout.height), to: &header)
        header += [UInt8(layout.bytesPerSample * 8), layout.colorType, 0, 0, 0]
        try sink.write(PNGChunks.chunk("IHDR", header))
        for chunk in try ancillaryChunks(metadata, file: sink.displayName) { try sink.write(chunk) }
    }

    /// Whether `layout` goes to the fast pixel encoder: 8-bit samples with no level or filter given.
    private func usesPixelDeflate(_ layout: Layout) -> Bool {
        compressionLevel == nil && layout.bytesPerSample == 1 && layout.width * layout.channels < PixelDeflate.maximumRowBytes
    }

    /// Row bands for the fast encoder. Large frames: four requests per core, which the compressor
    /// makes eight bands per core, so that a band whose content compresses slowly does not leave
    /// the other cores idle (4K on 2 cores: 1.40× with 4 bands, 1.8× with 16).
    private func bands(_ layout: Layout) -> Int {
        threads ?? (layout.width * layout.height >= 8_000_000 ? 4 * ProcessInfo.processInfo.activeProcessorCount : 1)
    }

    /// `image`'s filtered rows as one zlib stream, in memory: how animated PNG frames are encoded,
    /// whose candidate encodings are compared by size before one is written.
    func zlibStream(_ image: NDArray, file: String) throws -> [UInt8] {
        let layout = try Self.layout(of: image, file: file)
        guard usesPixelDeflate(layout) else {
            return try deflate(filterRows(image, layout), sink: nil) { Array($0) }
        }
        let encoder = PixelDeflate(width: layout.width, height: layout.height, bytesPerPixel: layout.channels)
        var stream: [UInt8] = []
        image.withUnsafeBytes { pixels in
            encoder.compress(pixels, bands: bands(layout)) { pieces in
                stream.reserveCapacity(pieces.reduce(0) { $0 + $1.bytes.count })
                for piece in pieces { stream += piece.bytes }
            }
        }
        return stream
    }

    /// pHYs from `dpi` ([x, y] dots per inch) or `spacing` ([y, x] metres per pixel), tEXt from `text`.
    private func ancillaryChunks(_ metadata: JSONObject, file: String) throws(ImMetaIOError) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var perMetre: (x: Double, y: Double)?
        if let dpi = metadata["dpi"]?.arrayValue?.compactMap(\.doubleValue), dpi.count == 2 {
            perMetre = (dpi[0] / 0.0254, dpi[1] / 0.0254)
        } else if let spacing = metadata["spacing"]?.arrayValue?.compactMap(\.doubleValue), spacing.count == 2,
            spacing.allSatisfy({ $0 > 0 })
        {
            perMetre = (1 / spacing[1], 1 / spacing[0])
        }
        if let perMetre, perMetre.x.isFinite, perMetre.y.isFinite, perMetre.x >= 1, perMetre.y >= 1,
            perMetre.x < 0x1p31, perMetre.y < 0x1p31
        {
            var data: [UInt8] = []
            PNGChunks.appendUInt32(UInt32(perMetre.x.rounded()), to: &data)
            PNGChunks.appendUInt32(UInt32(perMetre.y.rounded()), to: &data)
            data.append(1)
            chunks.append(PNGChunks.chunk("pHYs", data))
        }
        if let text = metadata["text"]?.objectValue {
            for (keyword, value) in text {
                guard (1...79).contains(keyword.utf8.count), keyword.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value <= 255 })
                else {
                    throw ImMetaIOError(.invalidArgument, "PNG text keyword '\(keyword)' must be 1…79 Latin-1 characters", file: file)
                }
                let content = value.stringValue ?? value.description
                // tEXt is Latin-1; anything else goes in an uncompressed iTXt (UTF-8).
                if content.unicodeScalars.allSatisfy({ $0.value <= 255 }) {
                    let data = keyword.unicodeScalars.map { UInt8($0.value) } + [0] + content.unicodeScalars.map { UInt8($0.value) }
                    chunks.append(PNGChunks.chunk("tEXt", data))
                } else {
                    let data = keyword.unicodeScalars.map { UInt8($0.value) } + [0, 0, 0, 0, 0] + Array(content.utf8)
                    chunks.append(PNGChunks.chunk("iTXt", data))
                }
            }
        }
        return chunks
    }

    /// The filtered scanlines: each row is a filter-type byte followed by the filtered bytes.
    private func filterRows(_ image: NDArray, _ layout: Layout) -> [UInt8] {
        let rowBytes = layout.rowBytes
        let stride = rowBytes + 1
        let bpp = layout.bytesPerPixel
        var output = [UInt8](unsafeUninitializedCapacity: stride * layout.height) { buffer, count in
            count = stride * layout.height
        }
        let swapped: [UInt8]? = layout.bytesPerSample == 2 ? Self.bigEndianBytes(image) : nil
        func run(_ pixels: UnsafeRawBufferPointer) {
            let rows = pixels.bindMemory(to: UInt8.self)
            output.withUnsafeMutableBufferPointer { out in
                var scratch = filter == .adaptive ? [UInt8](repeating: 0, count: rowBytes * 5) : []
                for y in 0..<layout.height {
                    let row = UnsafeBufferPointer(rebasing: rows[(y * rowBytes)..<((y + 1) * rowBytes)])
                    let previous = y > 0 ? UnsafeBufferPointer(rebasing: rows[((y - 1) * rowBytes)..<(y * rowBytes)]) : nil
                    let target = UnsafeMutableBufferPointer(rebasing: out[(y * stride + 1)..<((y + 1) * stride)])
                    if filter == .adaptive {
                        out[y * stride] = scratch.withUnsafeMutableBufferPointer { space in
                            Self.adaptive(row, previous, bpp, into: target, scratch: space)
                        }
                    } else {
                        out[y * stride] = filter.code
                        Self.apply(filter.code, row, previous, bpp, into: target)
                    }
                }
            }
        }
        if let swapped { swapped.withUnsafeBytes(run) } else { image.withUnsafeBytes(run) }
        return output
    }

    static func bigEndianBytes(_ image: NDArray) -> [UInt8] {
        image.withUnsafeBufferPointer(of: UInt16.self) { samples in
            [UInt8](unsafeUninitializedCapacity: samples.count * 2) { buffer, count in
                for i in samples.indices {
                    buffer[2 * i] = UInt8(samples[i] >> 8)
                    buffer[2 * i + 1] = UInt8(truncatingIfNeeded: samples[i])
                }
                count = samples.count * 2
            }
        }
    }

    /// Applies one filter to a row.
    @inline(__always)
    static func apply(
        _ code: UInt8, _ row: UnsafeBufferPointer<UInt8>, _ previous: UnsafeBufferPointer<UInt8>?, _ bpp: Int,
        into out: UnsafeMutableBufferPointer<UInt8>
    ) {
        let n = row.count
        switch code {
        case 1:
            for i in 0..<min(bpp, n) { out[i] = row[i] }
            if n > bpp { for i in bpp..<n { out[i] = row[i] &- row[i - bpp] } }
        case 2:
            if let previous {
                for i in 0..<n { out[i] = row[i] &- previous[i] }
            } else {
                for i in 0..<n { out[i] = row[i] }
            }
        case 3:
            for i in 0..<n {
                let left = i >= bpp ? Int(row[i - bpp]) : 0
                let up = previous.map { Int($0[i]) } ?? 0
                out[i] = row[i] &- UInt8((left + up) >> 1)
            }
        case 4:
            for i in 0..<n {
                let a = i >= bpp ? Int(row[i - bpp]) : 0
                let b = previous.map { Int($0[i]) } ?? 0
                let c = i >= bpp ? previous.map { Int($0[i - bpp]) } ?? 0 : 0
                let p = a + b - c
                let pa = abs(p - a)
                let pb = abs(p - b)
                let pc = abs(p - c)
                let predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                out[i] = row[i] &- UInt8(predictor)
            }
        default:
            for i in 0..<n { out[i] = row[i] }
        }
    }

    /// Tries every filter on a row, keeps the one with the smallest sum of absolute (signed) bytes.
    static func adaptive(
        _ row: UnsafeBufferPointer<UInt8>, _ previous: UnsafeBufferPointer<UInt8>?, _ bpp: Int,
        into out: UnsafeMutableBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>
    ) -> UInt8 {
        let n = row.count
        var best: (code: UInt8, cost: Int) = (0, .max)
        for code in UInt8(0)...4 {
            let candidate = UnsafeMutableBufferPointer(rebasing: scratch[(Int(code) * n)..<(Int(code) * n + n)])
            apply(code, row, previous, bpp, into: candidate)
            var cost = 0
            for value in candidate { cost += abs(Int(Int8(bitPattern: value))) }
            if cost < best.cost { best = (code, cost) }
        }
        let chosen = Int(best.code) * n
        for i in 0..<n { out[i] = scratch[chosen + i] }
        return best.code
    }

    /// Compresses the scanlines as one zlib stream with libdeflate and hands it to `body`.
    private func deflate<R>(_ scanlines: [UInt8], sink: OutputSink?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let file = sink?.displayName ?? "<bytes>"
        guard let compressor = libdeflate_alloc_compressor(Int32(compressionLevel ?? Self.defaultLevel)) else {
            throw ImMetaIOError(.io, "cannot allocate a deflate compressor", file: file)
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, scanlines.count)
        var compressed = [UInt8](repeating: 0, count: bound)
        let size = scanlines.withUnsafeBytes { input in
            compressed.withUnsafeMutableBytes { output in
                libdeflate_zlib_compress(compressor, input.baseAddress, input.count, output.baseAddress, output.count)
            }
        }
        guard size > 0 else { throw ImMetaIOError(.io, "deflate compression failed", file: file) }
        return try compressed.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
    }

    /// Writes a zlib stream as chunks of `type` (IDAT, or fdAT with `sequence` numbering each
    /// chunk) of at most 1 MiB, straight from its buffer.
    func writeChunks(_ type: String, _ stream: UnsafeRawBufferPointer, sequence: inout UInt32, to sink: OutputSink) throws {
        let chunkSize = 1 << 20
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            let piece = UnsafeRawBufferPointer(rebasing: stream[offset..<end])
            var prefix: [UInt8] = []
            var numbered: [UInt8] = []
            if type == "fdAT" {
                PNGChunks.appendUInt32(sequence, to: &numbered)
                sequence += 1
            }
            PNGChunks.appendUInt32(UInt32(numbered.count + piece.count), to: &prefix)
            prefix += Array(type.utf8) + numbered
            try sink.write(prefix)
            try sink.write(piece)
            var crc: [UInt8] = []
            let headCRC = prefix[4...].withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
            PNGChunks.appendUInt32(libdeflate_crc32(headCRC, piece.baseAddress, piece.count), to: &crc)
            try sink.write(crc)
            offset = end
        }
    }

    private func writeChunks(_ type: String, _ stream: UnsafeRawBufferPointer, to sink: OutputSink) throws {
        var unused: UInt32 = 0
        try writeChunks(type, stream, sequence: &unused, to: sink)
    }
}
