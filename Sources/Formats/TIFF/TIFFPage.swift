import ImMetaIOCore
import JPEGFormat
import NDArrayModule

/// One image page of a TIFF file: its layout from the tags, and its decoding.
struct TIFFPage {
    let directory: TIFFDirectory
    let width: Int
    let height: Int
    let samples: Int
    let bits: Int
    let sampleFormat: Int
    let compression: Int
    let planar: Bool
    let predictor: Int
    let tileWidth: Int?
    let tileHeight: Int?
    let rowsPerChunk: Int
    let offsets: [Int]
    let byteCounts: [Int]
    let dtype: DType
    let reduced: Bool
    /// JPEGTables (tag 347): the quantisation and Huffman tables shared by JPEG chunks.
    let jpegTables: [UInt8]?

    init(_ directory: TIFFDirectory) throws(TIFFError) {
        self.directory = directory
        guard let width = directory.integer(256), let height = directory.integer(257), width > 0, height >= 0,
            width < 1 << 31, height < 1 << 31
        else { throw .corrupt("missing or invalid image size") }
        self.width = width
        self.height = height
        samples = directory.integer(277) ?? 1
        compression = directory.integer(259) ?? 1
        // SGILog LogLuv decodes (through libtiff) to float32 CIE XYZ, as imagecodecs returns it:
        // the tags' 16-bit Luv encoding is not a colour anyone reads.
        let logLuv = directory.integer(262) == 32845 && (compression == 34676 || compression == 34677)
        bits = logLuv ? 32 : directory.integers(258)?.first ?? 1
        guard samples >= 1, samples <= 64, (1...64).contains(bits) else { throw .corrupt("invalid samples or bits per sample") }
        sampleFormat = logLuv ? 3 : directory.integer(339) ?? 1
        planar = (directory.integer(284) ?? 1) == 2 && samples > 1
        predictor = directory.integer(317) ?? 1
        reduced = ((directory.integer(254) ?? 0) & 1) != 0
        jpegTables = directory.entries[347].map { $0.integers.map { UInt8(truncatingIfNeeded: $0) } }
        if let tileWidth = directory.integer(322), let tileHeight = directory.integer(323) {
            guard tileWidth > 0, tileHeight > 0, tileWidth < 1 << 20, tileHeight < 1 << 20 else { throw .corrupt("invalid tile size") }
            self.tileWidth = tileWidth
            self.tileHeight = tileHeight
            rowsPerChunk = tileHeight
            // Some writers store tile offsets under the strip tags.
            offsets = directory.integers(324) ?? directory.integers(273) ?? []
            byteCounts = directory.integers(325) ?? directory.integers(279) ?? []
        } else {
            tileWidth = nil
            tileHeight = nil
            rowsPerChunk = max(1, min(directory.integer(278) ?? height, max(height, 1)))
            offsets = directory.integers(273) ?? []
            byteCounts = directory.integers(279) ?? []
        }
        guard offsets.count == byteCounts.count, !offsets.isEmpty || height == 0 else {
            throw .corrupt("strip or tile offsets and byte counts do not match")
        }
        switch (sampleFormat, bits) {
        case (_, 1) where sampleFormat == 1: dtype = .bool
        case (1, 2...8): dtype = .uint8
        case (1, 9...16): dtype = .uint16
        case (1, 17...32): dtype = .uint32
        case (1, 33...64): dtype = .uint64
        case (2, 8): dtype = .int8
        case (2, 16): dtype = .int16
        case (2, 32): dtype = .int32
        case (2, 64): dtype = .int64
        case (3, 16): dtype = .float16
        case (3, 32): dtype = .float32
        case (3, 64): dtype = .float64
        default: throw .unsupported("\(bits)-bit samples of format \(sampleFormat)")
        }
    }

    /// numpy-order shape: H×W, H×W×S (contiguous samples) or S×H×W (separate planes).
    var shape: [Int] {
        if samples == 1 { return [height, width] }
        return planar ? [samples, height, width] : [height, width, samples]
    }

    /// Strips or tiles per plane across and down, and the number of planes stored separately.
    private var grid: (across: Int, down: Int, planes: Int) {
        let chunkWidth = tileWidth ?? width
        return ((width + chunkWidth - 1) / chunkWidth, (height + rowsPerChunk - 1) / rowsPerChunk, planar ? samples : 1)
    }

