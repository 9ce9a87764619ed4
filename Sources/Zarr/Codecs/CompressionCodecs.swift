import CBlosc
import Foundation
import CDeflate
import CZstd
import ImMetaIOCore

/// Largest chunk a decompressor will produce when nothing bounds it better (1 GiB).
let maximumDecodedChunk = 1 << 30

/// `gzip` through libdeflate (one gzip member, as zarr-python writes).
struct GzipCodec: BytesToBytesCodec {
    let level: Int

    init(_ configuration: JSONObject) throws(ImMetaIOError) {
        level = configuration["level"]?.intValue ?? 5
        guard (0...9).contains(level) else { throw corrupt("gzip level must be 0…9, not \(level)") }
    }

    func encode(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        // libdeflate's levels 1…12; zlib's 0 (store) maps to libdeflate's 0.
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else { throw corrupt("cannot allocate a gzip compressor") }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, bytes.count)
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, count in
            count = libdeflate_gzip_compress(compressor, bytes.baseAddress, bytes.count, out.baseAddress, out.count)
        }
        guard !output.isEmpty else { throw corrupt("gzip compression failed") }
        return output
    }

    func decode(_ bytes: UnsafeRawBufferPointer, expectedSize: Int?) throws -> [UInt8] {
        guard bytes.count >= 18 else { throw corrupt("gzip data too short") }
        // The trailer's ISIZE is the size modulo 2^32; it must agree with what the array expects.
        let isize = Int(bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self).littleEndian)
        let size = expectedSize ?? isize
        guard size <= maximumDecodedChunk, expectedSize == nil || isize == size & 0xFFFF_FFFF else {
            throw corrupt("gzip data decodes to \(isize) bytes, expected \(expectedSize ?? -1)")
        }
        guard let decompressor = libdeflate_alloc_decompressor() else { throw corrupt("cannot allocate a gzip decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        var status = LIBDEFLATE_SUCCESS
        let output = [UInt8](unsafeUninitializedCapacity: size) { out, count in
            var produced = 0
            status = libdeflate_gzip_decompress(decompressor, bytes.baseAddress, bytes.count, out.baseAddress, out.count, &produced)
            count = status == LIBDEFLATE_SUCCESS ? produced : 0
        }
        guard status == LIBDEFLATE_SUCCESS else { throw corrupt("damaged gzip data") }
        return output
    }

    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool {
        guard let decompressor = libdeflate_alloc_decompressor() else { throw corrupt("cannot allocate a gzip decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        var produced = 0
        let status = libdeflate_gzip_decompress(decompressor, bytes.baseAddress, bytes.count, target.baseAddress, target.count, &produced)
        guard status == LIBDEFLATE_SUCCESS, produced == target.count else { throw corrupt("damaged gzip data") }
        return true
    }

    func fixedSize(_ size: Int) -> Int? { nil }
}

/// Zstandard contexts kept for reuse: a context holds megabytes of tables, and creating one per
/// chunk costs more than compressing a small chunk. `@unchecked Sendable`: the lists are only
/// touched under the lock, and each context is used by one thread at a time.
final class ZstdContexts: @unchecked Sendable {
    static let shared = ZstdContexts()
    private var compressors: [OpaquePointer] = []
    private var decompressors: [OpaquePointer] = []
    private let lock = NSLock()

    func withCompressor<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        guard let context = lock.withLock({ compressors.popLast() }) ?? ZSTD_createCCtx() else {
            throw corrupt("cannot allocate a Zstandard context")
        }
        defer { lock.withLock { compressors.append(context) } }
        return try body(context)
    }

    func withDecompressor<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        guard let context = lock.withLock({ decompressors.popLast() }) ?? ZSTD_createDCtx() else {
            throw corrupt("cannot allocate a Zstandard context")
        }
        defer { lock.withLock { decompressors.append(context) } }
        return try body(context)
    }
}

/// `zstd` through libzstd, with the optional content checksum.
struct ZstdCodec: BytesToBytesCodec {
    let level: Int
    let checksum: Bool

    init(_ configuration: JSONObject) throws(ImMetaIOError) {
        level = configuration["level"]?.intValue ?? 0
        checksum = configuration["checksum"]?.boolValue ?? false
        guard (-131072...22).contains(level) else { throw corrupt("zstd level must be at most 22, not \(level)") }
    }

    func encode(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        try ZstdContexts.shared.withCompressor { try encode(bytes, with: $0) }
    }

