import Foundation
import ImMetaIO
import Testing

/// URL paths (`s3://bucket/key`) wherever a path is taken: an error naming what is missing when no
/// module provides the scheme (never a local folder called `s3:`), and the registered storage when
/// one does. A dictionary stands in for an object store here; the S3 tests use a real server.
@Suite(.serialized) struct RemoteResourcesTests {
    final class DictionaryObjects: RemoteResourceHandler, @unchecked Sendable {
        let lock = NSLock()
        var objects: [String: [UInt8]] = [:]

        func read(_ url: String) throws -> [UInt8] {
            guard let bytes = lock.withLock({ objects[url] }) else { throw ImMetaIOError(.missingFile, "no such object", file: url) }
            return bytes
        }

        func write(_ url: String, _ bytes: [UInt8]) throws { lock.withLock { objects[url] = bytes } }
    }

    @Test func unregisteredSchemesAreErrorsNotLocalFolders() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 4, width: 4, channels: 3)
        let read = try #require(throws: ImMetaIOError.self) { try readImage(from: "gs://bucket/frame.png") }
        #expect(read.code == .unsupportedFeature)
        #expect(read.message.contains("gs://"))
        #expect(throws: ImMetaIOError.self) { try writeImage(image, to: "gs://bucket/frame.png") }
        #expect(throws: ImMetaIOError.self) { try save(image, to: "gs://bucket/frame", metadata: ["a": 1]) }
        #expect(throws: ImMetaIOError.self) { try ZarrStoreLocation.store(for: "gs://bucket/x.zarr") }
        #expect(!FileManager.default.fileExists(atPath: "gs:"), "nothing local was made")
        #expect(RemoteResources.scheme(of: "/data/s3://odd") == nil)
        #expect(RemoteResources.scheme(of: "relative/frame.png") == nil)
        #expect(try ZarrStoreLocation.store(for: "file://\(folder)/a.zarr") is FileSystemStore)
    }

    @Test func registeredSchemesReadAndWriteImagesSidecarsAndArrays() throws {
        let objects = DictionaryObjects()
        RemoteResources.register(scheme: "memtest", handler: objects)
        let image = try TestImages.gradient(height: 6, width: 5, channels: 3)
        let files = try save(image, to: "memtest://bucket/run/frame_0001", metadata: ["exposure": 0.5])
        #expect(files.image == "memtest://bucket/run/frame_0001.png")
        #expect(objects.objects.keys.sorted() == ["memtest://bucket/run/frame_0001.json", "memtest://bucket/run/frame_0001.png"])
        let (loaded, metadata) = try load(from: files.image)
        #expect(loaded == image)
        #expect(metadata == ["exposure": 0.5])
        // An image without a sidecar has empty metadata; a missing image is missingFile.
        try writeImage(image, to: "memtest://bucket/plain.tif")
        #expect(try loadMetadata(from: "memtest://bucket/plain.tif").isEmpty)
        #expect(try readImage(from: "memtest://bucket/plain.tif") == image)
        let missing = try #require(throws: ImMetaIOError.self) { try readImage(from: "memtest://bucket/none.png") }
        #expect(missing.code == .missingFile)

        ZarrStoreLocation.register(scheme: "memtest") { _ in MemoryStore().asAsyncStore }
        let store = try ZarrStoreLocation.store(for: "memtest://bucket/x.zarr")
        let array = try ZarrArray.create(in: store, metadata: ZarrArrayMetadata(shape: [6, 5, 3], dtype: .uint8, chunkShape: [2, 5, 3]))
        try Self.write(array, image)
        #expect(try Self.read(array) == image)
    }

    static func write(_ array: ZarrArray, _ image: NDArray) throws { try array.write(image) }
    static func read(_ array: ZarrArray) throws -> NDArray { try array.read() }
}
