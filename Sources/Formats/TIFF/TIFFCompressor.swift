import CDeflate
import CShims
import CZstd

/// Compresses strips and tiles for the writer. One compressor per worker thread: the libdeflate
/// and Zstandard contexts it holds are reused across chunks but never shared.
final class TIFFCompressor {
    /// How JPEG chunks are coded: 1 (gray) or 3 samples, and for 3 whether they are stored as
    /// YCbCr with the given subsampling or as RGB.
    struct JPEGLayout {
        var samples: Int
        var ycbcr: Bool
        var subsampling: (horizontal: Int, vertical: Int)
    }

    private let compression: TIFFWriteOptions.Compression
    private let level: Int
    private let jpeg: JPEGLayout?
    private var deflater: OpaquePointer?
    private var zstdContext: OpaquePointer?

    /// `jpeg` describes the samples for JPEG compression (unused otherwise).
    init(_ compression: TIFFWriteOptions.Compression, level: Int, jpeg: JPEGLayout? = nil) {
        self.compression = compression
        self.level = level
        self.jpeg = jpeg
    }

    deinit {
        if let deflater { libdeflate_free_compressor(deflater) }
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
    }

    /// The compressed bytes of one chunk of `rowBytes`-byte rows.
    func compress(_ input: UnsafeRawBufferPointer, rowBytes: Int) throws(TIFFError) -> [UInt8] {
        switch compression {
        case .none: return Array(input)
        case .packbits:
            // The specification packs each row separately.
            var output: [UInt8] = []
            for start in stride(from: 0, to: input.count, by: max(rowBytes, 1)) {
                output += Self.packBits(UnsafeRawBufferPointer(rebasing: input[start..<min(start + rowBytes, input.count)]))
            }
            return output
        case .deflate:
            if deflater == nil { deflater = libdeflate_alloc_compressor(Int32(level)) }
            guard let deflater else { throw .corrupt("cannot allocate a Deflate compressor") }
            let bound = libdeflate_zlib_compress_bound(deflater, input.count)
            let output = [UInt8](unsafeUninitializedCapacity: bound) { out, count in
                count = libdeflate_zlib_compress(deflater, input.baseAddress, input.count, out.baseAddress, out.count)
            }
            guard !output.isEmpty else { throw .corrupt("Deflate compression failed") }
            return output
        case .lzw:
            return Self.lzw(input)
        case .jpeg:
            return try jpegChunk(input, rowBytes: rowBytes)
        case .zstd:
            if zstdContext == nil { zstdContext = ZSTD_createCCtx() }
            guard let zstdContext else { throw .corrupt("cannot allocate a Zstandard context") }
            let bound = ZSTD_compressBound(input.count)
            var failed = false
            let output = [UInt8](unsafeUninitializedCapacity: bound) { out, count in
                let size = ZSTD_compressCCtx(zstdContext, out.baseAddress, out.count, input.baseAddress, input.count, Int32(level))
                failed = ZSTD_isError(size) != 0
                count = failed ? 0 : size
            }
            guard !failed else { throw .corrupt("Zstandard compression failed") }
            return output
        }
    }

