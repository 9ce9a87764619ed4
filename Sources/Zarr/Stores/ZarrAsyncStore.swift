import Dispatch
import Foundation
import ImMetaIOCore

/// The direct children of a prefix: the keys right under it and the "folders" below it, as an
/// object store lists them with a `/` delimiter.
public struct ZarrDirectoryListing: Sendable, Hashable {
    /// Keys directly under the prefix (no further `/`), in full.
    public var keys: [String]
    /// Prefixes one level down, in full and ending in `/` (`group/child/`).
    public var prefixes: [String]

    /// Creates a listing.
    public init(keys: [String], prefixes: [String]) {
        self.keys = keys
        self.prefixes = prefixes
    }

    /// The listing of `prefix` computed from every key under it.
    public init(prefix: String, allKeys: [String]) {
        var keys: [String] = []
        var prefixes = Set<String>()
        for key in allKeys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                prefixes.insert(prefix + rest[..<slash] + "/")
            } else {
                keys.append(key)
            }
        }
        self.init(keys: keys.sorted(), prefixes: prefixes.sorted())
    }
}

/// A store whose operations are asynchronous, for object stores (S3) where each request waits on
/// the network: arrays keep many of them in flight at once.
///
/// Keys and semantics are ``ZarrStore``'s. Arrays opened on an async store read and write with
/// `async` methods that fetch every chunk a region needs concurrently (up to
/// ``preferredConcurrency`` requests) and decode each as it arrives; the synchronous
/// methods work too, by waiting for the same work (call them only off Swift's cooperative pool).
public protocol ZarrAsyncStore: Sendable {
    /// What the store supports.
    var capabilities: StoreCapabilities { get }
    /// A short description for messages (`s3://bucket/prefix`).
    var displayName: String { get }
    /// How many requests are worth having in flight at once.
    var preferredConcurrency: Int { get }
    /// Executors for a read's workers, which take them in turn, fetch a chunk and decode it in
    /// place there before taking the next: a client's own I/O threads, so that a response is
    /// decoded and the next request sent where it arrived, without a thread hand-over. Work on
    /// them must never block. Empty (the default): `BlockingWait`'s threads.
    @available(macOS 15.0, *)
    var readExecutors: [any TaskExecutor] { get }
    /// The value under `key` (or the part `range` names, clipped to its size), or `nil` when there is none.
    func get(_ key: String, range: ByteRange?) async throws -> [UInt8]?
    /// Stores `value` under `key`, replacing any previous value as one step.
    func set(_ key: String, _ value: [UInt8]) async throws
    /// Removes `key` (nothing happens when it does not exist).
    func delete(_ key: String) async throws
    /// Every key that starts with `prefix`, in no particular order.
    func list(prefix: String) async throws -> [String]
    /// The keys directly under `prefix` and the prefixes one level down, without listing deeper keys.
    func listDirectory(prefix: String) async throws -> ZarrDirectoryListing
    /// The size in bytes of the value under `key`, or `nil` when there is none. The default
    /// fetches the value; object stores ask for the size alone (a HEAD request).
    func size(of key: String) async throws -> Int?
    /// As ``get(_:range:)``, with the version of the whole value the bytes came from (an object
    /// store's entity tag), so that later reads can be made on condition that it is unchanged.
    /// The default names no version, and nothing is then read on condition.
    func getVersioned(_ key: String, range: ByteRange?) async throws -> VersionedValue
    /// The part `range` names of the value under `key`, if that value is still at `version`
    /// (one request: an S3 GET with `If-Match`). The default answers ``ConditionalValue/changed``.
    func get(_ key: String, range: ByteRange?, ifVersion version: String) async throws -> ConditionalValue
}

/// A value read together with the version of the value it came from.
public struct VersionedValue: Sendable {
    /// The bytes, or `nil` when the key has no value.
    public var bytes: [UInt8]?
    /// The version of the whole value (an entity tag); `nil` when the store keeps none.
    public var version: String?

    /// A value and its version.
    public init(bytes: [UInt8]?, version: String?) {
        self.bytes = bytes
        self.version = version
    }
}

