import Foundation

/// Working memory for one PIZ chunk, kept between chunks.
///
/// A chunk needs a few megabytes of tables and buffers. Allocating them per chunk made the
/// allocator hand pages back to the kernel and fault them in again, zeroed, for every chunk:
/// in profiles that cost more than the compression. Each thread borrows a set from a small pool
/// (hence `@unchecked Sendable`: a set belongs to one thread between borrowing and returning).
final class PIZScratch: @unchecked Sendable {
    /// The chunk's words, plane by plane.
    private(set) var words: UnsafeMutablePointer<UInt16>
    private var wordCapacity: Int
    /// Byte buffer for the Huffman decoder's padded input.
    private(set) var bytes: UnsafeMutableRawPointer
    private var byteCapacity: Int
    let lut = UnsafeMutablePointer<UInt16>.allocate(capacity: 65_536)
    let present = UnsafeMutablePointer<UInt8>.allocate(capacity: 65_536)
    /// Four interleaved frequency tables.
    let counts = UnsafeMutablePointer<UInt32>.allocate(capacity: 4 * 65_536)
    let frequencies = UnsafeMutablePointer<UInt64>.allocate(capacity: PIZHuffman.symbolSpace)
    let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: PIZHuffman.symbolSpace)
    let codes = UnsafeMutablePointer<UInt64>.allocate(capacity: PIZHuffman.symbolSpace)

    init() {
        wordCapacity = 0
        words = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
        byteCapacity = 0
        bytes = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
    }

    deinit {
        words.deallocate()
        bytes.deallocate()
        lut.deallocate()
        present.deallocate()
        counts.deallocate()
        frequencies.deallocate()
        lengths.deallocate()
        codes.deallocate()
    }

    /// Room for `count` words (contents undefined).
    func reserveWords(_ count: Int) {
        guard count > wordCapacity else { return }
        words.deallocate()
        words = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        wordCapacity = count
    }

    /// Room for `count` bytes (contents undefined).
    func reserveBytes(_ count: Int) {
        guard count > byteCapacity else { return }
        bytes.deallocate()
        bytes = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
        byteCapacity = count
    }

    /// Whether to keep this set for later: not when one huge chunk inflated it.
    fileprivate var worthKeeping: Bool { wordCapacity <= 16 << 20 && byteCapacity <= 32 << 20 }

    /// Sets not in use. An `NSLock`, not Synchronization's `Mutex`, which needs macOS 15.
    private final class Pool: @unchecked Sendable {
        let lock = NSLock()
        var sets: [PIZScratch] = []
    }

    private static let pool = Pool()

    /// Runs `body` with a scratch set no other thread is using.
    static func withScratch<Result>(_ body: (PIZScratch) throws(PIZHuffmanDecoder.Corrupt) -> Result)
        throws(PIZHuffmanDecoder.Corrupt) -> Result
    {
        let scratch = pool.lock.withLock { pool.sets.popLast() } ?? PIZScratch()
        defer {
            if scratch.worthKeeping {
                // One set per thread that has used PIZ at once, at most eight.
                pool.lock.withLock { if pool.sets.count < 8 { pool.sets.append(scratch) } }
            }
        }
        return try body(scratch)
    }
}
