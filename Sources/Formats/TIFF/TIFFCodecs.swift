import CDeflate
import JPEGFormat
import CShims
import CWebP
import CZstd

/// The decompressors and predictors of baseline TIFF, in Swift (libdeflate for Deflate).
enum TIFFCodecs {
    /// TIFF's LZW (MSB-first codes, early change), into exactly `count` bytes when possible.
    static func lzw(_ input: UnsafeRawBufferPointer, count: Int) throws(TIFFError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var prefix = [Int](repeating: -1, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var first = [UInt8](repeating: 0, count: 4096)
        var length = [Int](repeating: 0, count: 4096)
        for code in 0..<256 {
            suffix[code] = UInt8(code)
            first[code] = UInt8(code)
            length[code] = 1
        }
        var next = 258, width = 9, previous = -1
        var bitBuffer: UInt32 = 0, bitCount = 0, position = 0
        var scratch = [UInt8](repeating: 0, count: 4096)
        while output.count < count {
            while bitCount < width {
                guard position < input.count else { return output }
                bitBuffer = bitBuffer << 8 | UInt32(input[position])
                position += 1
                bitCount += 8
            }
            let code = Int((bitBuffer >> UInt32(bitCount - width)) & ((1 << UInt32(width)) - 1))
            bitCount -= width
            if code == 256 {
                next = 258
                width = 9
                previous = -1
                continue
            }
            if code == 257 { break }
            var emit = code
            if code >= next {
                guard code == next, previous >= 0 else { throw .corrupt("invalid LZW code \(code)") }
                emit = previous
            } else if code > 255, length[code] == 0 {
                throw .corrupt("invalid LZW code \(code)")
            }
            // Spell the entry backwards into scratch, then append.
            var entry = emit, n = length[emit]
            guard n > 0, n <= 4096 else { throw .corrupt("invalid LZW code \(code)") }
            for index in stride(from: n - 1, through: 0, by: -1) {
                scratch[index] = suffix[entry]
                entry = prefix[entry]
            }
            output.append(contentsOf: scratch[0..<n])
            if code >= next { output.append(first[previous]) }
            if previous >= 0, next < 4096 {
                prefix[next] = previous
                suffix[next] = first[code >= next ? previous : code]
                first[next] = first[previous]
                length[next] = length[previous] + 1
                next += 1
            }
            previous = code
            if next + 1 >= (1 << width), width < 12 { width += 1 }
        }
        return output
    }

    /// PackBits run-length decoding.
    static func packBits(_ input: UnsafeRawBufferPointer, count: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var i = 0
        while i < input.count, output.count < count {
            let header = Int(Int8(bitPattern: input[i]))
            i += 1
            if header >= 0 {
                let n = min(header + 1, input.count - i)
                output.append(contentsOf: input[i..<(i + n)])
                i += n
            } else if header != -128, i < input.count {
                output.append(contentsOf: repeatElement(input[i], count: 1 - header))
                i += 1
            }
        }
        return output
    }

    /// Zstandard (TIFF compression 50000) into at most `count` bytes.
    static func zstd(_ input: UnsafeRawBufferPointer, count: Int) throws(TIFFError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        let produced = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
        }
        guard ZSTD_isError(produced) == 0 else { throw .corrupt("damaged Zstandard data") }
        if produced < count { output.removeLast(count - produced) }
        return output
    }

    /// WebP (TIFF compression 50001): an RGB or RGBA tile or strip, `samples` channels.
    static func webp(_ input: UnsafeRawBufferPointer, count: Int, samples: Int, rowBytes: Int) throws(TIFFError) -> [UInt8] {
        guard samples == 3 || samples == 4 else { throw .unsupported("WebP with \(samples) samples") }
        var output = [UInt8](repeating: 0, count: count)
        let decoded = output.withUnsafeMutableBytes { out -> Bool in
            let source = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let target = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let result = samples == 4
                ? WebPDecodeRGBAInto(source, input.count, target, out.count, Int32(rowBytes))
                : WebPDecodeRGBInto(source, input.count, target, out.count, Int32(rowBytes))
            return result != nil
        }
        guard decoded else { throw .corrupt("damaged WebP data") }
        return output
    }

    /// A strip or tile's JPEG stream: its abbreviated stream joined to the JPEGTables stream
    /// (the tables without their EOI, the data without its SOI), or the data alone.
    static func jpegStream(_ input: UnsafeRawBufferPointer, tables: [UInt8]?) -> [UInt8] {
        guard let tables, tables.count > 4, input.count > 2 else { return Array(input) }
        return Array(tables.dropLast(2)) + Array(input[2...])
    }

