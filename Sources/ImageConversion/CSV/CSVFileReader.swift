#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory, refusing one larger than a limit before reading it.
enum CSVFileReader {
    /// The bytes of the file at `path`, which may have at most `maximumSize` bytes.
    ///
    /// The size is checked with `fstat` on the opened file, before any byte is read; reading then
    /// stops once past `maximumSize`, so a file that grows meanwhile, or a pipe, cannot exceed it.
    static func contents(ofFile path: String, maximumSize: Int) throws(CSVError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, systemError()) }
        defer { _ = close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw unreadable(path, systemError()) }
        if info.st_mode & S_IFMT == S_IFDIR { throw unreadable(path, "it is a directory") }
        let size = Int(info.st_size)
        if size > maximumSize {
            throw CSVError(.fileTooLarge(size: size, limit: maximumSize), file: path, line: nil)
        }
        // One byte more than announced, so that the read that finds the end is not mistaken for a
        // full buffer; growing files and pipes make the buffer double, up to the limit.
        let limit = maximumSize < Int.max ? maximumSize + 1 : maximumSize
        var bytes = [UInt8](repeating: 0, count: min(max(size, 0) + 1, limit))
        var filled = 0
        while true {
            if filled == bytes.count {
                if filled >= limit {
                    throw CSVError(.fileTooLarge(size: filled, limit: maximumSize), file: path, line: nil)
                }
                let extra = min(max(bytes.count, 1 << 16), limit - bytes.count)
                bytes.append(contentsOf: repeatElement(0, count: extra))
            }
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                while true {
                    let count = read(descriptor, base + filled, buffer.count - filled)
                    if count >= 0 || errno != EINTR { return count }
                }
            }
            if count < 0 { throw unreadable(path, systemError()) }
            if count == 0 { break }
            filled += count
        }
        if filled > maximumSize {
            throw CSVError(.fileTooLarge(size: filled, limit: maximumSize), file: path, line: nil)
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// An error for a file that cannot be opened or read.
    private static func unreadable(_ path: String, _ reason: String) -> CSVError {
        CSVError(.unreadable(reason: reason), file: path, line: nil)
    }

    /// The C library's text for the current `errno`.
    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
