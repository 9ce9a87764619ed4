import CDeflate
import CSnappy
import CZstd

/// Page compression and decompression for the codecs Parquet files use.
///
/// Decompression trusts nothing: the output size comes from the page header, is capped by the
/// caller, and is cross-checked against what the compressed stream itself declares before any
/// buffer is allocated, so a damaged page cannot make us allocate or write past what it claims.
enum PageCompression {
    static func codec(of compression: ParquetCompression) -> Int32 {
        switch compression {
        case .none: return CompressionCodec.uncompressed
        case .snappy: return CompressionCodec.snappy
        case .zstd: return CompressionCodec.zstd
        case .gzip: return CompressionCodec.gzip
        }
    }

    static func compress(_ input: [UInt8], _ compression: ParquetCompression) throws -> [UInt8] {
        switch compression {
        case .none:
            return input
        case .snappy:
            let capacity = snappy_max_compressed_length(input.count)
            return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var length = capacity
                let status = input.withUnsafeBufferPointer { source in
                    source.withMemoryRebound(to: CChar.self) { src in
                        buffer.withMemoryRebound(to: CChar.self) { dst in
                            snappy_compress(src.baseAddress, source.count, dst.baseAddress, &length)
                        }
                    }
                }
                guard status == SNAPPY_OK else { throw ParquetError(.io, "snappy compression failed") }
                initialized = length
            }
        case .zstd(let level):
            let capacity = ZSTD_compressBound(input.count)
            return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                let result = input.withUnsafeBytes { source in
                    ZSTD_compress(buffer.baseAddress, capacity, source.baseAddress, source.count, Int32(clamping: level))
                }
                guard ZSTD_isError(result) == 0 else { throw ParquetError(.io, "zstd compression failed") }
                initialized = result
            }
        case .gzip(let level):
            guard let compressor = libdeflate_alloc_compressor(Int32(clamping: min(max(level, 1), 12))) else {
                throw ParquetError(.io, "cannot allocate a gzip compressor")
            }
            defer { libdeflate_free_compressor(compressor) }
            let capacity = libdeflate_gzip_compress_bound(compressor, input.count)
            return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                let written = input.withUnsafeBytes { source in
                    libdeflate_gzip_compress(compressor, source.baseAddress, source.count, buffer.baseAddress, capacity)
                }
                guard written > 0 else { throw ParquetError(.io, "gzip compression failed") }
                initialized = written
            }
        }
    }

    /// Decompresses `bytes[range]` into exactly `size` bytes.
    static func decompress(_ bytes: [UInt8], range: Range<Int>, codec: Int32, size: Int) throws -> [UInt8] {
        guard size >= 0, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw ParquetError.invalid("page outside its column chunk")
        }
        switch codec {
        case CompressionCodec.uncompressed:
            guard range.count == size else { throw ParquetError.invalid("uncompressed page size mismatch") }
            return Array(bytes[range])
        case CompressionCodec.snappy:
            return try bytes.withUnsafeBufferPointer { all in
                let source = UnsafeBufferPointer(rebasing: all[range])
                return try source.withMemoryRebound(to: CChar.self) { src in
                    var declared = 0
                    guard snappy_uncompressed_length(src.baseAddress, src.count, &declared) == SNAPPY_OK, declared == size else {
                        throw ParquetError.invalid("snappy page does not match its declared size")
                    }
                    return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                        var length = size
                        let status = buffer.withMemoryRebound(to: CChar.self) { dst in
                            snappy_uncompress(src.baseAddress, src.count, dst.baseAddress, &length)
                        }
                        guard status == SNAPPY_OK, length == size else { throw ParquetError.invalid("corrupt snappy page") }
                        initialized = length
                    }
                }
            }
        case CompressionCodec.zstd:
            return try bytes.withUnsafeBufferPointer { all in
                let source = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[range]))
                let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
                let unknown = UInt64.max, error = UInt64.max - 1
                guard declared != error, declared == unknown || declared <= UInt64(size) else {
                    throw ParquetError.invalid("zstd page does not match its declared size")
                }
                return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                    let result = ZSTD_decompress(buffer.baseAddress, size, source.baseAddress, source.count)
                    guard ZSTD_isError(result) == 0, result == size else { throw ParquetError.invalid("corrupt zstd page") }
                    initialized = result
                }
            }
        case CompressionCodec.gzip:
            return try gunzip(bytes, range: range, size: size)
        case CompressionCodec.lz4Raw:
            return try LZ4Block.decompress(bytes, range: range, size: size)
        case CompressionCodec.lz4:
            // Hadoop's framing (big-endian sizes before each block) as Arrow writes it, else a raw block.
            if let framed = try? LZ4Block.decompressHadoop(bytes, range: range, size: size) { return framed }
            return try LZ4Block.decompress(bytes, range: range, size: size)
        case CompressionCodec.brotli: throw ParquetError.unsupported("Brotli compression")
        case CompressionCodec.lzo: throw ParquetError.unsupported("LZO compression")
        default: throw ParquetError.unsupported("compression codec \(codec)")
        }
    }

    /// Gzip, possibly several concatenated members, into exactly `size` bytes.
    private static func gunzip(_ bytes: [UInt8], range: Range<Int>, size: Int) throws -> [UInt8] {
        guard let decompressor = libdeflate_alloc_decompressor() else { throw ParquetError(.io, "cannot allocate a gzip decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        return try bytes.withUnsafeBufferPointer { all in
            try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                var inPosition = range.lowerBound
                var outPosition = 0
                while inPosition < range.upperBound {
                    var consumed = 0
                    var produced = 0
                    let source = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[inPosition..<range.upperBound]))
                    let result = libdeflate_gzip_decompress_ex(
                        decompressor, source.baseAddress, source.count,
                        buffer.baseAddress.map { $0 + outPosition }, size - outPosition, &consumed, &produced)
                    guard result == LIBDEFLATE_SUCCESS, consumed > 0 else { throw ParquetError.invalid("corrupt gzip page") }
                    inPosition += consumed
                    outPosition += produced
                }
                guard outPosition == size else { throw ParquetError.invalid("gzip page does not match its declared size") }
                initialized = outPosition
            }
        }
    }
}