    /// JPEG (TIFF compression 7): the chunk's abbreviated stream joined to the JPEGTables
    /// stream, decoded by libjpeg into `count` bytes of 8-bit samples (`rowBytes` per row).
    static func jpeg(
        _ input: UnsafeRawBufferPointer, tables: [UInt8]?, photometric: Int, samples: Int, count: Int, rowBytes: Int
    ) throws(TIFFError) -> [UInt8] {
        let stream = jpegStream(input, tables: tables)
        // The precision comes from the frame header before libjpeg sees the data: Debian's
        // libjpeg-turbo would only fail on 12-bit data with a generic message.
        if let precision = stream.withUnsafeBytes({ JPEGMarkers($0).precision }), precision != 8 {
            throw .refused(JPEGPrecision.refusal(precision: precision))
        }
        // libjpeg's colour spaces: 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK.
        let (jpegSpace, outSpace): (Int32, Int32) = switch (photometric, samples) {
        case (_, 1): (0, 1)
        case (6, _): (3, 2)
        case (5, 4): (4, 4)
        case (_, 3): (2, 2)
        default: throw .unsupported("JPEG with \(samples) samples and photometric \(photometric)")
        }
        var header = immetaio_jpeg_header()
        var message = [CChar](repeating: 0, count: 256)
        let headerStatus = stream.withUnsafeBufferPointer { data in
            immetaio_jpeg_read_header(data.baseAddress, data.count, &header, &message, message.count)
        }
        guard headerStatus == 0, header.num_components == Int32(samples), header.precision == 8,
            header.width > 0, header.height > 0
        else { throw .corrupt("invalid JPEG data in a strip or tile") }
        let width = Int(header.width), height = Int(header.height)
        // The stream's own size must not outgrow the chunk it fills (a damaged header could claim
        // 65535×65535): allow MCU padding and a last strip coded at full height, nothing more.
        guard width * height * samples <= 4 * count + 65536 else {
            throw .corrupt("JPEG data of \(width)×\(height) in a smaller strip or tile")
        }
        var decoded = [UInt8](repeating: 0, count: width * height * samples)
        var warnings: Int32 = 0
        let status = stream.withUnsafeBufferPointer { data in
            decoded.withUnsafeMutableBufferPointer { out in
                immetaio_jpeg_decode_as(
                    data.baseAddress, data.count, jpegSpace, outSpace, out.baseAddress, out.count, &warnings, &message,
                    message.count)
            }
        }
        guard status == 0 else { throw .corrupt("damaged JPEG data in a strip or tile") }
        // Place the decoded rows into the chunk's row layout (the last strip may be shorter).
        var output = [UInt8](repeating: 0, count: count)
        let copyBytes = min(rowBytes, width * samples)
        for row in 0..<min(height, count / max(rowBytes, 1)) {
            let from = row * width * samples, to = row * rowBytes
            output.replaceSubrange(to..<(to + copyBytes), with: decoded[from..<(from + copyBytes)])
        }
        return output
    }

    /// Decompresses Deflate or Zstandard data straight into `target` (exactly its size), for
    /// chunks whose rows are laid out as in the image. Returns the bytes produced, or `nil` when
    /// the stream holds more than fits (a padded last strip): the caller then decodes through a
    /// buffer.
    static func decompress(
        _ input: UnsafeRawBufferPointer, compression: Int, into target: UnsafeMutableRawBufferPointer
    ) throws(TIFFError) -> Int? {
        if compression == 50000 {
            let produced = ZSTD_decompress(target.baseAddress, target.count, input.baseAddress, input.count)
            // Any failure (the frame may simply be larger than the target) retries through a buffer,
            // which reports damaged data.
            return ZSTD_isError(produced) != 0 ? nil : produced
        }
        guard let decompressor = libdeflate_alloc_decompressor() else { throw .corrupt("no decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        var produced = 0
        let result = libdeflate_zlib_decompress(
            decompressor, input.baseAddress, input.count, target.baseAddress, target.count, &produced)
        if result == LIBDEFLATE_INSUFFICIENT_SPACE { return nil }
        guard result == LIBDEFLATE_SUCCESS else { throw .corrupt("damaged Deflate data") }
        return produced
    }

    /// zlib/Deflate (TIFF compression 8 and 32946) into at most `count` bytes.
    static func deflate(_ input: UnsafeRawBufferPointer, count: Int) throws(TIFFError) -> [UInt8] {
        guard let decompressor = libdeflate_alloc_decompressor() else { throw .corrupt("no decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        var output = [UInt8](repeating: 0, count: count)
        var produced = 0
        let result = output.withUnsafeMutableBytes { out in
            libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, out.baseAddress, out.count, &produced)
        }
        // A chunk may hold more than its share of rows (padding), or be short; keep what fits.
        guard result == LIBDEFLATE_SUCCESS || result == LIBDEFLATE_INSUFFICIENT_SPACE else {
            throw .corrupt("damaged Deflate data")
        }
        if result == LIBDEFLATE_SUCCESS, produced < count { output.removeLast(count - produced) }
        return output
    }
}
