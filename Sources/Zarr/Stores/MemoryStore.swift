import Foundation

/// A store in memory: for tests, scratch arrays and building stores before upload.
///
/// Thread-safe (a lock around a dictionary). `@unchecked Sendable`: every access to the
/// dictionary holds the lock.
public final class MemoryStore: ZarrStore, @unchecked Sendable {
    private var values: [String: [UInt8]] = [:]
    private let lock = NSLock()

    /// Creates an empty store.
    public init() {}

    public var capabilities: StoreCapabilities { StoreCapabilities(partialReads: true, writes: true, deletes: true, listing: true) }
    public var displayName: String { "memory" }

    public func get(_ key: String) throws -> [UInt8]? { lock.withLock { values[key] } }

    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        lock.withLock { values[key].map { Self.slice($0, range) } }
    }

    public func set(_ key: String, _ value: [UInt8]) throws { lock.withLock { values[key] = value } }

    public func delete(_ key: String) throws { _ = lock.withLock { values.removeValue(forKey: key) } }

    public func list(prefix: String) throws -> [String] { lock.withLock { values.keys.filter { $0.hasPrefix(prefix) } } }

    /// Total bytes stored under `prefix`.
    public func storedBytes(prefix: String = "") -> Int {
        lock.withLock { values.filter { $0.key.hasPrefix(prefix) }.reduce(0) { $0 + $1.value.count } }
    }
}
