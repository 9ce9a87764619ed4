#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an opened source: a read-only memory map of a file, a small file read into
/// memory, or an in-memory array.
///
/// Mapping lets decoders read straight from the page cache without a copy, and lets multi-image
/// formats touch only the pages of the frames they decode. A mapped file stays open for
/// positioned reads of large blocks (``read(into:from:)``). `@unchecked Sendable`: the bytes are
/// never mutated after creation, and positioned reads of one descriptor are safe from any thread.
public final class ResourceBytes: @unchecked Sendable {
    private let base: UnsafeRawPointer?
    /// Number of bytes.
    public let count: Int
    private let mapped: Bool
    /// The open file behind a mapping (-1 for memory), for positioned reads.
    private let descriptor: Int32

    /// Copies an array into storage whose address stays fixed for the object's lifetime (C
    /// decoders keep pointers into it).
    public init(_ bytes: [UInt8]) {
        count = bytes.count
        mapped = false
        descriptor = -1
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let source = $0.baseAddress { storage.copyMemory(from: source, byteCount: $0.count) } }
        base = UnsafeRawPointer(storage)
    }

    /// Files below this size are read rather than mapped.
    static let smallFileSize = 1 << 20

    /// Maps a file read-only (reads it, when small). A URL path (`s3://bucket/key`) is fetched
    /// whole through its scheme's ``RemoteResourceHandler``.
    /// - Throws: ``ImMetaIOError`` with `missingFile`, `io`, or `unsupportedFeature` for a URL
    ///   scheme no module registered.
    public convenience init(mapping path: String) throws(ImMetaIOError) {
        if let remote = try RemoteResources.handler(for: path) {
            do {
                self.init(try remote.read(path))
            } catch let error as ImMetaIOError {
                throw error
            } catch {
                throw ImMetaIOError(.io, "cannot read: \(error)", file: path)
            }
            return
        }
        try self.init(mappingLocal: path)
    }

    private init(mappingLocal path: String) throws(ImMetaIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.openError(path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw ImMetaIOError(.io, "cannot stat: \(Self.describe(code))", file: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ImMetaIOError(.invalidArgument, "not a regular file", file: path)
        }
        let size = Int(info.st_size)
        count = size
        if size == 0 {
            close(fd)
            base = nil
            mapped = false
            descriptor = -1
            return
        }
        if size < Self.smallFileSize {
            // A small file is read into memory: mapping it costs a map, a fault per page and an
            // unmap (with a TLB flush on every core running a thread of ours), far more than the
            // copy; a bulk conversion opens thousands of such files a second.
            let storage = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            guard Self.readFully(fd, into: storage, count: size, from: 0) else {
                let code = errno == 0 ? EIO : errno
                storage.deallocate()
                close(fd)
                throw ImMetaIOError(.io, "short read: \(Self.describe(code))", file: path)
            }
            close(fd)
            base = UnsafeRawPointer(storage)
            mapped = false
            descriptor = -1
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            let code = errno
            close(fd)
            throw ImMetaIOError(.io, "cannot map file: \(Self.describe(code))", file: path)
        }
        base = UnsafeRawPointer(address)
        mapped = true
        descriptor = fd
    }

    /// Copies `target.count` bytes from `offset` into `target` with positioned reads of the file
    /// (one copy out of the page cache, without faulting the mapping in), for large contiguous
    /// blocks such as uncompressed image data. Returns `false` for in-memory bytes or when the
    /// range is not all there; the caller then copies from ``stableBytes``.
    public func read(into target: UnsafeMutableRawBufferPointer, from offset: Int) -> Bool {
        guard descriptor >= 0, offset >= 0, offset <= count - target.count, let destination = target.baseAddress else { return false }
        return Self.readFully(descriptor, into: destination, count: target.count, from: offset)
    }

    /// `count` bytes of the file from `offset` with positioned reads (retrying interrupted and
    /// short ones); false at the end of the file or on an error (errno set by the failing call).
    private static func readFully(_ descriptor: Int32, into destination: UnsafeMutableRawPointer, count: Int, from offset: Int) -> Bool {
        var done = 0
        errno = 0
        while done < count {
            let n = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// Calls `body` with the bytes.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The bytes, valid as long as this object lives: for C libraries that read from memory
    /// through callbacks after the call that handed them the address has returned.
    public var stableBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Up to `length` bytes from the start (for sniffing), copied.
    public func prefix(_ length: Int) -> [UInt8] {
        withUnsafeBytes { Array($0.prefix(length)) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if mapped, let base {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else if let base {
            base.deallocate()
        }
    }

    static func openError(path: String, errno code: Int32) -> ImMetaIOError {
        if code == ENOENT || code == ENOTDIR {
            return ImMetaIOError(.missingFile, "no such file", file: path)
        }
        return ImMetaIOError(.io, "cannot open: \(describe(code))", file: path)
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
