#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to set up the pages of a large buffer in one call before it is read or written
/// (`MADV_POPULATE_READ`/`_WRITE`, Linux 5.14+): one call instead of a page fault per 4 KiB, which
/// is a large part of copying hundreds of megabytes. Elsewhere, and on older kernels, it does
/// nothing.
public enum PagePopulation {
    /// Buffers smaller than this are left to ordinary page faults.
    static let threshold = 1 << 20

    /// Maps the pages of `buffer` (part of a file mapping) ahead of reading them.
    public static func prepareForReading(_ buffer: UnsafeRawBufferPointer) {
        advise(UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count, 22)
    }

    /// Allocates the pages of `buffer` (fresh anonymous memory) ahead of writing them.
    public static func prepareForWriting(_ buffer: UnsafeMutableRawBufferPointer) {
        advise(buffer.baseAddress, buffer.count, 23)
    }

    private static func advise(_ base: UnsafeMutableRawPointer?, _ count: Int, _ advice: Int32) {
        #if os(Linux)
        guard let base, count >= threshold else { return }
        // Whole pages inside the buffer only: the advice applies to page-aligned ranges.
        let page = 4096
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: base) + count) & ~(page - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, advice)
        #endif
    }
}