    /// Number of strips or tiles that make up the image (every plane).
    var chunkCount: Int {
        let grid = grid
        return grid.across * grid.down * grid.planes
    }

    /// How the page's strips or tiles are decoded.
    enum Route {
        /// Our own codecs (``TIFFCodecs``).
        case native
        /// libtiff decompresses each strip or tile; the samples are placed as ours are.
        case libtiff
        /// libtiff converts the pixels to 8-bit RGB (subsampled YCbCr, old-style JPEG).
        case libtiffRGB
    }

    /// The compressions our own codecs read: none, LZW, JPEG, Deflate (both tags), PackBits,
    /// Zstandard, WebP.
    static let nativeCompressions: Set<Int> = [1, 5, 7, 8, 32946, 32773, 50000, 50001]

    /// Our own codecs when they read the compression; libtiff for the rest (CCITT, old-style
    /// JPEG, LZMA, …) and for YCbCr that only libtiff converts: subsampled YCbCr that is not
    /// JPEG-compressed, and old-style JPEG's YCbCr. YCbCr without subsampling comes back as
    /// stored, as tifffile returns it.
    var route: Route {
        if directory.integer(262) == 6, compression != 7 {
            let subsampling = directory.integers(530) ?? [2, 2]  // the specification's default
            if compression == 6 || subsampling.prefix(2) != [1, 1] { return .libtiffRGB }
        }
        return Self.nativeCompressions.contains(compression) ? .native : .libtiff
    }

    /// Checks that the page's compression, predictor and chunk table can be decoded, before any
    /// chunk is: every ``decodeChunk(_:file:source:littleEndian:into:rows:)`` relies on it.
    func checkDecodable(file: UnsafeRawBufferPointer) throws(TIFFError) {
        guard offsets.count >= chunkCount else { throw .corrupt("too few strips or tiles for the image") }
        switch route {
        case .libtiff, .libtiffRGB:
            try LibTIFFDecoder.checkDecodable(self)
            return
        case .native:
            break
        }
        if compression == 7 { try checkJPEGPrecision(file: file) }
        let differencing = [8, 16, 32, 64].contains(bits) || (sampleFormat == 1 && bits > 1)
        guard predictor == 1 || (predictor == 2 && differencing) || (predictor == 3 && sampleFormat == 3) else {
            throw .unsupported("predictor \(predictor) with \(bits)-bit samples")
        }
    }

    /// JPEG-in-TIFF whose samples are not 8-bit: the first strip or tile's frame header (SOF)
    /// says its precision, which names the refusal (12-bit JPEG needs a 12-bit libjpeg).
    private func checkJPEGPrecision(file: UnsafeRawBufferPointer) throws(TIFFError) {
        guard bits != 8 else { return }
        if let start = offsets.first, let count = byteCounts.first, start >= 0, count > 0, start < file.count {
            let chunk = UnsafeRawBufferPointer(rebasing: file[start..<min(file.count, start + count)])
            let stream = TIFFCodecs.jpegStream(chunk, tables: jpegTables)
            if let precision = stream.withUnsafeBytes({ JPEGMarkers($0).precision }), precision != 8 {
                throw .refused(JPEGPrecision.refusal(precision: precision))
            }
        }
        throw .unsupported("\(bits)-bit JPEG")
    }

    /// Where the page's pixels lie in the file when they are stored exactly as the array holds
    /// them: uncompressed whole-width strips of byte-aligned samples in native (little-endian)
    /// order, without predictor, each strip right after the previous. Such pages are read with
    /// a few large positioned reads instead of strip by strip. `nil` otherwise.
    func storedInArrayOrder(littleEndian: Bool, fileSize: Int) -> Range<Int>? {
        let itemSize = dtype.itemSize
        guard compression == 1, predictor == 1, tileWidth == nil, bits == itemSize * 8, littleEndian || itemSize == 1,
            chunkCount > 0, let start = offsets.first
        else { return nil }
        let rowBytes = width * (planar ? 1 : samples) * itemSize
        let stripsPerPlane = (height + rowsPerChunk - 1) / rowsPerChunk
        var next = start
        for index in 0..<chunkCount {
            let row = index % stripsPerPlane * rowsPerChunk
            let expected = min(rowsPerChunk, height - row) * rowBytes
            guard offsets[index] == next, byteCounts[index] == expected else { return nil }
            next += expected
        }
        guard start >= 0, next <= fileSize, next - start == shape.reduce(1, *) * itemSize else { return nil }
        return start..<next
    }