/// The answer to a read made on condition that a value is still at a version.
public enum ConditionalValue: Sendable, Equatable {
    /// The value is at that version; these are the bytes asked for.
    case unchanged([UInt8])
    /// The value changed, or is gone, since that version.
    case changed
}

extension ZarrAsyncStore {
    public func size(of key: String) async throws -> Int? { try await get(key, range: nil)?.count }

    /// The value without a version.
    public func getVersioned(_ key: String, range: ByteRange?) async throws -> VersionedValue {
        VersionedValue(bytes: try await get(key, range: range), version: nil)
    }

    /// Always ``ConditionalValue/changed``: a store without versions cannot vouch for a value.
    public func get(_ key: String, range: ByteRange?, ifVersion version: String) async throws -> ConditionalValue { .changed }

    /// None: reads run their workers on `BlockingWait`'s threads.
    @available(macOS 15.0, *)
    public var readExecutors: [any TaskExecutor] { [] }
}

extension ZarrStore {
    /// The keys directly under `prefix` and the prefixes one level down. The default filters
    /// ``list(prefix:)``; stores that can list one level (a folder, an object store's delimiter) do so.
    public func listDirectory(prefix: String) throws -> ZarrDirectoryListing {
        ZarrDirectoryListing(prefix: prefix, allKeys: try list(prefix: prefix))
    }

    /// The store seen through the async protocol (its work runs on a Dispatch queue, off Swift's
    /// cooperative pool, since local stores block on file I/O).
    public var asAsyncStore: any ZarrAsyncStore { LocalAsyncStore(base: self) }
}

/// A local store behind the async protocol.
struct LocalAsyncStore: ZarrAsyncStore {
    let base: any ZarrStore
    private static let queue = DispatchQueue(label: "immetaio.zarr.local-store", attributes: .concurrent)

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { base.displayName }
    var preferredConcurrency: Int { ProcessInfo.processInfo.activeProcessorCount }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    func get(_ key: String, range: ByteRange?) async throws -> [UInt8]? {
        try await run { [base] in try range.map { try base.get(key, range: $0) } ?? base.get(key) }
    }
    func set(_ key: String, _ value: [UInt8]) async throws { try await run { [base] in try base.set(key, value) } }
    func delete(_ key: String) async throws { try await run { [base] in try base.delete(key) } }
    func list(prefix: String) async throws -> [String] { try await run { [base] in try base.list(prefix: prefix) } }
    func listDirectory(prefix: String) async throws -> ZarrDirectoryListing {
        try await run { [base] in try base.listDirectory(prefix: prefix) }
    }
    func size(of key: String) async throws -> Int? { try await run { [base] in try base.size(of: key) } }
}

/// An async store behind the synchronous protocol, each call waiting for its request; arrays
/// opened on an async store hold one for their synchronous paths.
public struct BlockingStore: ZarrStore {
    /// The async store underneath.
    public let base: any ZarrAsyncStore

    /// Wraps `base`. Use the result off Swift's cooperative pool only (see ``ZarrAsyncStore``).
    public init(_ base: any ZarrAsyncStore) { self.base = base }

    public var capabilities: StoreCapabilities { base.capabilities }
    public var displayName: String { base.displayName }
    public func get(_ key: String) throws -> [UInt8]? { try BlockingWait.run { [base] in try await base.get(key, range: nil) } }
    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        try BlockingWait.run { [base] in try await base.get(key, range: range) }
    }
    public func set(_ key: String, _ value: [UInt8]) throws { try BlockingWait.run { [base] in try await base.set(key, value) } }
    public func delete(_ key: String) throws { try BlockingWait.run { [base] in try await base.delete(key) } }
    public func list(prefix: String) throws -> [String] { try BlockingWait.run { [base] in try await base.list(prefix: prefix) } }
    public func listDirectory(prefix: String) throws -> ZarrDirectoryListing {
        try BlockingWait.run { [base] in try await base.listDirectory(prefix: prefix) }
    }
    public func size(of key: String) throws -> Int? { try BlockingWait.run { [base] in try await base.size(of: key) } }
}
