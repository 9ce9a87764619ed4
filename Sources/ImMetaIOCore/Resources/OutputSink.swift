import CFileShims
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a writer's encoded bytes go: a file that appears atomically, or memory.
///
/// A file sink writes to a temporary file in the destination's folder and renames it over the
/// final name only in ``commit()``, so a crash or an error never leaves a partial file under the
/// final name. Writers call `write(_:)` as bytes become ready, which keeps memory bounded.
///
/// A write killed before ``commit()`` leaves its temporary (`.NAME.immetaio-XXXXXX`) behind. The
/// first sink a process opens in a folder removes the folder's abandoned temporaries (the rule is
/// in ``LeftoverTemporaryFile``; `immetaio clean` lists and removes them on request).
///
/// The guarantee is against the process dying (a crash, a kill, an error): the final name shows
/// either the old file or the complete new one. Like the Python tools it replaces, the sink does not
/// `fsync`, so it promises nothing about power loss.
///
/// On ext4 the sink reserves disk blocks (`fallocate`, size unchanged) ahead of the bytes it writes.
/// ext4 otherwise allocates blocks only at writeback, and when a rename replaces an existing file it
/// forces that writeback synchronously (its `auto_da_alloc` heuristic): replacing a 200 MB file
/// then cost ~120 ms of I/O submission inside `rename`, three times the copy itself. With the blocks
/// reserved, writeback stays with the kernel's flusher threads, as for any new file.
public final class OutputSink {
    private enum Target {
        case file(path: String, temporaryPath: String, descriptor: Int32)
        case memory
    }

    private var target: Target
    /// For URL paths (`s3://…`): where ``commit()`` sends the collected bytes.
    private var upload: (url: String, handler: any RemoteResourceHandler)?
    private var buffer: [UInt8] = []
    private var finished = false
    /// Whether blocks are reserved ahead of writes (ext4 only; off after any `fallocate` failure).
    private var reservesBlocks = false
    /// End of the byte range reserved so far; can run ahead of ``position``.
    private var reservedEnd = 0
    /// Where a memory sink's announced bytes end (``reserve(additionalBytes:)``).
    private var announcedEnd = 0
    /// Number of bytes written so far: the offset at which the next write lands.
    public private(set) var position = 0
    /// The destination's name for messages: the path, or `<bytes>`.
    public let displayName: String

    /// A sink collecting bytes in memory; ``commit()`` returns them.
    public init() {
        target = .memory
        displayName = "<bytes>"
    }