    /// One strip or tile as a self-contained JPEG stream (tables included: the Huffman tables are
    /// optimised per chunk, which saves more than shared JPEGTables would), at the level's quality.
    private func jpegChunk(_ input: UnsafeRawBufferPointer, rowBytes: Int) throws(TIFFError) -> [UInt8] {
        guard let jpeg, rowBytes > 0, rowBytes % jpeg.samples == 0, input.count % rowBytes == 0 else {
            throw .corrupt("JPEG compression of a chunk without its layout")
        }
        let width = rowBytes / jpeg.samples, height = input.count / rowBytes
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        // libjpeg's JCS_RGB keeps RGB samples as they are; 0 lets it choose (YCbCr, or gray).
        let colorSpace: Int32 = jpeg.samples == 3 && !jpeg.ycbcr ? 2 : 0
        let status = immetaio_jpeg_encode_as(
            input.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(width), Int32(height), Int32(jpeg.samples), colorSpace,
            Int32(level), Int32(jpeg.subsampling.horizontal), Int32(jpeg.subsampling.vertical), 0, 1, &output, &size, &message,
            message.count)
        defer { immetaio_jpeg_free(output) }
        guard Int(status) == IMMETAIO_JPEG_OK, let output else {
            throw .corrupt("JPEG encoding failed: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// TIFF's LZW, as libtiff writes it: a ClearCode first, then codes of 9 to 12 bits, most
    /// significant bit first, that grow a bit as soon as the next free code would not fit ("early
    /// change", the TIFF 6.0 rule every reader expects); a ClearCode when the table reaches 4094
    /// entries, and EOI at the end. Strings are found in an open-addressed table of (prefix code,
    /// byte) keys whose slots are invalidated by a generation count instead of being cleared.
    static func lzw(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let clearCode = 256, endCode = 257, firstFree = 258, tableFull = 4094
        let slots = 1 << 13, mask = slots - 1
        var keys = [Int32](repeating: 0, count: slots)
        var codes = [UInt16](repeating: 0, count: slots)
        var generations = [UInt32](repeating: 0, count: slots)
        var generation: UInt32 = 1
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 16)
        var bits: UInt64 = 0, bitCount = 0, width = 9
        func put(_ code: Int) {
            bits = bits << UInt64(width) | UInt64(code)
            bitCount += width
            while bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt64(bitCount)))
            }
        }
        put(clearCode)
        guard let first = input.first else {
            put(endCode)
            if bitCount > 0 { output.append(UInt8(truncatingIfNeeded: bits << UInt64(8 - bitCount))) }
            return output
        }
        var prefix = Int(first), next = firstFree
        for byte in input.dropFirst() {
            let key = Int32(prefix << 8 | Int(byte))
            var slot = Int((UInt32(bitPattern: key) &* 2_654_435_761) >> 19) & mask
            var found = -1
            while generations[slot] == generation {
                if keys[slot] == key {
                    found = Int(codes[slot])
                    break
                }
                slot = (slot + 1) & mask
            }
            if found >= 0 {
                prefix = found
                continue
            }
            put(prefix)
            generations[slot] = generation
            keys[slot] = key
            codes[slot] = UInt16(next)
            next += 1
            if next == tableFull {
                put(clearCode)
                generation += 1
                next = firstFree
                width = 9
            } else if next == 1 << width {
                width += 1
            }
            prefix = Int(byte)
        }
        put(prefix)
        // The decoder adds an entry for this last code too, and may widen before reading EOI.
        next += 1
        if next == tableFull {
            put(clearCode)
            width = 9
        } else if next == 1 << width {
            width += 1
        }
        put(endCode)
        if bitCount > 0 { output.append(UInt8(truncatingIfNeeded: bits << UInt64(8 - bitCount))) }
        return output
    }

    /// PackBits: runs of 3 or more equal bytes as a repeat, everything else as literal groups
    /// of at most 128 bytes.
    static func packBits(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 128 + 1)
        var i = 0
        var literalStart = 0
        func flushLiterals(upTo end: Int) {
            var start = literalStart
            while start < end {
                let n = min(128, end - start)
                output.append(UInt8(n - 1))
                output.append(contentsOf: input[start..<(start + n)])
                start += n
            }
        }
        while i < input.count {
            var run = 1
            while i + run < input.count, run < 128, input[i + run] == input[i] { run += 1 }
            if run >= 3 {
                flushLiterals(upTo: i)
                output.append(UInt8(bitPattern: Int8(1 - run)))
                output.append(input[i])
                i += run
                literalStart = i
            } else {
                i += run
            }
        }
        flushLiterals(upTo: input.count)
        return output
    }
}
