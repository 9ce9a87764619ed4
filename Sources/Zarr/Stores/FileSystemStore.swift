import Foundation
import ImMetaIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A store in a folder: each key is a file under the root (`c/0/0` → `root/c/0/0`).
///
/// Writes are atomic: a value goes to a temporary file in the same folder and is renamed over
/// its key, so a reader or a crash never sees half a chunk. Byte-range reads use `pread`.
/// Safe from several threads and processes for distinct keys; two writers of one key leave one
/// of the two values (the last rename wins).
public struct FileSystemStore: ZarrStore {
    /// The folder holding the hierarchy.
    public let root: String
    /// Folders known to exist, so that writing thousands of chunks does not re-create them.
    private let folders = FolderCache()

    /// A store rooted at `path` (created on the first write if missing).
    public init(path: String) {
        var root = path
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var capabilities: StoreCapabilities { StoreCapabilities(partialReads: true, writes: true, deletes: true, listing: true) }
    public var displayName: String { root }

    private func path(_ key: String) throws -> String {
        guard !key.hasPrefix("/"), !key.split(separator: "/").contains(".."), !key.contains("\0") else {
            throw ImMetaIOError(.invalidArgument, "invalid store key '\(key)'", file: root)
        }
        return key.isEmpty ? root : "\(root)/\(key)"
    }

    public func get(_ key: String) throws -> [UInt8]? {
        try read(key, range: nil)
    }

    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        try read(key, range: range)
    }

    private func read(_ key: String, range: ByteRange?) throws -> [UInt8]? {
        let file = try path(key)
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ImMetaIOError(.io, "cannot open: \(String(cString: strerror(errno)))", file: file)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ImMetaIOError(.io, "cannot stat", file: file) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return nil }
        let size = Int(info.st_size)
        var start = 0, length = size
        switch range {
        case .range(let offset, let count)?:
            start = min(max(offset, 0), size)
            length = min(max(count, 0), size - start)
        case .suffix(let count)?:
            length = min(max(count, 0), size)
            start = size - length
        case nil: break
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            var done = 0
            while done < length {
                let n = pread(descriptor, buffer.baseAddress! + done, length - done, off_t(start + done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            failed = done < length
            count = done
        }
        if failed { throw ImMetaIOError(.io, "short read (\(bytes.count) of \(length) bytes)", file: file) }
        return bytes
    }

    public func size(of key: String) throws -> Int? {
        var info = stat()
        guard stat(try path(key), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    public func set(_ key: String, _ value: [UInt8]) throws {
        let sink = try openSink(key)
        try sink.write(value)
        try sink.commit()
    }

    /// Writes the pieces straight to a temporary file renamed over the key at the commit: a
    /// shard goes to disk as its inner chunks are compressed, never assembled in memory.
    public func beginWriting(_ key: String) throws -> any ZarrValueWriter {
        SinkValueWriter(sink: try openSink(key))
    }

    /// An atomic sink for `key`, its folder made first.
    private func openSink(_ key: String) throws -> OutputSink {
        let file = try path(key)
        let folder = (file as NSString).deletingLastPathComponent
        if !folders.contains(folder) {
            try makeFolder(folder)
            folders.insert(folder)
        }
        do {
            return try OutputSink(path: file)
        } catch where error.code == .missingFile {
            // The folder was removed since it was cached (a deleted node): make it again.
            try makeFolder(folder)
            return try OutputSink(path: file)
        }
    }

    /// Creates `folder` and any missing parents. One `mkdir` when only the last level is missing,
    /// the usual case for chunk keys (`c/17/0/0` after `c/16/0/0`): Foundation's
    /// `createDirectory(withIntermediateDirectories:)` checks every level and took three `mkdir`
    /// and a dozen `stat` calls per chunk.
    private func makeFolder(_ folder: String) throws {
        if mkdir(folder, 0o777) == 0 { return }
        var code = errno
        if code == ENOENT, let slash = folder.lastIndex(of: "/"), slash > folder.startIndex {
            try makeFolder(String(folder[..<slash]))
            if mkdir(folder, 0o777) == 0 { return }
            code = errno
        }
        var info = stat()
        // Already there (made by another writer, or by us a moment ago): fine if it is a folder.
        if code == EEXIST, stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return }
        throw ImMetaIOError(.io, "cannot create the folder: \(String(cString: strerror(code)))", file: folder)
    }

    public func delete(_ key: String) throws {
        let file = try path(key)
        // Keys are files; a missing key, or a folder that only groups keys, is nothing to delete.
        guard unlink(file) != 0 else { return }
        let code = errno
        var info = stat()
        if code == ENOENT || (stat(file, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR) { return }
        throw ImMetaIOError(.io, "cannot delete: \(String(cString: strerror(code)))", file: file)
    }

    /// One folder's entries: hidden names (temporaries, a conversion's journal) are left out.
    public func listDirectory(prefix: String) throws -> ZarrDirectoryListing {
        guard prefix.isEmpty || prefix.hasSuffix("/") else { return ZarrDirectoryListing(prefix: prefix, allKeys: try list(prefix: prefix)) }
        let folder = prefix.isEmpty ? root : "\(root)/\(prefix.dropLast())"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return ZarrDirectoryListing(keys: [], prefixes: []) }
        var keys: [String] = [], prefixes: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(folder)/\(name)", isDirectory: &isFolder) else { continue }
            if isFolder.boolValue { prefixes.append(prefix + name + "/") } else { keys.append(prefix + name) }
        }
        return ZarrDirectoryListing(keys: keys, prefixes: prefixes)
    }

    public func list(prefix: String) throws -> [String] {
        // Walk only the folder the prefix names (chunk folders can hold millions of files).
        let folderPart = prefix.contains("/") ? String(prefix[..<(prefix.lastIndex(of: "/") ?? prefix.startIndex)]) : ""
        let start = folderPart.isEmpty ? root : "\(root)/\(folderPart)"
        guard let enumerator = FileManager.default.enumerator(atPath: start) else { return [] }
        var keys: [String] = []
        while let item = enumerator.nextObject() as? String {
            let key = folderPart.isEmpty ? item : "\(folderPart)/\(item)"
            let name = (item as NSString).lastPathComponent
            let isFolder = (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory
            // Hidden folders hold no keys (temporary files, a conversion's journal).
            if isFolder, name.hasPrefix(".") { enumerator.skipDescendants() }
            guard key.hasPrefix(prefix), !name.hasPrefix("."),
                (enumerator.fileAttributes?[.type] as? FileAttributeType) != .typeDirectory
            else { continue }
            keys.append(key)
        }
        return keys
    }
}

/// A value written to a temporary file (an ``OutputSink``), renamed over its key at the commit.
private final class SinkValueWriter: ZarrValueWriter {
    private let sink: OutputSink

    init(sink: OutputSink) { self.sink = sink }
    /// A writer dropped without a commit leaves no temporary file behind.
    deinit { sink.discard() }

    func write(_ bytes: UnsafeRawBufferPointer) throws { try sink.write(bytes) }
    func commit() throws { try sink.commit() }
    func discard() { sink.discard() }
}

/// A thread-safe set of folder paths. `@unchecked Sendable`: the set is only touched under the lock.
private final class FolderCache: @unchecked Sendable {
    private var folders = Set<String>()
    private let lock = NSLock()

    func contains(_ folder: String) -> Bool { lock.withLock { folders.contains(folder) } }
    func insert(_ folder: String) { _ = lock.withLock { folders.insert(folder) } }
}
