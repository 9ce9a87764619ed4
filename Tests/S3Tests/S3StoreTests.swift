import Foundation
import ImMetaIO
import S3
import Testing
import Zarr

/// The S3 Zarr store against a real server: the store conformance checks every store passes,
/// sharded arrays written and read with many requests in flight, and `s3://` paths for images,
/// sidecars and stores.
@Suite(.enabled(if: S3TestServer.current != nil, S3TestServer.skipMessage), .serialized)
struct S3StoreTests {
    static func store(_ name: String) throws -> S3Store {
        let server = try #require(S3TestServer.current)
        return try S3Store(url: "s3://\(server.bucket)/\(S3TestServer.uniquePrefix(name))", configuration: server.configuration())
    }

    /// StoreConformanceTests' checks (ZarrTests), through the synchronous protocol.
    @Test func passesTheStoreConformanceChecks() throws {
        let store = BlockingStore(try Self.store("conformance"))
        #expect(store.capabilities.writes && store.capabilities.deletes && store.capabilities.listing && store.capabilities.partialReads)
        #expect(try store.get("a/zarr.json") == nil)
        try store.set("a/zarr.json", Array("{}".utf8))
        try store.set("a/c/0/1", [0, 1, 2, 3, 4, 5, 6, 7])
        try store.set("a/c/0/1", [9, 8, 7, 6, 5])
        try store.set("b", [])
        #expect(try store.get("a/c/0/1") == [9, 8, 7, 6, 5])
        #expect(try store.size(of: "a/c/0/1") == 5)
        #expect(try store.get("b") == [])
        #expect(try store.contains("b"))
        #expect(try !store.contains("nothing"))
        #expect(try store.get("a/c/0/1", range: .range(offset: 1, length: 3)) == [8, 7, 6])
        #expect(try store.get("a/c/0/1", range: .range(offset: 3, length: 100)) == [6, 5])
        #expect(try store.get("a/c/0/1", range: .range(offset: 10, length: 2)) == [])
        #expect(try store.get("a/c/0/1", range: .suffix(length: 2)) == [6, 5])
        #expect(try store.get("a/c/0/1", range: .suffix(length: 50)) == [9, 8, 7, 6, 5])
        #expect(try store.get("missing", range: .suffix(length: 2)) == nil)
        #expect(try store.list(prefix: "a/").sorted() == ["a/c/0/1", "a/zarr.json"])
        let root = try store.listDirectory(prefix: "")
        #expect(root.keys == ["b"])
        #expect(root.prefixes == ["a/"])
        #expect(try store.listDirectory(prefix: "a/") == ZarrDirectoryListing(keys: ["a/zarr.json"], prefixes: ["a/c/"]))
        try store.delete("a/c/0/1")
        try store.delete("a/c/0/1")
        #expect(try store.get("a/c/0/1") == nil)
        try store.deleteAll(prefix: "")
        #expect(try store.list(prefix: "").isEmpty)
    }

    @Test func shardedArraysRoundTripWithManyRequestsInFlight() async throws {
        let store = try Self.store("array")
        let metadata = ZarrArrayMetadata(
            shape: [40, 3, 32, 32], dtype: .uint8, chunkShape: [10, 3, 32, 32],
            codecs: [.sharding(chunkShape: [1, 3, 32, 32], codecs: [.bytes(), .zstd(level: 3)])])
        let count = 40 * 3 * 32 * 32
        let data = try NDArray((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }).reshaped([40, 3, 32, 32])
        let array = try await ZarrArray.create(in: store, path: "images", metadata: metadata)
        try await array.write(data)
        let reopened = try await ZarrArray.open(in: store, path: "images")
        #expect(try await reopened.read() == data)
        // One image out of the middle of a shard: the shard's index, then one byte range.
        let one = try await reopened.read(start: [17, 0, 0, 0], shape: [1, 3, 32, 32])
        let local = MemoryStore()
        try Self.write(ZarrArray.create(in: local, metadata: metadata), data)
        #expect(one == (try Self.read(ZarrArray.open(in: local), [17, 0, 0, 0], [1, 3, 32, 32])))
        #expect(try ZarrGroup.create(in: BlockingStore(store)).children() == ["images"])
    }

