import Foundation
@testable import Microscopy
import Testing
import Zarr

@Suite struct OMEZarrValidationTests {
    /// A valid image: our writer's attributes and arrays.
    func written() throws -> (attributes: JSONObject, store: MemoryStore) {
        let store = MemoryStore()
        var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 8, 8])
        options.levelCount = 2
        let summary = try OMEZarrWriter(options: options).write(TestImages.make(shape: [1, 2, 2, 16, 16], dtype: .uint8), to: store)
        return (summary.attributes, store)
    }

    func problems(_ attributes: JSONObject, _ store: MemoryStore) -> [String] {
        OMEZarrValidator.problems(image: attributes) { try? ZarrArray.open(in: store, path: $0).metadata }
    }

    /// The attributes with `ome.multiscales[0]` changed by `change`.
    func editing(_ attributes: JSONObject, _ change: (inout JSONObject) -> Void) -> JSONObject {
        var result = attributes
        var ome = attributes["ome"]?.objectValue ?? [:]
        var multiscale = ome["multiscales"]?.arrayValue?.first?.objectValue ?? [:]
        change(&multiscale)
        ome["multiscales"] = [.object(multiscale)]
        result["ome"] = .object(ome)
        return result
    }

    @Test func ourOwnMetadataPasses() throws {
        let (attributes, store) = try written()
        #expect(problems(attributes, store).isEmpty)
    }

    @Test func transformsMustMatchTheAxes() throws {
        let (attributes, store) = try written()
        let short = editing(attributes) { multiscale in
            multiscale["datasets"] = [["path": "0", "coordinateTransformations": [["type": "scale", "scale": [1, 1, 1, 1]]]]]
        }
        #expect(problems(short, store).contains { $0.contains("4 entries for 5 axes") })
        let reversed = editing(attributes) { multiscale in
            multiscale["datasets"] = [
                ["path": "0", "coordinateTransformations": [["type": "translation", "translation": [0, 0, 0, 0, 0]], ["type": "scale", "scale": [1, 1, 1, 1, 1]]]]
            ]
        }
        #expect(problems(reversed, store).contains { $0.contains("one scale, optionally followed by one translation") })
        let zero = editing(attributes) { multiscale in
            multiscale["datasets"] = [["path": "0", "coordinateTransformations": [["type": "scale", "scale": [1, 1, 0, 1, 1]]]]]
        }
        #expect(problems(zero, store).contains { $0.contains("positive") })
        let finer = editing(attributes) { multiscale in
            multiscale["datasets"] = [
                ["path": "0", "coordinateTransformations": [["type": "scale", "scale": [1, 1, 1, 2, 2]]]],
                ["path": "1", "coordinateTransformations": [["type": "scale", "scale": [1, 1, 1, 1, 1]]]],
            ]
        }
        #expect(problems(finer, store).contains { $0.contains("finer than the level above") })
    }

    @Test func axesFollowTheOrderingRules() throws {
        let (attributes, store) = try written()
        func axes(_ list: [(String, String)], units: [String: String] = [:]) -> JSONObject {
            editing(attributes) { multiscale in
                multiscale["axes"] = .array(list.map { name, type in
                    var axis: JSONObject = ["name": .string(name), "type": .string(type)]
                    if let unit = units[name] { axis["unit"] = .string(unit) }
                    return .object(axis)
                })
            }
        }
        #expect(problems(axes([("c", "channel"), ("t", "time"), ("z", "space"), ("y", "space"), ("x", "space")]), store).contains {
            $0.contains("time axis must come first")
        })
        #expect(problems(axes([("t", "time"), ("z", "space"), ("c", "channel"), ("y", "space"), ("x", "space")]), store).contains {
            $0.contains("space axes must come last")
        })
        #expect(problems(axes([("t", "time"), ("c", "channel"), ("z", "space"), ("y", "space"), ("y", "space")]), store).contains {
            $0.contains("not unique")
        })
        #expect(problems(axes([("t", "time"), ("c", "channel"), ("z", "space"), ("y", "space"), ("x", "space")], units: ["x": "micron"]), store).contains {
            $0.contains("UDUNITS")
        })
        // Different names from the arrays' dimension_names.
        #expect(problems(axes([("t", "time"), ("c", "channel"), ("z", "space"), ("row", "space"), ("col", "space")]), store).contains {
            $0.contains("dimension_names")
        })
        #expect(problems(axes([("y", "space"), ("x", "space")]), store).contains { $0.contains("5 dimensions for 2 axes") })
    }

    @Test func omeroAndVersionAreChecked() throws {
        let (attributes, store) = try written()
        var wrong = attributes
        var ome = attributes["ome"]?.objectValue ?? [:]
        ome["version"] = "0.4"
        ome["omero"] = ["channels": [["color": "red", "window": ["start": 0]]]]
        wrong["ome"] = .object(ome)
        let found = problems(wrong, store)
        #expect(found.contains { $0.contains("version") })
        #expect(found.contains { $0.contains("1 entries for 2 channels") })
        #expect(found.contains { $0.contains("RRGGBB") })
        #expect(found.contains { $0.contains("window") })
        #expect(OMEZarrValidator.problems(labels: ["ome": ["version": "0.5", "labels": ["a"]]], children: []).contains { $0.contains("'a'") })
    }

    /// A store that changes the `dimension_names` of every array it is given: the writer's check
    /// must catch the damage before the image group exists.
    final class TamperingStore: ZarrStore, @unchecked Sendable {
        let base = MemoryStore()
        var capabilities: StoreCapabilities { base.capabilities }
        var displayName: String { "tampering" }
        func get(_ key: String) throws -> [UInt8]? { try base.get(key) }
        func get(_ key: String, range: ByteRange) throws -> [UInt8]? { try base.get(key, range: range) }
        func set(_ key: String, _ value: [UInt8]) throws {
            guard key.hasSuffix("zarr.json") else { return try base.set(key, value) }
            let text = String(decoding: value, as: UTF8.self)
            try base.set(key, Array(text.replacingOccurrences(of: #""x""#, with: #""w""#).utf8))
        }
        func delete(_ key: String) throws { try base.delete(key) }
        func list(prefix: String) throws -> [String] { try base.list(prefix: prefix) }
    }

    @Test func aViolationStopsTheWriterBeforeTheGroupIsWritten() throws {
        let store = TamperingStore()
        #expect { try OMEZarrWriter().write(TestImages.make(shape: [1, 1, 1, 8, 8], dtype: .uint8), to: store) } throws: { error in
            guard let error = error as? ImMetaIOError else { return false }
            return error.code == .corruptData && error.message.contains("internal error") && error.message.contains("dimension_names")
        }
        #expect(try store.base.get("zarr.json") == nil)
        #expect(try store.base.get("0/zarr.json") != nil)
    }

    @Test func badOptionsAndImagesAreRefused() throws {
        let image = TestImages.make(shape: [1, 1, 2, 16, 16], dtype: .uint16)
        func refused(_ options: OMEZarrWriteOptions, image: any MicroscopyImage = image, labels: [OMEZarrLabel] = [], store: any ZarrStore = MemoryStore()) -> Bool {
            do {
                try OMEZarrWriter(options: options).write(image, to: store, labels: labels)
                return false
            } catch {
                return error.code == .invalidArgument
            }
        }
        #expect(refused(OMEZarrWriteOptions(chunkShape: [256, 256])))
        #expect(refused(OMEZarrWriteOptions(chunkShape: [1, 1, 1, 0, 8])))
        #expect(refused(OMEZarrWriteOptions(chunkShape: [1, 1, 1, 8, 8], shardShape: [1, 1, 1, 12, 16])))
        #expect(refused(OMEZarrWriteOptions(levelCount: 0)))
        #expect(refused(OMEZarrWriteOptions(compression: .zstd(level: 40))))
        #expect(refused(OMEZarrWriteOptions(compression: .gzip(level: 10))))
        #expect(refused(OMEZarrWriteOptions(compression: .blosc(compressor: "snappy2", level: 5, shuffle: true))))
        var metadata = image.metadata
        metadata.axes = [.z, .t, .c, .y, .x]
        #expect(refused(OMEZarrWriteOptions(), image: ArrayImage(image.pixels, metadata: metadata)))
        let floatLabel = OMEZarrLabel(name: "mask", image: TestImages.make(shape: [1, 1, 1, 16, 16], dtype: .float32))
        #expect(refused(OMEZarrWriteOptions(), labels: [floatLabel]))
        let wrongSize = OMEZarrLabel(name: "mask", image: TestImages.make(shape: [1, 1, 1, 16, 8], dtype: .uint8))
        #expect(refused(OMEZarrWriteOptions(), labels: [wrongSize]))
        let badName = OMEZarrLabel(name: "a/b", image: TestImages.make(shape: [1, 1, 1, 16, 16], dtype: .uint8))
        #expect(refused(OMEZarrWriteOptions(), labels: [badName]))
        let occupied = MemoryStore()
        _ = try ZarrGroup.create(in: occupied)
        #expect(refused(OMEZarrWriteOptions(), store: occupied))
    }

    /// A source that returns the wrong shape is reported, not trusted.
    struct LyingImage: MicroscopyImage {
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: [1, 1, 1, 8, 8], dtype: .uint8)
        var levelShapes: [[Int]] { [metadata.shape] }
        func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray { NDArray(shape: [1, 1, 1, 4, 4], dtype: .uint8) }
    }

    @Test func aSourceReturningTheWrongShapeIsAnError() {
        #expect { try OMEZarrWriter().write(LyingImage(), to: MemoryStore()) } throws: { ($0 as? ImMetaIOError)?.code == .corruptData }
    }
}
