import CZstd
import ImMetaIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One decoding slot's reusable memory: a buffer that grows to the largest tile it has held and a
/// Zstandard context. A read reuses its slots batch after batch, so tiles are not decoded into
/// fresh memory (whose page faults cost more than the decompression) and no zstd window is
/// allocated per tile. A slot is used by one thread at a time.
final class CZIScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer?
    /// The slot's Zstandard context, created on first use.
    private(set) lazy var context: OpaquePointer? = ZSTD_createDCtx()

    /// At least `count` bytes (contents undefined), valid until the next call.
    func buffer(_ count: Int, source: CZISource) throws(ImMetaIOError) -> UnsafeMutableRawBufferPointer {
        if let storage, storage.count >= count { return UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]) }
        storage?.deallocate()
        storage = nil
        // Large buffers on 2 MiB boundaries, backed by huge pages where the kernel offers them.
        let huge = 2 << 20
        let size = max(count, 1)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: size >= 8 << 20 ? huge : 64)
        #if os(Linux)
        if size >= 8 << 20, let base = buffer.baseAddress { _ = madvise(base, size & ~(huge - 1), 14) }  // MADV_HUGEPAGE
        #endif
        storage = buffer
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
    }

    deinit {
        storage?.deallocate()
        if let context { ZSTD_freeDCtx(context) }
    }
}