    /// Where strip or tile `index` lands in the image: its plane, origin, the part of it inside
    /// the image, and its row size as stored.
    struct ChunkPlacement {
        let plane: Int, x0: Int, y0: Int
        let chunkWidth: Int, chunkHeight: Int
        let copyWidth: Int, copyHeight: Int
        /// Samples per pixel in the chunk (1 for separate planes).
        let perPixel: Int
        /// Bytes per row and per chunk as stored (bit-packed rows start on a byte).
        let rowBytes: Int, chunkBytes: Int
        /// Bytes of one copied row in the array.
        let copyBytes: Int
        /// The image rows the target holds.
        let window: Range<Int>
        let imageWidth: Int, itemSize: Int

        /// The offset in the target of the chunk's row `y`.
        func targetOffset(_ y: Int) -> Int {
            ((plane * window.count + y0 + y - window.lowerBound) * imageWidth * perPixel + x0 * perPixel) * itemSize
        }

        /// Whether every row of the chunk is wanted: the paths that write whole chunks at once need it.
        var whole: Bool { y0 >= window.lowerBound && y0 + copyHeight <= window.upperBound }
    }

    /// The placement of strip or tile `index` in a target holding `rows` (every row when `nil`).
    func placement(of index: Int, rows: Range<Int>?) -> ChunkPlacement {
        let (across, down, _) = grid
        let perPixel = planar ? 1 : samples
        let chunkWidth = tileWidth ?? width
        let rowBytes = (chunkWidth * perPixel * bits + 7) / 8
        let x0 = index % across * chunkWidth, y0 = index % (across * down) / across * rowsPerChunk
        let copyWidth = min(chunkWidth, width - x0)
        return ChunkPlacement(
            plane: index / (across * down), x0: x0, y0: y0, chunkWidth: chunkWidth, chunkHeight: rowsPerChunk,
            copyWidth: copyWidth, copyHeight: min(rowsPerChunk, height - y0), perPixel: perPixel, rowBytes: rowBytes,
            chunkBytes: rowBytes * rowsPerChunk, copyBytes: copyWidth * perPixel * dtype.itemSize, window: rows ?? 0..<height,
            imageWidth: width, itemSize: dtype.itemSize)
    }

