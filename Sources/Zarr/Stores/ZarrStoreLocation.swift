import Foundation
import ImMetaIOCore

/// Opens the store a path names: a local folder, or an object store for a URL (`s3://bucket/prefix`)
/// whose scheme a module registered (the S3 module registers `s3`).
///
/// A URL with a scheme nobody registered is an error naming what is missing, never a local
/// folder called `s3:`.
public enum ZarrStoreLocation {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var factories: [String: @Sendable (String) throws -> any ZarrAsyncStore] = [:]
    }

    private static let registry = Registry()

    /// Makes `scheme://…` paths open stores made by `factory` (given the whole URL).
    public static func register(scheme: String, factory: @escaping @Sendable (String) throws -> any ZarrAsyncStore) {
        registry.lock.withLock { registry.factories[scheme.lowercased()] = factory }
    }

    /// The async store for a URL path, or `nil` for a local path.
    /// - Throws: `ImMetaIOError` `unsupportedFeature` for a scheme no module registered.
    public static func asyncStore(for path: String) throws(ImMetaIOError) -> (any ZarrAsyncStore)? {
        guard let scheme = RemoteResources.scheme(of: path), scheme != "file" else { return nil }
        guard let factory = registry.lock.withLock({ registry.factories[scheme] }) else {
            // The same message as for image paths.
            _ = try RemoteResources.handler(for: path)
            throw ImMetaIOError(.unsupportedFeature, "no Zarr store is registered for \(scheme):// URLs", file: path)
        }
        do {
            return try factory(path)
        } catch let error as ImMetaIOError {
            throw error
        } catch {
            throw ImMetaIOError(.invalidArgument, "cannot open the store: \(error)", file: path)
        }
    }

    /// The store a path names: a ``FileSystemStore`` for a local path (a `file://` URL included),
    /// a ``BlockingStore`` over the registered async store for a URL (arrays opened on it still
    /// keep many requests in flight).
    public static func store(for path: String) throws(ImMetaIOError) -> any ZarrStore {
        if let remote = try asyncStore(for: path) { return BlockingStore(remote) }
        let local = path.hasPrefix("file://") ? String(path.dropFirst("file://".count)) : path
        return FileSystemStore(path: local)
    }
}
