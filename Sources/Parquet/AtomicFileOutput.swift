#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written under a temporary name in its destination folder and renamed into place,
/// so that a crash or failure never leaves a truncated file at the destination.
final class AtomicFileOutput {
    private let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw ParquetError.argument("'\(path)' is not a file path") }
        var attempt = 0
        while true {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let candidate = (folder.isEmpty ? "" : folder + "/") + "." + name + ".tmp-" + suffix
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 {
                temporaryPath = candidate
                descriptor = fd
                return
            }
            attempt += 1
            guard errno == EEXIST, attempt < 16 else { throw Self.error("cannot create a temporary file next to '\(path)'") }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Self.error("cannot write '\(temporaryPath)'")
                }
                offset += written
            }
        }
    }

    /// Flushes the data to disk, renames it over the destination and flushes the folder entry.
    func commit() throws {
        guard fsync(descriptor) == 0 else { throw Self.error("cannot flush '\(temporaryPath)'") }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw Self.error("cannot close '\(temporaryPath)'")
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw Self.error("cannot rename '\(temporaryPath)' to '\(path)'") }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let folderDescriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            _ = close(folderDescriptor)
        }
    }

    /// Removes the temporary file; the destination is left as it was.
    func discard() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
            _ = unlink(temporaryPath)
        }
    }

    deinit { discard() }

    static func error(_ message: String) -> ParquetError {
        ParquetError(.io, "\(message): \(String(cString: strerror(errno)))")
    }
}

/// Reads a whole file into memory.
func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw AtomicFileOutput.error("cannot open '\(path)'") }
    defer { _ = close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw AtomicFileOutput.error("cannot stat '\(path)'") }
    let size = Int(info.st_size)
    guard size >= 0 else { throw ParquetError(.io, "'\(path)' has a negative size") }
    return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        initialized = 0
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < size {
            let got = read(fd, base + offset, size - offset)
            if got < 0 {
                if errno == EINTR { continue }
                throw AtomicFileOutput.error("cannot read '\(path)'")
            }
            if got == 0 { break }
            offset += got
        }
        initialized = offset
    }
}

/// `write(2)`, named apart from the method that calls it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
