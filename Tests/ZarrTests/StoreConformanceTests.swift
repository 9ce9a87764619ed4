import Dispatch
import Foundation
import ImMetaIOCore
import NDArrayModule
import Testing
@testable import Zarr

/// What every store must do, run against each store.
@Suite struct StoreConformanceTests {
    /// The stores under test, each fresh.
    static let stores: [String] = ["memory", "folder", "async"]

    static func make(_ kind: String) -> (any ZarrStore, cleanup: () -> Void) {
        if kind == "memory" { return (MemoryStore(), {}) }
        // An async store (in memory, each request a suspension) through the synchronous protocol.
        if kind == "async" { return (BlockingStore(LatencyStore(delay: .zero)), {}) }
        let folder = NSTemporaryDirectory() + "zarr-store-" + UUID().uuidString
        return (FileSystemStore(path: folder), { try? FileManager.default.removeItem(atPath: folder) })
    }

    @Test(arguments: stores)
    func getSetDeleteListAndRanges(_ kind: String) throws {
        let (store, cleanup) = Self.make(kind)
        defer { cleanup() }
        #expect(store.capabilities.writes && store.capabilities.deletes && store.capabilities.listing)
        #expect(try store.get("a/zarr.json") == nil)
        #expect(try store.size(of: "a/zarr.json") == nil)
        try store.set("a/zarr.json", Array("{}".utf8))
        try store.set("a/c/0/1", [0, 1, 2, 3, 4, 5, 6, 7])
        try store.set("a/c/0/1", [9, 8, 7, 6, 5])  // replaced whole
        try store.set("b", [])
        #expect(try store.get("a/c/0/1") == [9, 8, 7, 6, 5])
        #expect(try store.size(of: "a/c/0/1") == 5)
        #expect(try store.get("b") == [])
        #expect(try store.contains("b"))
        #expect(try store.get("a/c/0/1", range: .range(offset: 1, length: 3)) == [8, 7, 6])
        #expect(try store.get("a/c/0/1", range: .range(offset: 3, length: 100)) == [6, 5])  // clipped
        #expect(try store.get("a/c/0/1", range: .range(offset: 10, length: 2)) == [])
        #expect(try store.get("a/c/0/1", range: .suffix(length: 2)) == [6, 5])
        #expect(try store.get("a/c/0/1", range: .suffix(length: 50)) == [9, 8, 7, 6, 5])
        #expect(try store.get("missing", range: .suffix(length: 2)) == nil)
        #expect(try store.list(prefix: "a/").sorted() == ["a/c/0/1", "a/zarr.json"])
        #expect(try store.list(prefix: "a/c/").sorted() == ["a/c/0/1"])
        try store.delete("a/c/0/1")
        try store.delete("a/c/0/1")  // deleting nothing is fine
        #expect(try store.get("a/c/0/1") == nil)
        try store.deleteAll(prefix: "a/")
        #expect(try store.list(prefix: "a/").isEmpty)
    }

    @Test(arguments: stores)
    func directoriesListOneLevel(_ kind: String) throws {
        let (store, cleanup) = Self.make(kind)
        defer { cleanup() }
        for key in ["zarr.json", "g/zarr.json", "g/a/zarr.json", "g/a/c/0/0", "g/a/c/0/1", "g/b/zarr.json", "g/b/c/1/0", "h"] {
            try store.set(key, [1])
        }
        let root = try store.listDirectory(prefix: "")
        #expect(root.keys.sorted() == ["h", "zarr.json"])
        #expect(root.prefixes.sorted() == ["g/"])
        let group = try store.listDirectory(prefix: "g/")
        #expect(group.keys == ["g/zarr.json"])
        #expect(group.prefixes.sorted() == ["g/a/", "g/b/"])
        #expect(try store.listDirectory(prefix: "g/a/c/").prefixes == ["g/a/c/0/"])
        #expect(try store.listDirectory(prefix: "nothing/") == ZarrDirectoryListing(keys: [], prefixes: []))
    }

