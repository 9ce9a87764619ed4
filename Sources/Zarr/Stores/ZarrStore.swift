import ImMetaIOCore

/// A byte range of a stored value: `offset..<offset+length`, or the last `length` bytes.
public enum ByteRange: Sendable, Hashable {
    /// `length` bytes from `offset`.
    case range(offset: Int, length: Int)
    /// The last `length` bytes (a shard index at the end of its shard).
    case suffix(length: Int)
}

/// What a store can do, so that arrays pick the cheapest way to read and write.
public struct StoreCapabilities: Sendable, Hashable {
    /// Reads of byte ranges cost only the bytes asked for (file seek, HTTP range).
    public var partialReads: Bool
    /// Values can be written.
    public var writes: Bool
    /// Values can be deleted.
    public var deletes: Bool
    /// Keys can be listed.
    public var listing: Bool

    /// Creates a set of capabilities.
    public init(partialReads: Bool, writes: Bool, deletes: Bool, listing: Bool) {
        self.partialReads = partialReads
        self.writes = writes
        self.deletes = deletes
        self.listing = listing
    }
}

/// Where a Zarr hierarchy's keys and values live (`zarr.json`, `c/0/0`, …): a folder, memory,
/// or (later) an object store.
///
/// Keys are `/`-separated relative paths without a leading slash. Implementations must be safe
/// to call from several threads at once: arrays read and write chunks in parallel. No operation
/// appends to an existing value, so object stores (which cannot) fit the protocol.
public protocol ZarrStore: Sendable {
    /// What the store supports.
    var capabilities: StoreCapabilities { get }
    /// The value under `key`, or `nil` when there is none.
    func get(_ key: String) throws -> [UInt8]?
    /// Part of the value under `key` (clipped to its size), or `nil` when there is none.
    func get(_ key: String, range: ByteRange) throws -> [UInt8]?
    /// Stores `value` under `key`, replacing any previous value as one step (readers see the old
    /// or the new value, never a mix).
    func set(_ key: String, _ value: [UInt8]) throws
    /// Starts a value under `key` that is written piece by piece, over any length of time, and
    /// appears (replacing any previous value as one step) only at ``ZarrValueWriter/commit()``.
    /// Stores that can write as the pieces come (a file, a multipart upload) hold none of it; the
    /// default collects it in memory and calls ``set(_:_:)`` at the commit.
    func beginWriting(_ key: String) throws -> any ZarrValueWriter
    /// Stores the value that `body` produces piece by piece (each call of `write` adds the next
    /// bytes) under `key`, replacing any previous value as one step; when `body` returns `false`
    /// the key is deleted instead. Stores that can write as the pieces come (a file, a multipart
    /// upload) avoid holding the whole value; the default collects it and calls ``set(_:_:)``.
    func set(_ key: String, writingWith body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool) throws
    /// Removes `key` (nothing happens when it does not exist).
    func delete(_ key: String) throws
    /// Every key that starts with `prefix`, in no particular order.
    func list(prefix: String) throws -> [String]
    /// The keys directly under `prefix` (ending in `/`, or empty for the root) and the prefixes one
    /// level down, without listing deeper keys (a group's children, not every chunk below them).
    func listDirectory(prefix: String) throws -> ZarrDirectoryListing
    /// The size of the value under `key`, or `nil` when there is none.
    func size(of key: String) throws -> Int?
    /// A short description for messages (the folder's path, `memory`).
    var displayName: String { get }
}

extension ZarrStore {
    /// Collects the pieces in memory; the commit stores them with one ``set(_:_:)``.
    public func beginWriting(_ key: String) throws -> any ZarrValueWriter {
        CollectingValueWriter { value in try self.set(key, value) }
    }

    /// Writes through ``beginWriting(_:)``: committed when `body` returns `true`, else
    /// discarded and the key deleted.
    public func set(_ key: String, writingWith body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool) throws {
        let writer = try beginWriting(key)
        let keep: Bool
        do {
            keep = try body { try writer.write($0) }
        } catch {
            writer.discard()
            throw error
        }
        if keep {
            try writer.commit()
        } else {
            writer.discard()
            try delete(key)
        }
    }

    /// Reads the value to measure it; stores with cheaper ways replace this.
    public func size(of key: String) throws -> Int? { try get(key)?.count }

    /// Whether `key` has a value.
    public func contains(_ key: String) throws -> Bool { try get(key, range: .range(offset: 0, length: 0)) != nil }

    /// Deletes every key under `prefix`.
    public func deleteAll(prefix: String) throws {
        for key in try list(prefix: prefix) { try delete(key) }
    }

    /// The bytes of `range` cut out of a whole value (for stores without cheaper partial reads).
    static func slice(_ value: [UInt8], _ range: ByteRange) -> [UInt8] {
        switch range {
        case .range(let offset, let length):
            let start = min(max(offset, 0), value.count)
            return Array(value[start..<min(value.count, start + max(length, 0))])
        case .suffix(let length):
            return Array(value.suffix(max(length, 0)))
        }
    }
}

/// A value being written piece by piece (``ZarrStore/beginWriting(_:)``): nothing is visible
/// under its key until ``commit()``. Use from one thread at a time.
public protocol ZarrValueWriter: AnyObject {
    /// Appends bytes to the value.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes the value appear under its key, replacing any previous one as one step.
    func commit() throws
    /// Abandons the value: the key keeps whatever it held before.
    func discard()
}

/// The default value writer: the pieces in memory, stored whole at the commit.
final class CollectingValueWriter: ZarrValueWriter {
    private var value: [UInt8] = []
    private let store: ([UInt8]) throws -> Void

    init(store: @escaping ([UInt8]) throws -> Void) { self.store = store }

    func write(_ bytes: UnsafeRawBufferPointer) throws { value.append(contentsOf: bytes) }
    func commit() throws {
        try store(value)
        value = []
    }
    func discard() { value = [] }
}
