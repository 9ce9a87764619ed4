import Foundation

/// What pixel reads of a CZI file have fetched so far: how many subblocks and how many bytes of
/// the file (subblock headers and the part of their data that was used).
///
/// Opening the file (header, directory, metadata) is not counted. Benchmarks and tests use this to
/// check that a window of a mosaic touches only the tiles it overlaps.
public struct CZIReadStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Subblocks whose data was read.
    public var subblocksRead: Int
    /// Bytes of the file read for them: subblock headers plus the compressed data, or of
    /// uncompressed data the rows a window needed.
    public var bytesRead: Int

    /// Creates statistics.
    public init(subblocksRead: Int = 0, bytesRead: Int = 0) {
        self.subblocksRead = subblocksRead
        self.bytesRead = bytesRead
    }

    /// `3 subblocks, 12345 bytes`.
    public var description: String { "\(subblocksRead) subblock\(subblocksRead == 1 ? "" : "s"), \(bytesRead) bytes" }
}

/// The running totals behind ``CZIReadStatistics``, shared by the images of one file and updated
/// from the decoding threads. `@unchecked Sendable`: every access holds the lock.
final class CZIReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var totals = CZIReadStatistics()

    func record(subblocks: Int, bytes: Int) {
        lock.withLock {
            totals.subblocksRead += subblocks
            totals.bytesRead += bytes
        }
    }

    var snapshot: CZIReadStatistics { lock.withLock { totals } }

    func reset() { lock.withLock { totals = CZIReadStatistics() } }
}