    @Test(arguments: stores)
    func valuesWrittenInPiecesAppearOnlyAtTheCommit(_ kind: String) throws {
        let (store, cleanup) = Self.make(kind)
        defer { cleanup() }
        try store.set("s/0", [1, 2, 3])
        let writer = try store.beginWriting("s/0")
        try ([4, 5] as [UInt8]).withUnsafeBytes { try writer.write($0) }
        // The old value stays until the commit, and no other key (a temporary file) shows.
        #expect(try store.get("s/0") == [1, 2, 3])
        #expect(try store.list(prefix: "s/") == ["s/0"])
        try ([6] as [UInt8]).withUnsafeBytes { try writer.write($0) }
        try writer.commit()
        #expect(try store.get("s/0") == [4, 5, 6])
        // A discarded value leaves the old one; one dropped unfinished leaves no trace either.
        let discarded = try store.beginWriting("s/0")
        try ([9] as [UInt8]).withUnsafeBytes { try discarded.write($0) }
        discarded.discard()
        do {
            let dropped = try store.beginWriting("s/1")
            try ([9] as [UInt8]).withUnsafeBytes { try dropped.write($0) }
        }
        #expect(try store.get("s/0") == [4, 5, 6] && store.get("s/1") == nil)
        // set(_:writingWith:) returning false deletes the key.
        try store.set("s/0") { _ in false }
        #expect(try store.get("s/0") == nil)
        if let folder = store as? FileSystemStore {
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.root + "/s")
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        }
    }

    @Test(arguments: stores)
    func concurrentWritersOfDistinctKeysLoseNothing(_ kind: String) throws {
        let (store, cleanup) = Self.make(kind)
        defer { cleanup() }
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            try? store.set("c/\(index % 8)/\(index)", [UInt8](repeating: UInt8(index), count: 1000 + index))
        }
        for index in 0..<64 {
            #expect(try store.get("c/\(index % 8)/\(index)") == [UInt8](repeating: UInt8(index), count: 1000 + index))
        }
        #expect(try store.list(prefix: "c/").count == 64)
    }
}

/// The folder store's own folder handling.
@Suite struct FileSystemStoreTests {
    @Test func makesMissingFoldersAndRefusesFilesInTheWay() throws {
        let folder = NSTemporaryDirectory() + "zarr-folders-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = FileSystemStore(path: folder)
        try store.set("a/b/c/d/0", [1])  // four missing levels below a missing root
        try store.set("a/b/c/e/0", [2])  // one missing level
        #expect(try store.get("a/b/c/d/0") == [1])
        #expect(try store.get("a/b/c/e/0") == [2])
        // A folder removed behind the store's back is made again.
        try FileManager.default.removeItem(atPath: folder + "/a/b")
        try store.set("a/b/c/d/1", [3])
        #expect(try store.get("a/b/c/d/1") == [3])
        // A file where a folder must go is an io error, not a crash or a silent loss.
        try store.set("x", [4])
        let error = try #require(throws: ImMetaIOError.self) { try store.set("x/y/0", [5]) }
        #expect(error.code == .io)
    }
}

/// What every codec must do: round-trip every data type bit for bit, and refuse damaged input
/// with a typed error.
@Suite struct CodecConformanceTests {
    static let codecs: [ZarrCodecSpec] = [
        .gzip(level: 6), .zstd(level: 1), .zstd(level: 5, checksum: true), .crc32c,
        .blosc(cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4), .blosc(cname: "lz4hc", clevel: 3, shuffle: "noshuffle"),
        .blosc(cname: "blosclz", clevel: 9, shuffle: "bitshuffle", typesize: 8), .blosc(cname: "zstd", clevel: 2),
        .blosc(cname: "zlib", clevel: 4),
    ]

    @Test(arguments: codecs)
    func roundTripsAndRefusesDamage(_ codec: ZarrCodecSpec) throws {
        for dtype in [DType.bool, .int8, .uint16, .int32, .float32, .float64, .uint64, .float16] {
            let context = ChunkContext(dtype: dtype, fill: [UInt8](repeating: 0, count: dtype.itemSize), writeEmptyChunks: true)
            let pipeline = try CodecPipeline([.bytes(), codec], shape: [5, 7], context: context)
            let chunk = try sampleArray([5, 7], dtype, seed: 11)
            let encoded = try pipeline.encode(chunk)
            #expect(try pipeline.decode(encoded) == chunk, "\(codec.name) \(dtype)")
            var target = [UInt8](repeating: 0, count: 35 * dtype.itemSize)
            try target.withUnsafeMutableBytes { try pipeline.decode(encoded, into: $0) }
            #expect(target == chunk.withUnsafeBytes { Array($0) })
            for damaged in [Array(encoded.prefix(encoded.count / 2)), [UInt8](repeating: 0xA5, count: 40), []] {
                #expect(throws: ImMetaIOError.self, "\(codec.name) damaged") { _ = try pipeline.decode(damaged) }
            }
        }
    }
}