    /// Decodes strip or tile `index` into its part of `out` (the image's bytes). Chunks write
    /// disjoint parts of `out`, so they may be decoded concurrently. Only for the ``Route/native``
    /// route.
    ///
    /// With `rows`, `out` holds only those rows of every plane (a window read): the chunk's rows
    /// outside them are skipped.
    func decodeChunk(
        _ index: Int, file: UnsafeRawBufferPointer, source: ResourceBytes? = nil, littleEndian: Bool,
        into out: UnsafeMutableRawBufferPointer, rows: Range<Int>? = nil
    ) throws(TIFFError) {
        let at = placement(of: index, rows: rows)
        let itemSize = dtype.itemSize
        let start = offsets[index]
        guard start >= 0, byteCounts[index] >= 0, start <= file.count else { throw .corrupt("chunk \(index) lies outside the file") }
        // A byte count past the end of the file is cut to what is there, as tifffile does.
        let length = min(byteCounts[index], file.count - start)
        let raw = UnsafeRawBufferPointer(rebasing: file[start..<(start + length)])
        guard let target = out.baseAddress else { return }

        if bits == itemSize * 8, predictor != 3 {
            // Byte-aligned samples: rows go straight from the (decompressed) chunk into the image;
            // uncompressed chunks are copied from the mapped file without an intermediate buffer.
            if compression == 1 {
                if at.whole, at.chunkWidth == width, predictor == 1, littleEndian || itemSize == 1, at.copyHeight * at.rowBytes >= 1 << 20 {
                    // Large uncompressed strips of whole rows: read from the file straight into the
                    // array (one copy from the page cache), target pages allocated in one call.
                    let region = UnsafeMutableRawBufferPointer(start: target + at.targetOffset(0), count: at.copyHeight * at.rowBytes)
                    PagePopulation.prepareForWriting(region)
                    if let source, length >= region.count, source.read(into: region, from: start) { return }
                    PagePopulation.prepareForReading(UnsafeRawBufferPointer(rebasing: raw.prefix(region.count)))
                }
                place(raw, at, littleEndian: littleEndian, filtered: false, into: out)
            } else if at.whole, at.chunkWidth == width, [8, 32946, 50000].contains(compression),
                let produced = try TIFFCodecs.decompress(
                    raw, compression: compression,
                    into: UnsafeMutableRawBufferPointer(start: target + at.targetOffset(0), count: at.copyHeight * at.rowBytes))
            {
                // Full-width rows decompressed straight into the image; then fixed up in place.
                let region = UnsafeMutableRawBufferPointer(start: target + at.targetOffset(0), count: at.copyHeight * at.rowBytes)
                if produced < region.count { UnsafeMutableRawBufferPointer(rebasing: region[produced...]).initializeMemory(as: UInt8.self, repeating: 0) }
                guard !littleEndian || predictor == 2 else { return }
                for y in 0..<at.copyHeight {
                    let row = UnsafeMutableRawBufferPointer(rebasing: region[(y * at.rowBytes)..<((y + 1) * at.rowBytes)])
                    if !littleEndian { ByteSwap.swapInPlace(row, itemSize: itemSize) }
                    if predictor == 2 { Self.undoDifferencing(row, itemSize: itemSize, perPixel: at.perPixel) }
                }
            } else {
                try decompress(raw, chunkBytes: at.chunkBytes, rowBytes: at.rowBytes, perPixel: at.perPixel).withUnsafeBytes { data in
                    place(data, at, littleEndian: littleEndian, filtered: false, into: out)
                }
            }
            return
        }
        if compression == 1 {
            place(raw, at, littleEndian: littleEndian, filtered: false, into: out)
        } else {
            try decompress(raw, chunkBytes: at.chunkBytes, rowBytes: at.rowBytes, perPixel: at.perPixel).withUnsafeBytes { data in
                place(data, at, littleEndian: littleEndian, filtered: false, into: out)
            }
        }
    }

    /// Writes a decompressed strip or tile (rows of `rowBytes`, possibly short) into its part of
    /// `out`. `filtered` data (libtiff's) is in native byte order with the predictor undone;
    /// otherwise both are undone here.
    func place(
        _ data: UnsafeRawBufferPointer, _ at: ChunkPlacement, littleEndian: Bool, filtered: Bool,
        into out: UnsafeMutableRawBufferPointer
    ) {
        guard let target = out.baseAddress else { return }
        let itemSize = dtype.itemSize
        if bits == itemSize * 8, filtered || predictor != 3 {
            for y in 0..<at.copyHeight where at.window.contains(at.y0 + y) {
                let row = UnsafeMutableRawBufferPointer(start: target + at.targetOffset(y), count: at.copyBytes)
                let from = y * at.rowBytes
                let available = max(0, min(at.copyBytes, data.count - from))
                if available > 0, let base = data.baseAddress {
                    row.baseAddress!.copyMemory(from: base + from, byteCount: available)
                }
                if available < at.copyBytes { UnsafeMutableRawBufferPointer(rebasing: row[available...]).initializeMemory(as: UInt8.self, repeating: 0) }
                guard !filtered else { continue }
                if !littleEndian { ByteSwap.swapInPlace(row, itemSize: itemSize) }
                if predictor == 2 { Self.undoDifferencing(row, itemSize: itemSize, perPixel: at.perPixel) }
            }
            return
        }
        var padded = Array(data.prefix(at.chunkBytes))
        if padded.count < at.chunkBytes { padded += [UInt8](repeating: 0, count: at.chunkBytes - padded.count) }
        let values = unpack(padded, rowBytes: at.rowBytes, chunkWidth: at.chunkWidth, chunkHeight: at.chunkHeight,
                            perPixel: at.perPixel, differencing: !filtered)
        values.withUnsafeBytes { source in
            for y in 0..<at.copyHeight where at.window.contains(at.y0 + y) {
                (target + at.targetOffset(y)).copyMemory(
                    from: source.baseAddress! + y * at.chunkWidth * at.perPixel * itemSize, byteCount: at.copyBytes)
            }
        }
    }

