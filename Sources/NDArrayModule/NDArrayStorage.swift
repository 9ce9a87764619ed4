#if canImport(Glibc)
import Glibc
#endif

/// The heap buffer behind an ``NDArray``: one aligned allocation, shared between copies until one
/// of them writes (copy-on-write).
///
/// `@unchecked Sendable` is sound because the bytes are only ever mutated through an array that
/// holds the sole reference (checked with `isKnownUniquelyReferenced` before every write).
@usableFromInline
final class NDArrayStorage: @unchecked Sendable {
    /// Alignment of every buffer: enough for any element type and for SIMD loads.
    static let alignment = 64
    /// Huge-page buffers (see `init(byteCount:zeroed:extra:hugePages:)`) are placed on 2 MiB boundaries.
    static let hugePageSize = 2 << 20

    @usableFromInline let pointer: UnsafeMutableRawPointer
    @usableFromInline let byteCount: Int

    /// Allocates `byteCount` bytes (plus `extra` bytes of scratch space past the end that
    /// decoders may use); they are zeroed only when `zeroed` is true.
    ///
    /// With `hugePages`, a buffer of 8 MiB or more is placed on a 2 MiB boundary and backed by
    /// transparent huge pages where the kernel offers them on request (Linux's `madvise` mode):
    /// one page fault per 2 MiB instead of per 4 KiB. That pays when the kernel fills the buffer
    /// in large copies (a 200 MB TIFF stack read with `pread`: 71 → 18–28 ms here); buffers that
    /// several threads fill in small pieces were slower with it (a zstd Zarr read: 0.28 → 0.60 s),
    /// so it is opt-in.
    init(byteCount: Int, zeroed: Bool, extra: Int = 0, hugePages: Bool = false) {
        self.byteCount = byteCount
        // Allocate at least one byte so that empty arrays still own a valid pointer.
        let size = max(byteCount + extra, 1)
        let huge = hugePages && size >= 8 << 20
        pointer = UnsafeMutableRawPointer.allocate(
            byteCount: size, alignment: huge ? NDArrayStorage.hugePageSize : NDArrayStorage.alignment)
        #if os(Linux)
        if huge { _ = madvise(pointer, size & ~(NDArrayStorage.hugePageSize - 1), 14) }  // MADV_HUGEPAGE
        #endif
        if zeroed { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
    }

    @usableFromInline @inline(never)
    func copy() -> NDArrayStorage {
        // Copies drop any decoder scratch space.
        let new = NDArrayStorage(byteCount: byteCount, zeroed: false)
        new.pointer.copyMemory(from: pointer, byteCount: byteCount)
        return new
    }

    deinit { pointer.deallocate() }
}
