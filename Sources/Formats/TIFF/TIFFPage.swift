import ImMetaIOCore
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
        let bitsList = directory.integers(258) ?? [1]
        bits = bitsList.first ?? 1
        guard samples >= 1, samples <= 64, (1...64).contains(bits) else { throw .corrupt("invalid samples or bits per sample") }
        sampleFormat = directory.integer(339) ?? 1
        compression = directory.integer(259) ?? 1
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

    /// Checks that the page's compression, predictor and chunk table can be decoded, before any
    /// chunk is: every ``decodeChunk(_:file:littleEndian:into:)`` relies on it.
    func checkDecodable() throws(TIFFError) {
        guard [1, 5, 7, 8, 32946, 32773, 50000, 50001].contains(compression) else {
            throw .unsupported("compression \(compression)")
        }
        if directory.integer(262) == 6, compression != 7 {
            throw .unsupported("YCbCr without JPEG compression")
        }
        if compression == 7, bits != 8 { throw .unsupported("\(bits)-bit JPEG") }
        guard predictor == 1 || (predictor == 2 && [8, 16, 32, 64].contains(bits)) || (predictor == 3 && sampleFormat == 3) else {
            throw .unsupported("predictor \(predictor) with \(bits)-bit samples")
        }
        guard offsets.count >= chunkCount else { throw .corrupt("too few strips or tiles for the image") }
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

    /// Decodes strip or tile `index` into its part of `out` (the image's bytes). Chunks write
    /// disjoint parts of `out`, so they may be decoded concurrently.
    ///
    /// With `rows`, `out` holds only those rows of every plane (a window read): the chunk's rows
    /// outside them are skipped.
    func decodeChunk(
        _ index: Int, file: UnsafeRawBufferPointer, source: ResourceBytes? = nil, littleEndian: Bool,
        into out: UnsafeMutableRawBufferPointer, rows: Range<Int>? = nil
    ) throws(TIFFError) {
        let (across, down, _) = grid
        let plane = index / (across * down), chunkRow = index % (across * down) / across, chunkColumn = index % across
        let perPixel = planar ? 1 : samples
        let chunkWidth = tileWidth ?? width
        let chunkHeight = rowsPerChunk
        let rowBytes = (chunkWidth * perPixel * bits + 7) / 8
        let chunkBytes = rowBytes * chunkHeight
        let itemSize = dtype.itemSize
        let start = offsets[index]
        guard start >= 0, byteCounts[index] >= 0, start <= file.count else { throw .corrupt("chunk \(index) lies outside the file") }
        // A byte count past the end of the file is cut to what is there, as tifffile does.
        let length = min(byteCounts[index], file.count - start)
        let raw = UnsafeRawBufferPointer(rebasing: file[start..<(start + length)])
        let x0 = chunkColumn * chunkWidth, y0 = chunkRow * chunkHeight
        let copyWidth = min(chunkWidth, width - x0), copyHeight = min(chunkHeight, height - y0)
        let copyBytes = copyWidth * perPixel * itemSize
        guard let target = out.baseAddress else { return }
        let window = rows ?? 0..<height
        func targetOffset(_ y: Int) -> Int {
            ((plane * window.count + y0 + y - window.lowerBound) * width * perPixel + x0 * perPixel) * itemSize
        }
        // Whether every row of the chunk is wanted: the paths that write whole chunks at once need it.
        let whole = y0 >= window.lowerBound && y0 + copyHeight <= window.upperBound

        if bits == itemSize * 8, predictor != 3 {
            // Byte-aligned samples: rows go straight from the (decompressed) chunk into the image;
            // uncompressed chunks are copied from the mapped file without an intermediate buffer.
            func place(_ source: UnsafeRawBufferPointer) {
                for y in 0..<copyHeight where window.contains(y0 + y) {
                    let row = UnsafeMutableRawBufferPointer(start: target + targetOffset(y), count: copyBytes)
                    let from = y * rowBytes
                    let available = max(0, min(copyBytes, source.count - from))
                    if available > 0, let base = source.baseAddress {
                        row.baseAddress!.copyMemory(from: base + from, byteCount: available)
                    }
                    if available < copyBytes { UnsafeMutableRawBufferPointer(rebasing: row[available...]).initializeMemory(as: UInt8.self, repeating: 0) }
                    if !littleEndian { ByteSwap.swapInPlace(row, itemSize: itemSize) }
                    if predictor == 2 { Self.undoDifferencing(row, itemSize: itemSize, perPixel: perPixel) }
                }
            }
            if compression == 1 {
                if whole, chunkWidth == width, predictor == 1, littleEndian || itemSize == 1, copyHeight * rowBytes >= 1 << 20 {
                    // Large uncompressed strips of whole rows: read from the file straight into the
                    // array (one copy from the page cache), target pages allocated in one call.
                    let region = UnsafeMutableRawBufferPointer(start: target + targetOffset(0), count: copyHeight * rowBytes)
                    PagePopulation.prepareForWriting(region)
                    if let source, length >= region.count, source.read(into: region, from: start) { return }
                    PagePopulation.prepareForReading(UnsafeRawBufferPointer(rebasing: raw.prefix(region.count)))
                }
                place(raw)
            } else if whole, chunkWidth == width, [8, 32946, 50000].contains(compression),
                let produced = try TIFFCodecs.decompress(
                    raw, compression: compression,
                    into: UnsafeMutableRawBufferPointer(start: target + targetOffset(0), count: copyHeight * rowBytes))
            {
                // Full-width rows decompressed straight into the image; then fixed up in place.
                let region = UnsafeMutableRawBufferPointer(start: target + targetOffset(0), count: copyHeight * rowBytes)
                if produced < region.count { UnsafeMutableRawBufferPointer(rebasing: region[produced...]).initializeMemory(as: UInt8.self, repeating: 0) }
                guard !littleEndian || predictor == 2 else { return }
                for y in 0..<copyHeight {
                    let row = UnsafeMutableRawBufferPointer(rebasing: region[(y * rowBytes)..<((y + 1) * rowBytes)])
                    if !littleEndian { ByteSwap.swapInPlace(row, itemSize: itemSize) }
                    if predictor == 2 { Self.undoDifferencing(row, itemSize: itemSize, perPixel: perPixel) }
                }
            } else {
                try decompress(raw, chunkBytes: chunkBytes, rowBytes: rowBytes, perPixel: perPixel).withUnsafeBytes(place)
            }
            return
        }
        var data = try compression == 1 ? Array(raw.prefix(chunkBytes)) : decompress(raw, chunkBytes: chunkBytes, rowBytes: rowBytes, perPixel: perPixel)
        if data.count < chunkBytes { data += [UInt8](repeating: 0, count: chunkBytes - data.count) }
        let values = unpack(data, rowBytes: rowBytes, chunkWidth: chunkWidth, chunkHeight: chunkHeight,
                            perPixel: perPixel, littleEndian: littleEndian)
        values.withUnsafeBytes { source in
            for y in 0..<copyHeight where window.contains(y0 + y) {
                (target + targetOffset(y)).copyMemory(from: source.baseAddress! + y * chunkWidth * perPixel * itemSize, byteCount: copyBytes)
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

    /// The chunk's samples as native-order values of the page's dtype (chunkHeight × chunkWidth × perPixel).
    private func unpack(
        _ data: [UInt8], rowBytes: Int, chunkWidth: Int, chunkHeight: Int, perPixel: Int, littleEndian: Bool
    ) -> [UInt8] {
        let count = chunkWidth * chunkHeight * perPixel
        let itemSize = dtype.itemSize
        var result = [UInt8](repeating: 0, count: count * itemSize)
        let rowSamples = chunkWidth * perPixel
        if predictor == 3 {
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
        // Bit-packed samples, most significant bit first, each row starting on a byte.
        for y in 0..<chunkHeight {
            var bitPosition = y * rowBytes * 8
            for sample in 0..<rowSamples {
                var value: UInt64 = 0
                for _ in 0..<bits {
                    let byte = data[bitPosition >> 3]
                    value = value << 1 | UInt64((byte >> (7 - UInt8(bitPosition & 7))) & 1)
                    bitPosition += 1
                }
                let at = (y * rowSamples + sample) * itemSize
                for byte in 0..<itemSize { result[at + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
            }
        }
        return result
    }
}
