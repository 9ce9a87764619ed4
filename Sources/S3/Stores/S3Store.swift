import Foundation
import ImMetaIOCore
import Zarr

/// A Zarr store in an S3 bucket under a key prefix (`s3://bucket/data/images.zarr`): ranged reads,
/// one-level listings with a `/` delimiter, and many requests in flight.
///
/// ```swift
/// let store = try S3Store(url: "s3://survey/images.zarr")        // credentials as the AWS SDKs find them
/// let array = try await ZarrArray.open(in: store, path: "images")
/// let first = try await array.read(start: [0, 0, 0, 0], shape: [1, 3, 256, 256])
/// ```
///
/// ``registerScheme(configuration:)`` makes `s3://` paths work wherever a path is taken: images,
/// sidecars and Zarr stores.
public struct S3Store: ZarrAsyncStore {
    /// The client, bound to the bucket.
    public let client: S3Client
    /// The key prefix of the store's root (empty, or ending in `/`).
    public let prefix: String

    /// A store at an `s3://bucket/prefix` URL.
    /// - Parameters:
    ///   - url: `s3://bucket` or `s3://bucket/prefix`.
    ///   - configuration: region, endpoint, credentials; by default from the environment and
    ///     `~/.aws` as the AWS SDKs read them.
    public init(url: String, configuration: S3Configuration? = nil) throws(ImMetaIOError) {
        let location = try S3Location(url: url)
        let resolved: S3Configuration
        if let configuration { resolved = configuration } else { resolved = try S3Configuration.fromEnvironment() }
        client = try S3Client(bucket: location.bucket, configuration: resolved)
        var prefix = location.prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix.isEmpty ? "" : prefix + "/"
    }

    public var capabilities: StoreCapabilities { StoreCapabilities(partialReads: true, writes: true, deletes: true, listing: true) }
    public var displayName: String { "s3://\(client.bucket)/\(prefix.isEmpty ? "" : String(prefix.dropLast()))" }
    /// Object stores answer many requests at once; latency, not the cores, bounds one request.
    public var preferredConcurrency: Int { 32 }

    /// The HTTP client's event loops: a read's workers run there, each decoding a response on
    /// the loop it arrived on and sending its next request from there.
    @available(macOS 15.0, *)
    public var readExecutors: [any TaskExecutor] { client.transport.loops.executors }

    public func get(_ key: String, range: ByteRange?) async throws -> [UInt8]? {
        try await client.getObject(prefix + key, range: Self.s3Range(range))
    }

    /// The value with its entity tag.
    public func getVersioned(_ key: String, range: ByteRange?) async throws -> VersionedValue {
        switch try await client.getObject(prefix + key, range: Self.s3Range(range), ifMatch: nil) {
        case .object(let bytes, let tag): VersionedValue(bytes: bytes, version: tag)
        case .missing, .changed: VersionedValue(bytes: nil, version: nil)
        }
    }

    /// One GET with `If-Match: version`.
    public func get(_ key: String, range: ByteRange?, ifVersion version: String) async throws -> ConditionalValue {
        switch try await client.getObject(prefix + key, range: Self.s3Range(range), ifMatch: version) {
        case .object(let bytes, _): .unchanged(bytes)
        case .missing, .changed: .changed
        }
    }

    private static func s3Range(_ range: ByteRange?) -> S3ByteRange? {
        switch range {
        case nil: nil
        case .range(let offset, let length)?: .range(offset: offset, length: length)
        case .suffix(let length)?: .suffix(length: length)
        }
    }

    public func set(_ key: String, _ value: [UInt8]) async throws {
        // A declared type: servers that guess one for untyped uploads do that work for every
        // chunk (SeaweedFS sniffs the bytes and gzips the upload when its first bytes compress).
        let type = key.hasSuffix(".json") ? "application/json" : "application/octet-stream"
        if value.count > 64 << 20 {
            // Large shards go up in parts: retries resend a part, not the whole object.
            let upload = try client.multipartUpload(prefix + key, contentType: type)
            try await upload.write(value)
            _ = try await upload.complete()
        } else {
            _ = try await client.putObject(prefix + key, value, contentType: type)
        }
    }

    public func delete(_ key: String) async throws { try await client.deleteObject(prefix + key) }

    public func size(of key: String) async throws -> Int? { try await client.headObject(prefix + key)?.size }

    public func list(prefix keyPrefix: String) async throws -> [String] {
        try await client.listObjects(prefix: prefix + keyPrefix).keys.map { String($0.dropFirst(prefix.count)) }
    }

    public func listDirectory(prefix keyPrefix: String) async throws -> ZarrDirectoryListing {
        let result = try await client.listObjects(prefix: prefix + keyPrefix, delimiter: "/")
        return ZarrDirectoryListing(
            keys: result.keys.map { String($0.dropFirst(prefix.count)) }.sorted(),
            prefixes: result.commonPrefixes.map { String($0.dropFirst(prefix.count)) }.sorted())
    }

    /// Makes `s3://bucket/key` paths read and write objects (images, sidecars: `RemoteResources`)
    /// and open stores (`ZarrStoreLocation`), with `configuration` or, by default, the
    /// environment's (read when a path is first used, so a missing setting is that path's error).
    public static func registerScheme(configuration: S3Configuration? = nil) {
        RemoteResources.register(scheme: "s3", handler: S3Objects(configuration: configuration))
        ZarrStoreLocation.register(scheme: "s3") { url in try S3Store(url: url, configuration: configuration) }
    }
}

/// Whole objects for `RemoteResources`: `s3://bucket/key` read or written in one request. The
/// configuration is resolved once (the environment and `~/.aws` are not read again per object)
/// and each bucket's client is kept. `@unchecked Sendable`: the cache is guarded by `lock`.
final class S3Objects: RemoteResourceHandler, @unchecked Sendable {
    private let configuration: S3Configuration?
    private let lock = NSLock()
    private var resolved: S3Configuration?
    private var clients: [String: S3Client] = [:]

    init(configuration: S3Configuration?) { self.configuration = configuration }

    private func client(_ url: String) throws -> (S3Client, String) {
        let location = try S3Location(url: url)
        guard !location.prefix.isEmpty, !location.prefix.hasSuffix("/") else {
            throw ImMetaIOError(.invalidArgument, "an s3:// URL of an object needs a key after the bucket", file: url)
        }
        lock.lock()
        defer { lock.unlock() }
        if let client = clients[location.bucket] { return (client, location.prefix) }
        let settings: S3Configuration
        if let known = resolved ?? configuration { settings = known } else { settings = try S3Configuration.fromEnvironment() }
        resolved = settings
        let client = try S3Client(bucket: location.bucket, configuration: settings)
        clients[location.bucket] = client
        return (client, location.prefix)
    }

    func read(_ url: String) throws -> [UInt8] {
        let (client, key) = try client(url)
        guard let bytes = try BlockingWait.run({ try await client.getObject(key) }) else {
            throw ImMetaIOError(.missingFile, "no such object", file: url)
        }
        return bytes
    }

    func write(_ url: String, _ bytes: [UInt8]) throws {
        let (client, key) = try client(url)
        _ = try BlockingWait.run { try await client.putObject(key, bytes) }
    }
}
