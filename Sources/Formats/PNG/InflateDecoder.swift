import CDeflate
import ImMetaIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NDArrayModule

/// A faster decoding path for the most common PNGs: non-interlaced 8- or 16-bit gray, gray+alpha,
/// RGB or RGBA without tRNS. The IDAT stream is inflated by libdeflate in one call and the rows
/// are unfiltered straight into the array. Anything else — and any file this path cannot decode —
/// goes to libspng, which then reports the error.
enum InflateDecoder {
    /// The decoded image, or `nil` when the file is not eligible or not decodable here.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, chunks: [PNGChunks.Chunk], limits: DecodeLimits, file: String
    ) throws -> NDArray? {
        guard let header = chunks.first, header.type == "IHDR", header.data.count == 13,
            !chunks.contains(where: { $0.type == "tRNS" || $0.type == "acTL" })
        else { return nil }
        let at = header.data.lowerBound
        let width = Int(PNGChunks.readUInt32(bytes, at)), height = Int(PNGChunks.readUInt32(bytes, at + 4))
        let depth = Int(bytes[at + 8]), colorType = bytes[at + 9], interlace = bytes[at + 12]
        guard interlace == 0, depth == 8 || depth == 16, width > 0, height > 0, width < 1 << 24, height < 1 << 24,
            let channels = [0: 1, 2: 3, 4: 2, 6: 4][colorType]
        else { return nil }
        // Critical chunks must have intact CRCs, as libspng requires.
        for chunk in chunks where ["IHDR", "IDAT", "IEND"].contains(chunk.type) {
            let stored = PNGChunks.readUInt32(bytes, chunk.data.upperBound)
            let crc = libdeflate_crc32(0, bytes.baseAddress.map { $0 + chunk.data.lowerBound - 4 }, chunk.data.count + 4)
            guard crc == stored else { return nil }
        }
        let shape = channels == 1 ? [height, width] : [height, width, channels]
        let dtype: DType = depth == 16 ? .uint16 : .uint8
        try limits.check(imageShape: shape, dtype: dtype, hasChannelAxis: channels > 1, file: file)
        let bytesPerPixel = channels * depth / 8
        let rowBytes = width * bytesPerPixel
        let stride = rowBytes + 1
        let filteredCount = height * stride

        // One contiguous zlib stream: the IDAT data itself when there is one chunk, else a copy.
        let idat = chunks.filter { $0.type == "IDAT" }
        guard !idat.isEmpty, let base = bytes.baseAddress else { return nil }
        var joined: [UInt8] = []
        if idat.count > 1 { for chunk in idat { joined += bytes[chunk.data] } }
        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }

        // Inflate straight into the array's storage (with room for the filter bytes), then
        // unfilter in place: row y moves down to y × rowBytes, never past bytes not yet read.
        var valid = true
        var image = NDArray(unsafeUninitializedShape: shape, dtype: dtype, scratchBytes: height) { raw in
            guard let out = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count >= filteredCount else {
                valid = false
                return
            }
            var produced = 0
            let result: libdeflate_result
            if idat.count == 1 {
                result = libdeflate_zlib_decompress(
                    decompressor, base + idat[0].data.lowerBound, idat[0].data.count, out, filteredCount, &produced)
            } else {
                result = joined.withUnsafeBytes {
                    libdeflate_zlib_decompress(decompressor, $0.baseAddress, $0.count, out, filteredCount, &produced)
                }
            }
            guard result == LIBDEFLATE_SUCCESS, produced == filteredCount else {
                valid = false
                return
            }
            for y in 0..<height {
                let row = out + y * rowBytes
                let previous: UnsafeMutablePointer<UInt8>? = y > 0 ? row - rowBytes : nil
                let source = out + y * stride
                if !unfilter(source[0], source + 1, into: row, previous: previous, count: rowBytes, bpp: bytesPerPixel) {
                    valid = false  // an unknown filter type: libspng will report it
                    return
                }
            }
        }
        guard valid else { return nil }
        if depth == 16 { image.withUnsafeMutableBytes { ByteSwap.swapInPlace($0, itemSize: 2) } }
        return image
    }

    /// Reverses one row's filter; false for an unknown filter type. `out` may lie below `source`
    /// in the same buffer: every byte is read before a write can reach it.
    @inline(__always)
    private static func unfilter(
        _ type: UInt8, _ source: UnsafeMutablePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
        previous: UnsafeMutablePointer<UInt8>?, count n: Int, bpp: Int
    ) -> Bool {
        switch type {
        case 0:
            memmove(out, source, n)  // the regions overlap when unfiltering in place
        case 1:
            for i in 0..<min(bpp, n) { out[i] = source[i] }
            if n > bpp { for i in bpp..<n { out[i] = source[i] &+ out[i - bpp] } }
        case 2:
            guard let previous else {
                memmove(out, source, n)
                return true
            }
            var i = 0
            while i + 16 <= n {
                let a = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<UInt8>.self)
                let b = UnsafeRawPointer(previous + i).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: a &+ b, as: SIMD16<UInt8>.self)
                i += 16
            }
            while i < n {
                out[i] = source[i] &+ previous[i]
                i += 1
            }
        case 3:
            for i in 0..<n {
                let left = i >= bpp ? Int(out[i - bpp]) : 0
                let up = previous.map { Int($0[i]) } ?? 0
                out[i] = source[i] &+ UInt8((left + up) >> 1)
            }
        case 4:
            for i in 0..<n {
                let a = i >= bpp ? Int(out[i - bpp]) : 0
                let b = previous.map { Int($0[i]) } ?? 0
                let c = i >= bpp ? previous.map { Int($0[i - bpp]) } ?? 0 : 0
                let p = a + b - c
                let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                out[i] = source[i] &+ UInt8(pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
            }
        default:
            return false
        }
        return true
    }
}
