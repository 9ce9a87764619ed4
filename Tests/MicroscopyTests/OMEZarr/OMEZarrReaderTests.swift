import Foundation
@testable import Microscopy
import Testing
import Zarr

/// Stores laid out by hand as other writers lay them out, and broken ones.
@Suite struct OMEZarrReaderTests {
    /// A value that encodes its coordinates (model axes), so transpositions show.
    static func code(t: Int, z: Int, c: Int, y: Int, x: Int) -> UInt16 { UInt16(t * 10000 + z * 1000 + c * 100 + y * 10 + x) }

    /// Writes an image group whose arrays have the file axes `names` (a permutation of a subset
    /// of t, z, c, y, x) and `extents`, pixels from ``code(t:z:c:y:x:)``.
    @discardableResult
    static func makeStore(
        _ store: any ZarrStore, names: [String], types: [String]? = nil, extents: [Int], levels: Int = 1, units: [String: String] = [:],
        scale: [Double]? = nil, extra: JSONObject = [:], omero: JSONValue? = nil
    ) throws -> [NDArray] {
        var arrays: [NDArray] = []
        var datasets: [JSONValue] = []
        var shape = extents
        for level in 0..<levels {
            var values: [UInt16] = []
            var index = [Int](repeating: 0, count: shape.count)
            for _ in 0..<shape.reduce(1, *) {
                var coordinate: [String: Int] = [:]
                for (axis, name) in names.enumerated() { coordinate[name] = index[axis] }
                values.append(code(t: coordinate["t"] ?? 0, z: coordinate["z"] ?? 0, c: coordinate["c"] ?? 0, y: coordinate["y"] ?? 0, x: coordinate["x"] ?? 0))
                var axis = shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
            let array = try NDArray(values, shape: shape)
            let zarr = try ZarrArray.create(
                in: store, path: "s\(level)",
                metadata: ZarrArrayMetadata(
                    shape: shape, dtype: .uint16, chunkShape: shape.map { min($0, 4) },
                    codecs: [.sharding(chunkShape: shape.map { min($0, 4) % 2 == 0 ? 2 : min($0, 4) }, codecs: [.bytes(), .zstd()])],
                    dimensionNames: names))
            try zarr.write(array)
            arrays.append(array)
            let factor = Double(1 << level)
            let levelScale = (scale ?? names.map { _ in 1 }).enumerated().map { names[$0.offset] == "x" || names[$0.offset] == "y" ? $0.element * factor : $0.element }
            datasets.append(["path": .string("s\(level)"), "coordinateTransformations": [["type": "scale", "scale": .array(levelScale.map(JSONValue.double))]]])
            shape = zip(shape, names).map { $1 == "x" || $1 == "y" ? $0 / 2 : $0 }
        }
        let axisTypes = types ?? names.map { $0 == "t" ? "time" : $0 == "c" ? "channel" : "space" }
        let axes: [JSONValue] = zip(names, axisTypes).map { name, type in
            var axis: JSONObject = ["name": .string(name), "type": .string(type)]
            if let unit = units[name] { axis["unit"] = .string(unit) }
            return .object(axis)
        }
        var ome: JSONObject = ["version": "0.5", "multiscales": [["axes": .array(axes), "datasets": .array(datasets), "name": "peer"]]]
        if let omero { ome["omero"] = omero }
        var attributes: JSONObject = ["ome": .object(ome)]
        for (key, value) in extra { attributes[key] = value }
        _ = try ZarrGroup.create(in: store, attributes: attributes)
        return arrays
    }

    @Test func readsAnOmeZarrPyStyleCYXImage() throws {
        let store = MemoryStore()
        let omero: JSONValue = [
            "channels": [
                ["label": "DNA", "color": "0000FF", "window": ["start": 0, "end": 500, "min": 0, "max": 65535], "active": true],
                ["label": "Actin", "color": "FF0000", "window": ["start": 0, "end": 500, "min": 0, "max": 65535], "active": true],
            ],
            "rdefs": ["defaultZ": 0, "model": "color"],
        ]
        try Self.makeStore(
            store, names: ["c", "y", "x"], extents: [2, 8, 6], levels: 2, units: ["y": "micrometer", "x": "micrometer"], scale: [1, 0.5, 0.25],
            extra: ["custom": ["key": "value"]], omero: omero)
        let file = try OMEZarrFile(store: store)
        let image = try #require(file.omeZarrImages.first)
        #expect(image.levelShapes == [[1, 1, 2, 8, 6], [1, 1, 2, 4, 3]])
        let metadata = image.metadata
        #expect(metadata.name == "peer")
        #expect(metadata.physicalSizeY == Length(0.5, .micrometer))
        #expect(metadata.physicalSizeX == Length(0.25, .micrometer))
        #expect(metadata.physicalSizeZ == nil)
        #expect(metadata.timeIncrement == nil)
        #expect(metadata.channels.map(\.name) == ["DNA", "Actin"])
        #expect(metadata.channels.map(\.color) == [RGBAColor(red: 0, green: 0, blue: 255), RGBAColor(red: 255, green: 0, blue: 0)])
        #expect(metadata.annotations["custom.key"] == "value")
        #expect(metadata.annotations["ome.omero.rdefs.model"] == "color")
        #expect(metadata.provenance["format"] == "OME-Zarr 0.5")
        let window = try image.read(MicroscopyRegion(c: 1..<2, y: 1..<3, x: 2..<3), level: 1)
        #expect(window.shape == [1, 1, 1, 2, 1])
        #expect(window.scalars(as: UInt16.self) == [Self.code(t: 0, z: 0, c: 1, y: 1, x: 2), Self.code(t: 0, z: 0, c: 1, y: 2, x: 2)])
    }

    @Test func transposesAnyAxisOrderToTZCYX() throws {
        let store = MemoryStore()
        // Not an order the specification allows, but the reader does not depend on it.
        try Self.makeStore(store, names: ["z", "t", "y", "x", "c"], extents: [3, 2, 4, 5, 2], units: ["t": "millisecond", "z": "nanometer"], scale: [200, 40, 1, 1, 1])
        let image = try #require(try OMEZarrFile(store: store).images.first)
        #expect(image.levelShapes == [[2, 3, 2, 4, 5]])
        #expect(image.metadata.timeIncrement == TimeQuantity(40, .millisecond))
        #expect(image.metadata.physicalSizeZ == Length(200, .nanometer))
        let all = try image.read()
        var expected: [UInt16] = []
        for t in 0..<2 { for z in 0..<3 { for c in 0..<2 { for y in 0..<4 { for x in 0..<5 { expected.append(Self.code(t: t, z: z, c: c, y: y, x: x)) } } } } }
        #expect(all.scalars(as: UInt16.self) == expected)
        let window = try image.read(MicroscopyRegion(t: 1..<2, z: 0..<2, c: 1..<2, y: 3..<4, x: 1..<4))
        #expect(window.scalars(as: UInt16.self) == [1, 2, 3, 1001, 1002, 1003].map { 10000 + 100 + 30 + $0 })
    }

    @Test func customAxesOfExtentOneAreIgnored() throws {
        let store = MemoryStore()
        try Self.makeStore(store, names: ["a", "y", "x"], types: ["angle", "space", "space"], extents: [1, 3, 3])
        #expect(try OMEZarrFile(store: store).images[0].levelShapes == [[1, 1, 1, 3, 3]])
        let wide = MemoryStore()
        try Self.makeStore(wide, names: ["a", "y", "x"], types: ["angle", "space", "space"], extents: [2, 3, 3])
        #expect { try OMEZarrFile(store: wide) } throws: { ($0 as? ImMetaIOError)?.code == .unsupportedFeature }
    }

    @Test func readsOnlyTheInnerChunksAWindowNeeds() throws {
        let base = MemoryStore()
        let image = TestImages.make(shape: [1, 1, 1, 256, 256], dtype: .uint16)
        var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 32, 32], shardShape: [1, 1, 1, 256, 256])
        options.levelCount = 1
        try OMEZarrWriter(options: options).write(image, to: base)
        let store = CountingStore(base)
        let file = try OMEZarrFile(store: store)
        store.reset()
        let window = try file.images[0].read(MicroscopyRegion(y: 40..<60, x: 100..<130))
        #expect(window == Slicing.slice(image.pixels, [0..<1, 0..<1, 0..<1, 40..<60, 100..<130]))
        // The shard index and the 1 × 2 inner chunks the window meets: 3 range reads, no whole shard.
        #expect(store.rangeReads == 3)
        #expect(store.wholeReads == 0)
    }

    @Test func readsABioformats2rawCollection() throws {
        let store = MemoryStore()
        for series in ["0", "1"] {
            var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 8, 8])
            options.levelCount = 2
            let image = TestImages.make(shape: [1, 1, 1, 10, series == "0" ? 10 : 12], dtype: .uint8, name: "series \(series)")
            try OMEZarrWriter(options: options).write(image, to: store, path: series)
        }
        _ = try ZarrGroup.create(in: store, attributes: ["ome": ["version": "0.5", "bioformats2raw.layout": 3]])
        let file = try OMEZarrFile(store: store)
        #expect(file.images.map(\.metadata.name) == ["series 0", "series 1"])
        #expect(file.images.map(\.metadata.shape) == [[1, 1, 1, 10, 10], [1, 1, 1, 10, 12]])
        _ = try ZarrGroup.create(in: store, path: "OME", attributes: ["ome": ["version": "0.5", "series": ["1"]]])
        #expect(try OMEZarrFile(store: store).images.map(\.metadata.name) == ["series 1"])
    }

    @Test func explainsWhatItCannotRead() throws {
        func code(_ store: any ZarrStore) -> ImMetaIOError.Code? {
            do {
                _ = try OMEZarrFile(store: store)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(MemoryStore()) == .missingFile)
        let v2 = MemoryStore()
        try v2.set(".zgroup", Array(#"{"zarr_format": 2}"#.utf8))
        try v2.set(".zattrs", Array(#"{"multiscales": []}"#.utf8))
        #expect(code(v2) == .unsupportedFeature)
        let plain = MemoryStore()
        _ = try ZarrGroup.create(in: plain, attributes: ["something": 1])
        #expect(code(plain) == .unsupportedFormat)
        let plate = MemoryStore()
        _ = try ZarrGroup.create(in: plate, attributes: ["ome": ["version": "0.5", "plate": ["rows": []]]])
        #expect(code(plate) == .unsupportedFeature)
        let future = MemoryStore()
        _ = try ZarrGroup.create(in: future, attributes: ["ome": ["version": "0.9", "multiscales": [[:]]]])
        #expect(code(future) == .unsupportedFeature)
        let noAxes = MemoryStore()
        _ = try ZarrGroup.create(in: noAxes, attributes: ["ome": ["version": "0.5", "multiscales": [["datasets": [["path": "0"]]]]]])
        #expect(code(noAxes) == .corruptData)
        let escaping = MemoryStore()
        try Self.makeStore(escaping, names: ["y", "x"], extents: [2, 2])
        var attributes = try ZarrGroup.open(in: escaping).attributes
        attributes["ome"] = ["version": "0.5", "multiscales": [["axes": [["name": "y", "type": "space"], ["name": "x", "type": "space"]], "datasets": [["path": "../s0"]]]]]
        _ = try ZarrGroup.create(in: escaping, attributes: attributes)
        #expect(code(escaping) == .corruptData)
        let wrongRank = MemoryStore()
        try Self.makeStore(wrongRank, names: ["y", "x"], extents: [2, 2])
        attributes["ome"] = ["version": "0.5", "multiscales": [["axes": [["name": "c", "type": "channel"], ["name": "y", "type": "space"], ["name": "x", "type": "space"]], "datasets": [["path": "s0"]]]]]
        _ = try ZarrGroup.create(in: wrongRank, attributes: attributes)
        #expect(code(wrongRank) == .corruptData)
        let twice = MemoryStore()
        try Self.makeStore(twice, names: ["y", "x", "X"], extents: [2, 2, 2])
        #expect(code(twice) == .corruptData)
        let selfSeries = MemoryStore()
        _ = try ZarrGroup.create(in: selfSeries, attributes: ["ome": ["version": "0.5", "bioformats2raw.layout": 3]])
        _ = try ZarrGroup.create(in: selfSeries, path: "OME", attributes: ["ome": ["version": "0.5", "series": ["./"]]])
        #expect(code(selfSeries) == .corruptData)
        let array = MemoryStore()
        _ = try ZarrArray.create(in: array, metadata: ZarrArrayMetadata(shape: [2], dtype: .uint8, chunkShape: [2]))
        #expect(code(array) == .unsupportedFormat)
    }

    @Test func refusesLevelsAndWindowsOutsideTheImage() throws {
        let store = MemoryStore()
        try Self.makeStore(store, names: ["y", "x"], extents: [4, 4], levels: 2)
        let image = try OMEZarrFile(store: store).images[0]
        #expect { try image.read(.all, level: 2) } throws: { ($0 as? ImMetaIOError)?.code == .invalidArgument }
        #expect { try image.read(MicroscopyRegion(x: 2..<6), level: 1) } throws: { ($0 as? ImMetaIOError)?.code == .invalidArgument }
    }
}

/// A store that counts reads, for checking that windows fetch only what they need.
/// `@unchecked Sendable`: the counters are only touched under the lock.
final class CountingStore: ZarrStore, @unchecked Sendable {
    private let base: any ZarrStore
    private let lock = NSLock()
    private var whole = 0
    private var ranged = 0

    init(_ base: any ZarrStore) { self.base = base }

    var wholeReads: Int { lock.withLock { whole } }
    var rangeReads: Int { lock.withLock { ranged } }
    func reset() { lock.withLock { (whole, ranged) = (0, 0) } }

    var capabilities: StoreCapabilities { base.capabilities }
    var displayName: String { "counting" }
    func get(_ key: String) throws -> [UInt8]? {
        if !key.hasSuffix("zarr.json") { lock.withLock { whole += 1 } }
        return try base.get(key)
    }
    func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        if !key.hasSuffix("zarr.json") { lock.withLock { ranged += 1 } }
        return try base.get(key, range: range)
    }
    func set(_ key: String, _ value: [UInt8]) throws { try base.set(key, value) }
    func delete(_ key: String) throws { try base.delete(key) }
    func list(prefix: String) throws -> [String] { try base.list(prefix: prefix) }
}