    /// A sharded array keeps the shard indexes it read: once a shard's index is known, an image
    /// takes one request (on condition of the shard's entity tag); a shard another writer
    /// replaced is noticed and read again. Requests counted by a forwarding proxy.
    @Test func keptShardIndexesFollowReplacedShards() async throws {
        let server = try #require(S3TestServer.current)
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .forward)
        defer { proxy.stop() }
        let store = try S3Store(
            url: "s3://\(server.bucket)/\(S3TestServer.uniquePrefix("kept"))",
            configuration: server.configuration(endpoint: "http://127.0.0.1:\(proxy.port)"))
        let metadata = ZarrArrayMetadata(
            shape: [40, 3, 32, 32], dtype: .uint8, chunkShape: [10, 3, 32, 32],
            codecs: [.sharding(chunkShape: [1, 3, 32, 32], codecs: [.bytes(), .zstd(level: 3)])])
        let count = 40 * 3 * 32 * 32
        let data = try NDArray((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ $0 >> 9) }).reshaped([40, 3, 32, 32])
        try await ZarrArray.create(in: store, path: "images", metadata: metadata).write(data)
        let reader = try await ZarrArray.open(in: store, path: "images")
        let image = [1, 3, 32, 32]
        func fresh(_ index: Int) async throws -> NDArray {
            try await ZarrArray.open(in: store, path: "images").read(start: [index, 0, 0, 0], shape: image)
        }
        func read(_ index: Int) async throws -> (NDArray, requests: Int) {
            let before = proxy.requestCount
            let value = try await reader.read(start: [index, 0, 0, 0], shape: image)
            return (value, proxy.requestCount - before)
        }
        let original18 = try await fresh(18)
        var (value, requests) = try await read(17)
        #expect(requests == 2)  // the shard's index, then the image
        #expect(value == (try await fresh(17)))
        (value, requests) = try await read(18)
        #expect(requests == 1 && value == original18)

        let replacement = try NDArray([UInt8](repeating: 7, count: 3 * 32 * 32)).reshaped(image)
        try await ZarrArray.open(in: store, path: "images").write(replacement, at: [17, 0, 0, 0])
        (value, requests) = try await read(17)
        #expect(requests == 3)  // refused on the old tag, then index and image again
        #expect(value == replacement)
        (value, requests) = try await read(18)
        #expect(requests == 1 && value == original18)
    }

    @Test func s3PathsWorkForImagesSidecarsAndStores() throws {
        let server = try #require(S3TestServer.current)
        S3Store.registerScheme(configuration: server.configuration())
        let base = "s3://\(server.bucket)/\(S3TestServer.uniquePrefix("paths"))"
        let image = try NDArray((0..<(6 * 5 * 3)).map { UInt8($0) }).reshaped([6, 5, 3])
        let files = try save(image, to: base + "frame_0001", metadata: ["exposure": 0.25])
        #expect(files.image == base + "frame_0001.png")
        let (loaded, metadata) = try load(from: files.image)
        #expect(loaded == image)
        #expect(metadata == ["exposure": 0.25])
        try writeImage(image, to: base + "plain.tif")
        #expect(try readImage(from: .path(base + "plain.tif")) == image)
        #expect(try loadMetadata(from: base + "plain.tif").isEmpty)
        let missing = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(base + "none.png")) }
        #expect(missing.code == .missingFile)
        let store = try ZarrStoreLocation.store(for: base + "z.zarr")
        let array = try ZarrArray.create(in: store, metadata: ZarrArrayMetadata(shape: [6, 5, 3], dtype: .uint8, chunkShape: [2, 5, 3]))
        try Self.write(array, image)
        #expect(try Self.read(ZarrArray.open(in: ZarrStoreLocation.store(for: base + "z.zarr")), [0, 0, 0], [6, 5, 3]) == image)
    }

    static func write(_ array: ZarrArray, _ data: NDArray) throws { try array.write(data) }
    static func read(_ array: ZarrArray, _ start: [Int], _ shape: [Int]) throws -> NDArray { try array.read(start: start, shape: shape) }
}