    private func encode(_ bytes: UnsafeRawBufferPointer, with context: OpaquePointer) throws -> [UInt8] {
        ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters)
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum ? 1 : 0)
        let bound = ZSTD_compressBound(bytes.count)
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, count in
            let size = ZSTD_compress2(context, out.baseAddress, out.count, bytes.baseAddress, bytes.count)
            failed = ZSTD_isError(size) != 0
            count = failed ? 0 : size
        }
        guard !failed else { throw corrupt("Zstandard compression failed") }
        return output
    }

    func decode(_ bytes: UnsafeRawBufferPointer, expectedSize: Int?) throws -> [UInt8] {
        let declared = ZSTD_getFrameContentSize(bytes.baseAddress, bytes.count)
        let limit = expectedSize ?? maximumDecodedChunk
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values.
        let known = declared < UInt64.max - 1
        guard !known || declared <= UInt64(limit) else { throw corrupt("Zstandard data decodes to \(declared) bytes, expected \(limit)") }
        let capacity = known ? Int(declared) : limit
        return try ZstdContexts.shared.withDecompressor { context in
            var failed = false
            let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                let size = ZSTD_decompressDCtx(context, out.baseAddress, out.count, bytes.baseAddress, bytes.count)
                failed = ZSTD_isError(size) != 0
                count = failed ? 0 : size
            }
            guard !failed else { throw corrupt("damaged Zstandard data") }
            return output
        }
    }

    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool {
        let size = try ZstdContexts.shared.withDecompressor {
            ZSTD_decompressDCtx($0, target.baseAddress, target.count, bytes.baseAddress, bytes.count)
        }
        guard ZSTD_isError(size) == 0, size == target.count else { throw corrupt("damaged Zstandard data") }
        return true
    }

    func fixedSize(_ size: Int) -> Int? { nil }
}

/// `blosc` through c-blosc 1 (the `_ctx` functions: no global state, safe from many threads).
struct BloscCodec: BytesToBytesCodec {
    let cname: String
    let clevel: Int
    let shuffle: Int32
    let typesize: Int
    let blocksize: Int

    static let compressors = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"]

    init(_ configuration: JSONObject, dtype itemSize: Int) throws(ImMetaIOError) {
        cname = configuration["cname"]?.stringValue ?? "zstd"
        clevel = configuration["clevel"]?.intValue ?? 5
        switch configuration["shuffle"] {
        case .string("noshuffle")?: shuffle = 0
        case .string("shuffle")?, nil: shuffle = 1
        case .string("bitshuffle")?: shuffle = 2
        case let other?: throw corrupt("blosc shuffle must be noshuffle, shuffle or bitshuffle, not \(other)")
        }
        typesize = configuration["typesize"]?.intValue ?? itemSize
        blocksize = configuration["blocksize"]?.intValue ?? 0
        guard Self.compressors.contains(cname), (0...9).contains(clevel), (1...255).contains(typesize), blocksize >= 0 else {
            throw corrupt("invalid blosc configuration \(configuration)")
        }
    }

    func encode(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        let capacity = bytes.count + Int(BLOSC_MAX_OVERHEAD)
        var status: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            status = blosc_compress_ctx(
                Int32(clevel), shuffle, typesize, bytes.count, bytes.baseAddress, out.baseAddress, out.count, cname, blocksize, 1)
            count = max(0, Int(status))
        }
        guard status > 0 else { throw corrupt("blosc compression failed (\(status))") }
        return output
    }

    func decode(_ bytes: UnsafeRawBufferPointer, expectedSize: Int?) throws -> [UInt8] {
        var size = 0
        let valid = blosc_cbuffer_validate(bytes.baseAddress, bytes.count, &size)
        guard valid == 0, size <= (expectedSize ?? maximumDecodedChunk), expectedSize == nil || size == expectedSize else {
            throw corrupt("invalid blosc data")
        }
        var status: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: size) { out, count in
            status = blosc_decompress_ctx(bytes.baseAddress, out.baseAddress, out.count, 1)
            count = max(0, Int(status))
        }
        guard status >= 0, output.count == size else { throw corrupt("damaged blosc data") }
        return output
    }

    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool {
        var size = 0
        guard blosc_cbuffer_validate(bytes.baseAddress, bytes.count, &size) == 0, size == target.count,
            blosc_decompress_ctx(bytes.baseAddress, target.baseAddress, target.count, 1) == Int32(size)
        else { throw corrupt("damaged blosc data") }
        return true
    }

    func fixedSize(_ size: Int) -> Int? { nil }
}
