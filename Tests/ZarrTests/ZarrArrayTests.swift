import Foundation
import ImMetaIOCore
import NDArrayModule
import Testing
@testable import Zarr

/// A deterministic array of `shape` and `dtype` (values vary along every axis).
func sampleArray(_ shape: [Int], _ dtype: DType, seed: UInt64 = 1) throws -> NDArray {
    var state = seed | 1
    let count = shape.reduce(1, *)
    let values = (0..<count).map { index -> Double in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        // Smooth plus a little noise: compressible, not trivially so.
        return Double(index % 97) + Double(state % 5)
    }
    return try NDArray(values, shape: shape).astype(dtype)
}

@Suite struct ZarrArrayTests {
    static let codecChains: [[ZarrCodecSpec]] = [
        [.bytes()],
        [.bytes(endian: "big")],
        [.transpose(order: [2, 0, 1]), .bytes()],
        [.bytes(), .gzip(level: 1)],
        [.bytes(), .zstd(level: 3, checksum: true)],
        [.bytes(), .blosc(cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 2)],
        [.bytes(), .blosc(cname: "zstd", clevel: 3, shuffle: "bitshuffle", typesize: 2)],
        [.bytes(), .blosc(cname: "blosclz", clevel: 9, shuffle: "noshuffle", typesize: 1)],
        [.bytes(), .crc32c],
        [.bytes(), .zstd(), .crc32c],
    ]

    @Test(arguments: codecChains)
    func roundTripsEveryCodecChain(_ codecs: [ZarrCodecSpec]) throws {
        let store = MemoryStore()
        let data = try sampleArray([5, 13, 11], .uint16)
        let array = try ZarrArray.create(
            in: store, metadata: ZarrArrayMetadata(shape: [5, 13, 11], dtype: .uint16, chunkShape: [2, 4, 5], codecs: codecs))
        try array.write(data)
        let reopened = try ZarrArray.open(in: store)
        #expect(try reopened.read() == data)
        #expect(try reopened.read(start: [1, 3, 2], shape: [3, 7, 6]) == data.slice([1..<4, 3..<10, 2..<8]))
    }

    @Test(arguments: [DType.bool, .int8, .int16, .int32, .int64, .uint8, .uint32, .uint64, .float16, .float32, .float64])
    func roundTripsEveryDtype(_ dtype: DType) throws {
        let store = MemoryStore()
        let data = try sampleArray([7, 9], dtype)
        let array = try ZarrArray.create(
            in: store, path: "a/b",
            metadata: ZarrArrayMetadata(shape: [7, 9], dtype: dtype, chunkShape: [3, 4], fillValue: dtype == .bool ? false : 0,
                                        codecs: [.bytes(), .zstd()]))
        try array.write(data)
        #expect(try ZarrArray.open(in: store, path: "a/b").read() == data)
    }

    @Test(arguments: ["start", "end"])
    func shardsRoundTripAndReadPartially(_ location: String) throws {
        let store = MemoryStore()
        let data = try sampleArray([6, 20, 18], .uint16)
        let array = try ZarrArray.create(
            in: store,
            metadata: ZarrArrayMetadata(
                shape: [6, 20, 18], dtype: .uint16, chunkShape: [2, 8, 12],
                codecs: [.sharding(chunkShape: [1, 4, 4], codecs: [.bytes(), .zstd()], indexLocation: location)]))
        try array.write(data)
        #expect(try array.read() == data)
        #expect(try array.read(start: [1, 5, 7], shape: [3, 9, 10]) == data.slice([1..<4, 5..<14, 7..<17]))
        // A partial write rewrites the shards it meets and keeps the rest.
        let patch = try sampleArray([2, 3, 4], .uint16, seed: 9)
        try array.write(patch, at: [3, 10, 1])
        var expected = data
        expected.assign(patch, at: [3, 10, 1])
        #expect(try array.read() == expected)
    }

