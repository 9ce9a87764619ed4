import CDeflate
import CZstd

/// Compresses strips and tiles for the writer. One compressor per worker thread: the libdeflate
/// and Zstandard contexts it holds are reused across chunks but never shared.
final class TIFFCompressor {
    private let compression: TIFFWriteOptions.Compression
    private let level: Int
    private var deflater: OpaquePointer?
    private var zstdContext: OpaquePointer?

    init(_ compression: TIFFWriteOptions.Compression, level: Int) {
        self.compression = compression
        self.level = level
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