    /// A sink that creates `path` atomically on ``commit()``.
    /// - Throws: ``ImMetaIOError/Code/io`` when the temporary file cannot be created (for
    ///   example, the folder does not exist or is not writable).
    public init(path: String) throws(ImMetaIOError) {
        displayName = path
        if let remote = try RemoteResources.handler(for: path) {
            // An object store's PUT replaces the object as one step: the bytes are collected and
            // sent at the commit, so nothing partial ever shows under the key.
            target = .memory
            upload = (path, remote)
            return
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let directory = folder.isEmpty ? "/" : folder
        LeftoverSweeper.sweepOnce(folder: directory)
        var template = Array("\(directory)/.\(name).immetaio-XXXXXX".utf8CString)
        // Locked while this sink owns it, so that cleaners can tell it from a killed write's leftover.
        let descriptor = template.withUnsafeMutableBufferPointer { immetaio_create_locked_temporary($0.baseAddress!) }
        guard descriptor >= 0 else {
            let code = errno
            throw ImMetaIOError(
                code == ENOENT ? .missingFile : .io,
                "cannot create a file in \(folder): \(ResourceBytes.describe(code))", file: path)
        }
        // mkstemp creates 0600; give the file the permissions a plain create would (0666 & ~umask).
        fchmod(descriptor, 0o666 & ~OutputSink.processUmask)
        let temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        target = .file(path: path, temporaryPath: temporaryPath, descriptor: descriptor)
        reservesBlocks = immetaio_file_is_on_ext4(descriptor) != 0
    }

    /// Reserves blocks for the bytes up to `end` (see the type's documentation). Files written in
    /// one piece get exactly their size; files written in pieces reserve ahead geometrically (capped
    /// at 256 MiB a step), and ``commit()`` trims what was not used.
    private func reserveBlocks(upTo end: Int, descriptor: Int32) {
        guard reservesBlocks, end > reservedEnd else { return }
        let ahead = reservedEnd == 0 ? end : max(end, reservedEnd + min(reservedEnd, 256 << 20))
        if immetaio_file_reserve(descriptor, Int64(reservedEnd), Int64(ahead - reservedEnd)) == 0 {
            reservedEnd = ahead
        } else {
            // Not supported here (ext3 without extents), or no room for the reservation: write
            // without it; a real shortage of space then surfaces from write(2) itself.
            reservesBlocks = false
        }
    }

    /// The process's file-creation mask, read once. Linux reports it in /proc/self/status;
    /// elsewhere `umask` can only be read by setting it, briefly, the first time a sink is made.
    private static let processUmask: mode_t = {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
            let mask = mode_t(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8)
        {
            return mask
        }
        #endif
        let mask = umask(0o022)
        umask(mask)
        return mask
    }()

    /// Announces that about `count` more bytes follow, so that they land without growing the
    /// destination piece by piece: a memory sink's next growth makes room for all of them (instead
    /// of copying what it holds at each growth), a file sink on ext4 reserves the blocks. Writing
    /// more or fewer bytes than announced is fine.
    public func reserve(additionalBytes count: Int) {
        precondition(!finished, "OutputSink used after commit or discard")
        guard count > 0 else { return }
        let (end, overflow) = position.addingReportingOverflow(count)
        guard !overflow else { return }
        switch target {
        case .memory:
            announcedEnd = max(announcedEnd, end)
        case .file(_, _, let descriptor):
            reserveBlocks(upTo: end, descriptor: descriptor)
        }
    }

    /// Appends `pieces` in order. A memory sink receiving megabytes copies the pieces in parallel,
    /// each straight into its place; otherwise this is one ``write(_:)-(UnsafeRawBufferPointer)`` per piece.
    public func write(pieces: [UnsafeRawBufferPointer]) throws(ImMetaIOError) {
        precondition(!finished, "OutputSink used after commit or discard")
        let total = pieces.reduce(0) { $0 + $1.count }
        guard case .memory = target, pieces.count > 1, total >= 1 << 20 else {
            for piece in pieces { try write(piece) }
            return
        }
        let start = buffer.count
        var offsets: [Int] = []
        var running = start
        for piece in pieces {
            offsets.append(running)
            running += piece.count
        }
        let held = buffer
        buffer = [UInt8](unsafeUninitializedCapacity: max(running, announcedEnd)) { out, count in
            guard let base = UnsafeMutableRawPointer(out.baseAddress) else { return }
            held.withUnsafeBytes { if let old = $0.baseAddress { base.copyMemory(from: old, byteCount: $0.count) } }
            ParallelLoop.run(pieces.count) { index in
                if let source = pieces[index].baseAddress {
                    (base + offsets[index]).copyMemory(from: source, byteCount: pieces[index].count)
                }
            }
            count = running
        }
        position += total
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ImMetaIOError) {
        precondition(!finished, "OutputSink used after commit or discard")
        switch target {
        case .memory:
            if buffer.count + bytes.count > buffer.capacity {
                // Grow by at least half again, so large outputs written in pieces copy little;
                // straight to the announced size when there is one.
                buffer.reserveCapacity(max(buffer.count + bytes.count, buffer.capacity * 3 / 2, announcedEnd))
            }
            buffer.append(contentsOf: bytes)
        case .file(_, _, let descriptor):
            reserveBlocks(upTo: position + bytes.count, descriptor: descriptor)
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    discard()
                    throw ImMetaIOError(.io, "write failed: \(ResourceBytes.describe(code))", file: displayName)
                }
                offset += written
            }
        }
        position += bytes.count
    }

    /// Replaces bytes already written at `offset` (for formats whose header points at data
    /// written after it, such as TIFF's first-directory offset).
    /// - Precondition: `offset + bytes.count` is at most ``position``.
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(ImMetaIOError) {
        precondition(!finished, "OutputSink used after commit or discard")
        precondition(offset >= 0 && offset + bytes.count <= position, "overwrite outside the written bytes")
        switch target {
        case .memory:
            buffer.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        case .file(_, _, let descriptor):
            let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            guard written == bytes.count else {
                let code = errno
                discard()
                throw ImMetaIOError(.io, "write failed: \(ResourceBytes.describe(code))", file: displayName)
            }
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(ImMetaIOError) {
        let outcome = bytes.withUnsafeBytes { raw in Result { () throws(ImMetaIOError) in try write(raw) } }
        try outcome.get()
    }

    /// Finishes: renames the temporary file to its final name, or returns the collected bytes
    /// (empty for a file sink).
    @discardableResult
    public func commit() throws(ImMetaIOError) -> [UInt8] {
        precondition(!finished, "OutputSink committed twice")
        finished = true
        switch target {
        case .memory:
            defer { buffer = [] }
            if let upload {
                do {
                    try upload.handler.write(upload.url, buffer)
                } catch let error as ImMetaIOError {
                    throw error
                } catch {
                    throw ImMetaIOError(.io, "cannot write: \(error)", file: upload.url)
                }
                return []
            }
            return buffer
        case .file(let path, let temporaryPath, let descriptor):
            if reservedEnd > position, ftruncate(descriptor, off_t(position)) != 0 {
                let code = errno
                close(descriptor)
                unlink(temporaryPath)
                throw ImMetaIOError(.io, "cannot trim reserved blocks: \(ResourceBytes.describe(code))", file: path)
            }
            if close(descriptor) != 0 {
                let code = errno
                unlink(temporaryPath)
                throw ImMetaIOError(.io, "close failed: \(ResourceBytes.describe(code))", file: path)
            }
            if rename(temporaryPath, path) != 0 {
                let code = errno
                unlink(temporaryPath)
                throw ImMetaIOError(.io, "cannot rename into place: \(ResourceBytes.describe(code))", file: path)
            }
            return []
        }
    }

    /// Abandons the output: the temporary file is removed, nothing appears under the final name.
    public func discard() {
        guard !finished else { return }
        finished = true
        if case .file(_, let temporaryPath, let descriptor) = target {
            close(descriptor)
            unlink(temporaryPath)
        }
        buffer = []
    }

    deinit { discard() }
}

/// `write(2)`, named apart from `OutputSink.write(_:)`, which shadows it inside the class.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