    @Test func fillValueChunksAreNotStored() throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(
            in: store, metadata: ZarrArrayMetadata(shape: [8, 8], dtype: .float32, chunkShape: [4, 4], fillValue: "NaN"))
        let data = try NDArray([Float](repeating: .nan, count: 64), shape: [8, 8])
        try array.write(data)
        #expect(try store.list(prefix: "c").isEmpty)
        let read = try array.read().scalars(as: Float.self)
        #expect(read.allSatisfy { $0.isNaN })
        // Missing chunks read as the fill value; writeEmptyChunks stores them.
        let eager = try ZarrArray.open(in: store, writeEmptyChunks: true)
        try eager.write(data)
        #expect(try store.list(prefix: "c").count == 4)
    }

    @Test func fillValuesOfEveryKind() throws {
        for (dtype, fill) in [(DType.float64, JSONValue.string("Infinity")), (.float32, "-Infinity"), (.float32, "0x7fc00001"),
                              (.int16, -7), (.uint64, 18_000_000_000), (.bool, true), (.float16, 1.5)] {
            let store = MemoryStore()
            let array = try ZarrArray.create(
                in: store, metadata: ZarrArrayMetadata(shape: [3], dtype: dtype, chunkShape: [2], fillValue: fill))
            let values = try array.read()
            let expected = try ZarrDataType.fillBytes(fill, dtype: dtype)
            values.withUnsafeBytes { #expect(Array($0.prefix(dtype.itemSize)) == expected) }
            #expect(try ZarrArray.open(in: store).metadata.fillValue == fill)
        }
    }

    @Test func resizeAndAppend() throws {
        let store = MemoryStore()
        var array = try ZarrArray.create(
            in: store, metadata: ZarrArrayMetadata(shape: [0, 4], dtype: .int32, chunkShape: [3, 4], codecs: [.bytes(), .crc32c]))
        let first = try sampleArray([5, 4], .int32), second = try sampleArray([4, 4], .int32, seed: 3)
        try array.append(first)
        try array.append(second)
        #expect(array.shape == [9, 4])
        #expect(try ZarrArray.open(in: store).read() == NDArray.concatenated([first, second]))
        try array.resize(to: [2, 4])
        #expect(try store.list(prefix: "c/").sorted() == ["c/0/0"])
        #expect(try ZarrArray.open(in: store).read() == first.slice([0..<2, 0..<4]))
        #expect(throws: ImMetaIOError.self) { try array.append(sampleArray([1, 3], .int32)) }
    }

    @Test func groupsAndTree() throws {
        let store = MemoryStore()
        _ = try ZarrGroup.create(in: store, attributes: ["project": "test"])
        _ = try ZarrGroup.create(in: store, path: "raw")
        let array = try ZarrArray.create(
            in: store, path: "raw/frames",
            metadata: ZarrArrayMetadata(shape: [4, 6], dtype: .uint8, chunkShape: [2, 6], dimensionNames: ["t", "x"]))
        try array.write(sampleArray([4, 6], .uint8))
        #expect(try ZarrGroup.open(in: store).children() == ["raw"])
        #expect(try ZarrGroup.open(in: store, path: "raw").children() == ["frames"])
        let tree = try ZarrNode.describeTree(in: store)
        #expect(tree.contains("frames (array) shape [4, 6] uint8"))
        #expect(tree.contains("dimensions [\"t\", \"x\"]"))
    }

    @Test func fileSystemStoreWritesAtomicallyAndReadsRanges() throws {
        let folder = NSTemporaryDirectory() + "zarr-tests-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = FileSystemStore(path: folder)
        try store.set("a/b/c", [1, 2, 3, 4, 5])
        #expect(try store.get("a/b/c") == [1, 2, 3, 4, 5])
        #expect(try store.get("a/b/c", range: .range(offset: 1, length: 2)) == [2, 3])
        #expect(try store.get("a/b/c", range: .suffix(length: 2)) == [4, 5])
        #expect(try store.get("missing") == nil)
        #expect(try store.size(of: "a/b/c") == 5)
        #expect(try store.list(prefix: "a/") == ["a/b/c"])
        try store.delete("a/b/c")
        #expect(try store.get("a/b/c") == nil)
        #expect(throws: ImMetaIOError.self) { try store.get("../escape") }
        // A sharded array on disk, read partially.
        let data = try sampleArray([4, 16, 16], .uint8)
        let array = try ZarrArray.create(
            in: store, path: "vol",
            metadata: ZarrArrayMetadata(shape: [4, 16, 16], dtype: .uint8, chunkShape: [2, 16, 16],
                                        codecs: [.sharding(chunkShape: [1, 8, 8], codecs: [.bytes(), .gzip()])]))
        try array.write(data)
        #expect(try ZarrArray.open(in: store, path: "vol").read(start: [1, 4, 9], shape: [2, 5, 3]) == data.slice([1..<3, 4..<9, 9..<12]))
    }

    @Test func badInputIsTypedErrors() throws {
        let store = MemoryStore()
        let array = try ZarrArray.create(
            in: store,
            metadata: ZarrArrayMetadata(shape: [8, 8], dtype: .uint16, chunkShape: [8, 8],
                                        codecs: [.sharding(chunkShape: [4, 4], codecs: [.bytes(), .zstd()])]))
        try array.write(sampleArray([8, 8], .uint16))
        let shard = try #require(try store.get("c/0/0"))
        for damaged in [Array(shard.prefix(10)), Array(shard.dropLast(3)), shard.map { $0 ^ 0x5A }, Array(shard.suffix(20)) + Array(shard.prefix(shard.count - 20))] {
            try store.set("c/0/0", damaged)
            #expect(throws: ImMetaIOError.self) { try ZarrArray.open(in: store).read() }
            #expect(throws: ImMetaIOError.self) { try ZarrArray.open(in: store).read(start: [4, 4], shape: [2, 2]) }
        }
        // A checksum mismatch.
        let checked = try ZarrArray.create(
            in: store, path: "crc", metadata: ZarrArrayMetadata(shape: [4], dtype: .uint8, chunkShape: [4], codecs: [.bytes(), .crc32c]))
        try checked.write(sampleArray([4], .uint8))
        var bytes = try #require(try store.get("crc/c/0"))
        bytes[0] ^= 1
        try store.set("crc/c/0", bytes)
        #expect(throws: ImMetaIOError.self) { try checked.read() }
        // zarr.json with wrong types, unknown codecs and extensions.
        for text in [
            #"{"zarr_format": 3, "node_type": "array", "shape": "8", "data_type": "uint8"}"#,
            #"{"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [0]}}, "fill_value": 0, "codecs": [{"name": "bytes"}]}"#,
            #"{"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}}, "fill_value": 300, "codecs": [{"name": "bytes"}]}"#,
            #"{"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}}, "fill_value": 0, "codecs": [{"name": "bytes"}, {"name": "lzma"}]}"#,
            #"{"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}}, "fill_value": 0, "codecs": [{"name": "bytes"}], "future": {"must_understand": true}}"#,
            "not json",
        ] {
            try store.set("bad/zarr.json", Array(text.utf8))
            #expect(throws: ImMetaIOError.self, "\(text)") { try ZarrArray.open(in: store, path: "bad") }
        }
        // Sizes beyond what can be allocated: chunks refused when opening, reads checked first.
        try store.set("huge/zarr.json", Array(#"{"zarr_format": 3, "node_type": "array", "shape": [1099511627776], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1099511627776]}}, "fill_value": 0, "codecs": [{"name": "bytes"}]}"#.utf8))
        #expect(throws: ImMetaIOError.self) { try ZarrArray.open(in: store, path: "huge") }
        let big = try ZarrArray.create(
            in: store, path: "big", metadata: ZarrArrayMetadata(shape: [1 << 40], dtype: .uint8, chunkShape: [1 << 20]))
        let error = try #require(throws: ImMetaIOError.self) { try big.read() }
        #expect(error.code == .limitExceeded)
        #expect(try big.read(start: [5], shape: [3]) == NDArray(shape: [3], dtype: .uint8))
        // An extension that may be ignored is kept.
        try store.set("ok/zarr.json", Array(#"{"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}}, "fill_value": 0, "codecs": [{"name": "bytes"}], "future": {"must_understand": false}}"#.utf8))
        #expect(try ZarrArray.open(in: store, path: "ok").read() == NDArray(shape: [8], dtype: .uint8))
    }
}

extension NDArray {
    /// The box `ranges` as a new array.
    func slice(_ ranges: [Range<Int>]) -> NDArray {
        let extent = ranges.map(\.count)
        return withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: extent, dtype: dtype) { out in
                RegionCopy.copy(
                    from: source, shape: shape, start: ranges.map(\.lowerBound), to: out, shape: extent,
                    start: extent.map { _ in 0 }, extent: extent, itemSize: dtype.itemSize)
            }
        }
    }

    /// Overwrites the box at `start` with `other`.
    mutating func assign(_ other: NDArray, at start: [Int]) {
        let shape = self.shape, itemSize = dtype.itemSize
        other.withUnsafeBytes { source in
            withUnsafeMutableBytes { out in
                RegionCopy.copy(
                    from: source, shape: other.shape, start: other.shape.map { _ in 0 }, to: out, shape: shape, start: start,
                    extent: other.shape, itemSize: itemSize)
            }
        }
    }

    /// Arrays joined along axis 0.
    static func concatenated(_ arrays: [NDArray]) -> NDArray {
        var result = NDArray(shape: [arrays.map { $0.shape[0] }.reduce(0, +)] + arrays[0].shape.dropFirst(), dtype: arrays[0].dtype)
        var row = 0
        for array in arrays {
            result.assign(array, at: [row] + array.shape.dropFirst().map { _ in 0 })
            row += array.shape[0]
        }
        return result
    }
}
