import CFileShims
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary file that a write left beside its destination (`.NAME.immetaio-XXXXXX`), because the
/// process writing it was killed before it could rename or remove it.
///
/// **When a temporary counts as abandoned.** Every ``OutputSink`` holds an exclusive `flock` on its
/// temporary file from creation until it renames or removes it; the kernel drops that lock when the
/// writing process dies, however it dies. A temporary is *abandoned* when no process holds its lock
/// **and** it was last modified more than ``gracePeriod`` ago (which covers the instants between
/// creating a file and locking it, and between closing and renaming it). Anything else is *in use*
/// and is never removed. On file systems without `flock` (some network mounts) no temporary can be
/// shown abandoned, so none is removed there.
public struct LeftoverTemporaryFile: Sendable, Hashable {
    /// The temporary file's path.
    public var path: String
    /// The file name the write was going to produce (`NAME`).
    public var destinationName: String
    /// The temporary's size in bytes.
    public var byteCount: Int
    /// When it was last written.
    public var modified: Date
    /// Whether a live writer may still own it (see the type's documentation); such files are never removed.
    public var isInUse: Bool

    /// How long after its last modification an unlocked temporary is still treated as in use.
    public static let gracePeriod: TimeInterval = 10

    /// The destination name a temporary's file name stands for, or `nil` when `fileName` is not one
    /// of our temporaries (`.NAME.immetaio-XXXXXX`, six characters of `mkstemp`).
    public static func destinationName(ofTemporary fileName: String) -> String? {
        let marker = ".immetaio-"
        guard fileName.hasPrefix("."), let range = fileName.range(of: marker, options: .backwards),
            fileName.distance(from: range.upperBound, to: fileName.endIndex) == 6
        else { return nil }
        let name = fileName[fileName.index(after: fileName.startIndex)..<range.lowerBound]
        return name.isEmpty ? nil : String(name)
    }

    /// The leftover temporaries in `folder` (not its subfolders), optionally only those of one
    /// destination name, sorted by path.
    /// - Throws: ``ImMetaIOError/Code/missingFile`` when the folder cannot be listed.
    public static func find(in folder: String, destinationName: String? = nil) throws(ImMetaIOError)
        -> [LeftoverTemporaryFile]
    {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ImMetaIOError(.missingFile, "cannot list the folder: \(error.localizedDescription)", file: folder)
        }
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return names.compactMap { name -> LeftoverTemporaryFile? in
            guard let destination = Self.destinationName(ofTemporary: name),
                destinationName == nil || destination == destinationName
            else { return nil }
            return inspect(path: "\(base)/\(name)", destinationName: destination)
        }.sorted { $0.path < $1.path }
    }

    /// Removes the temporary if it is still abandoned, checked again under its lock at the moment
    /// of removal. Returns whether it was removed (`false`: in use, or already gone).
    @discardableResult
    public func removeIfAbandoned() -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // Holding the lock while unlinking: a writer can no longer be between creating and locking it.
        guard immetaio_file_try_lock(descriptor) == 0 else { return false }
        var opened = stat(), named = stat()
        guard fstat(descriptor, &opened) == 0, lstat(path, &named) == 0, opened.st_ino == named.st_ino,
            opened.st_dev == named.st_dev, Self.isOld(opened)
        else { return false }
        return unlink(path) == 0
    }

    private static func inspect(path: String, destinationName: String) -> LeftoverTemporaryFile? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var inUse = !isOld(info)
        if !inUse {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            if descriptor < 0 {
                inUse = true
            } else {
                // Taking the lock only tests it: closing the descriptor releases it at once.
                inUse = immetaio_file_try_lock(descriptor) != 0
                close(descriptor)
            }
        }
        return LeftoverTemporaryFile(
            path: path, destinationName: destinationName, byteCount: Int(info.st_size),
            modified: Date(timeIntervalSince1970: modificationTime(info)), isInUse: inUse)
    }

    private static func modificationTime(_ info: stat) -> TimeInterval {
        #if canImport(Darwin)
        return TimeInterval(info.st_mtimespec.tv_sec) + TimeInterval(info.st_mtimespec.tv_nsec) / 1e9
        #else
        return TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
        #endif
    }

    private static func isOld(_ info: stat) -> Bool {
        Date().timeIntervalSince1970 - modificationTime(info) > gracePeriod
    }
}

/// Removes abandoned temporaries (see ``LeftoverTemporaryFile``) from each folder the process
/// writes into, once per folder per process: one listing of the folder, not one per file written.
enum LeftoverSweeper {
    private final class Folders: @unchecked Sendable {
        let lock = NSLock()
        var swept: Set<String> = []
    }

    private static let folders = Folders()

    static func sweepOnce(folder: String) {
        let first = folders.lock.withLock { folders.swept.insert(folder).inserted }
        guard first, let leftovers = try? LeftoverTemporaryFile.find(in: folder) else { return }
        for leftover in leftovers where !leftover.isInUse { leftover.removeIfAbandoned() }
    }
}