    /// The chunk's bytes after decompression (at most `chunkBytes`).
    private func decompress(_ raw: UnsafeRawBufferPointer, chunkBytes: Int, rowBytes: Int, perPixel: Int) throws(TIFFError) -> [UInt8] {
        switch compression {
        case 5: return try TIFFCodecs.lzw(raw, count: chunkBytes)
        case 32773: return TIFFCodecs.packBits(raw, count: chunkBytes)
        case 50000: return try TIFFCodecs.zstd(raw, count: chunkBytes)
        case 50001: return try TIFFCodecs.webp(raw, count: chunkBytes, samples: perPixel, rowBytes: rowBytes)
        case 7:
            return try TIFFCodecs.jpeg(
                raw, tables: jpegTables,
                photometric: directory.integer(262) ?? 2, samples: perPixel, count: chunkBytes, rowBytes: rowBytes)
        default: return try TIFFCodecs.deflate(raw, count: chunkBytes)
        }
    }

    /// Undoes horizontal differencing along one row of native-order samples.
    private static func undoDifferencing(_ row: UnsafeMutableRawBufferPointer, itemSize: Int, perPixel: Int) {
        func run<T: FixedWidthInteger>(_: T.Type) {
            let samples = row.bindMemory(to: T.self)
            guard samples.count > perPixel else { return }
            for i in perPixel..<samples.count { samples[i] &+= samples[i - perPixel] }
        }
        switch itemSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
    }

    /// The chunk's samples as native-order values of the page's dtype (chunkHeight × chunkWidth ×
    /// perPixel). With `differencing`, the page's predictor is undone: the floating-point one, or
    /// horizontal differencing of bit-packed samples (modulo 2^bits, the samples' own range).
    private func unpack(
        _ data: [UInt8], rowBytes: Int, chunkWidth: Int, chunkHeight: Int, perPixel: Int, differencing: Bool
    ) -> [UInt8] {
        let count = chunkWidth * chunkHeight * perPixel
        let itemSize = dtype.itemSize
        var result = [UInt8](repeating: 0, count: count * itemSize)
        let rowSamples = chunkWidth * perPixel
        if predictor == 3, differencing {
            // Floating-point predictor: byte-wise differences across the row, then byte planes
            // (most significant first) interleaved back into samples.
            let bytesPerSample = bits / 8
            let rowLength = rowSamples * bytesPerSample
            var row = [UInt8](repeating: 0, count: rowLength)
            for y in 0..<chunkHeight {
                for i in 0..<rowLength { row[i] = data[y * rowBytes + i] }
                if rowLength > perPixel { for i in perPixel..<rowLength { row[i] &+= row[i - perPixel] } }
                for sample in 0..<rowSamples {
                    for byte in 0..<bytesPerSample {
                        // Native little-endian: least significant byte first.
                        result[(y * rowSamples + sample) * itemSize + byte] = row[(bytesPerSample - 1 - byte) * rowSamples + sample]
                    }
                }
            }
            return result
        }
        if bits == 1 {
            // Bilevel rows (fax): each byte holds eight samples, most significant bit first.
            data.withUnsafeBufferPointer { data in
                result.withUnsafeMutableBufferPointer { out in
                    for y in 0..<chunkHeight {
                        let from = y * rowBytes, to = y * rowSamples
                        for x in 0..<rowSamples { out[to + x] = data[from + x >> 3] >> (7 - UInt8(x & 7)) & 1 }
                    }
                }
            }
            return result
        }
        // Bit-packed samples, most significant bit first, each row starting on a byte.
        let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        let undo = differencing && predictor == 2
        var row = [UInt64](repeating: 0, count: rowSamples)
        for y in 0..<chunkHeight {
            var bitPosition = y * rowBytes * 8
            for sample in 0..<rowSamples {
                var value: UInt64 = 0
                for _ in 0..<bits {
                    let byte = data[bitPosition >> 3]
                    value = value << 1 | UInt64((byte >> (7 - UInt8(bitPosition & 7))) & 1)
                    bitPosition += 1
                }
                row[sample] = undo && sample >= perPixel ? (value &+ row[sample - perPixel]) & mask : value
            }
            for sample in 0..<rowSamples {
                let at = (y * rowSamples + sample) * itemSize
                for byte in 0..<itemSize { result[at + byte] = UInt8(truncatingIfNeeded: row[sample] >> (8 * UInt64(byte))) }
            }
        }
        return result
    }
}
