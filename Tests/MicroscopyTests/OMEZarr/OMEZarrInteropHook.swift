import Foundation
@testable import Microscopy
import Testing
import Zarr

/// The Swift side of `check_ome_zarr.py` (run only when `IMMETAIO_OMEZARR_INTEROP` names its
/// work folder): reads the stores other tools wrote in `peers/`, dumps what it read to `read/`,
/// and writes OME-Zarr stores of its own to `ours/` for the script to check with ome-zarr-py,
/// zarr-python and ome-zarr-models.
@Suite struct OMEZarrInteropHook {
    static let folder = ProcessInfo.processInfo.environment["IMMETAIO_OMEZARR_INTEROP"]

    @Test(.enabled(if: folder != nil, "set IMMETAIO_OMEZARR_INTEROP to run (check_ome_zarr.py does)"))
    func readPeersAndWriteOurs() throws {
        let root = try #require(Self.folder)
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/read", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/ours", withIntermediateDirectories: true)
        let peers = (try? manager.contentsOfDirectory(atPath: root + "/peers"))?.filter { $0.hasSuffix(".zarr") }.sorted() ?? []
        for peer in peers {
            let name = String(peer.dropLast(".zarr".count))
            let file = try OMEZarrFile(path: root + "/peers/" + peer, limits: .unlimited)
            let image = try #require(file.omeZarrImages.first)
            let folder = root + "/read/" + name
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for level in 0..<image.levelCount {
                try save(try image.read(.all, level: level), to: folder + "/level\(level).npy")
            }
            try describe(image.metadata, levelShapes: image.levelShapes, labels: image.labelNames).write(
                toFile: folder + "/meta.json", atomically: true, encoding: .utf8)
            var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 32, 32])
            options.levelCount = 3
            options.overwrite = true
            try OMEZarrWriter(options: options).write(image, to: root + "/ours/" + name + ".zarr")
            try info(source: "read/\(name)/level0.npy", options: options, samples: 1).write(
                toFile: root + "/ours/" + name + ".json", atomically: true, encoding: .utf8)
        }
        for (name, image, options, labels) in Self.generated() {
            var options = options
            options.overwrite = true
            try OMEZarrWriter(options: options).write(image, to: root + "/ours/" + name + ".zarr", labels: labels)
            try save(image.pixels, to: root + "/ours/" + name + ".source.npy")
            for label in labels {
                if let pixels = (label.image as? ArrayImage)?.pixels { try save(pixels, to: root + "/ours/\(name).label-\(label.name).npy") }
            }
            let samples = image.metadata.hasSamples ? image.metadata.shape[5] : 1
            try info(source: "ours/\(name).source.npy", options: options, samples: samples, metadata: image.metadata).write(
                toFile: root + "/ours/" + name + ".json", atomically: true, encoding: .utf8)
        }
    }

    /// Images of every kind the writer handles.
    static func generated() -> [(String, ArrayImage, OMEZarrWriteOptions, [OMEZarrLabel])] {
        var small = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 32, 32], shardShape: [1, 1, 1, 64, 64])
        small.levelCount = 3
        var halvesZ = small
        halvesZ.downsamplesZ = true
        var gzip = small
        gzip.compression = .gzip(level: 5)
        gzip.sharded = false
        var blosc = small
        blosc.compression = .blosc(compressor: "lz4", level: 5, shuffle: true)
        let mask = TestImages.make(shape: [1, 3, 1, 70, 90], dtype: .uint16, name: "cells") { _, z, _, y, x, _ in Double((y / 10 + x / 15 + z) % 5) }
        let labels = [OMEZarrLabel(name: "cells", image: mask, colors: [1: RGBAColor(red: 255, green: 0, blue: 0), 2: RGBAColor(red: 0, green: 255, blue: 0)])]
        return [
            ("gen_uint8_tzcyx", TestImages.make(shape: [2, 3, 2, 70, 90], dtype: .uint8), small, []),
            ("gen_uint16_yx_default", TestImages.make(shape: [1, 1, 1, 700, 650], dtype: .uint16) { _, _, _, y, x, _ in Double((y * 650 + x) * 97 % 65521) }, OMEZarrWriteOptions(), []),
            ("gen_float32_zyx_halvez", TestImages.make(shape: [1, 5, 1, 66, 67], dtype: .float32) { _, z, _, y, x, _ in Double(x) * 0.5 - Double(y) * 0.25 + Double(z) * 3 }, halvesZ, []),
            ("gen_rgb_uint8", TestImages.make(shape: [1, 1, 1, 50, 61, 3], dtype: .uint8), small, []),
            ("gen_int16_gzip", TestImages.make(shape: [1, 2, 2, 45, 33], dtype: .int16) { _, z, c, y, x, _ in Double((y * 33 + x + z * 7 + c * 11) * 37 % 2000 - 1000) }, gzip, []),
            ("gen_uint16_blosc_labels", TestImages.make(shape: [1, 3, 2, 70, 90], dtype: .uint16), blosc, labels),
        ]
    }

    func save(_ array: NDArray, to path: String) throws {
        try Data(NPY.encode(array)).write(to: URL(fileURLWithPath: path))
    }

    func describe(_ metadata: MicroscopyMetadata, levelShapes: [[Int]], labels: [String]) -> String {
        func length(_ value: Length?) -> JSONValue { value.map { [.double($0.value), .string($0.unit.udunitsName ?? $0.unit.symbol)] } ?? .null }
        var object: JSONObject = [
            "axes": .string(metadata.axesString), "dtype": .string(metadata.dtype.rawValue),
            "levelShapes": .array(levelShapes.map { .array($0.map(JSONValue.int)) }),
            "name": metadata.name.map(JSONValue.string) ?? .null,
            "physicalSizeX": length(metadata.physicalSizeX), "physicalSizeY": length(metadata.physicalSizeY),
            "physicalSizeZ": length(metadata.physicalSizeZ),
            "timeIncrement": metadata.timeIncrement.map { [.double($0.value), .string($0.unit.udunitsName)] } ?? .null,
            "channels": .array(metadata.channels.map { ["name": $0.name.map(JSONValue.string) ?? .null, "color": $0.color.map { .string($0.hexRGB) } ?? .null] }),
            "labels": .array(labels.map(JSONValue.string)),
        ]
        object["annotations"] = .object(JSONObject(metadata.annotations.map { ($0.key, .string($0.value)) }))
        return JSONText.encode(.object(object))
    }

    func info(source: String, options: OMEZarrWriteOptions, samples: Int, metadata: MicroscopyMetadata? = nil) -> String {
        var object: JSONObject = [
            "source": .string(source), "halvesZ": .bool(options.downsamplesZ), "mean": .bool(options.downsampling == .mean),
            "samples": .int(samples),
        ]
        if let metadata {
            object["physicalSizes"] = .array(OMEZarrAttributes.physicalSizes(metadata).map { [.double($0.value), $0.unit.map(JSONValue.string) ?? .null] })
            object["channelNames"] = .array(metadata.channels.map { $0.name.map(JSONValue.string) ?? .null })
            object["name"] = metadata.name.map(JSONValue.string) ?? .null
        }
        return JSONText.encode(.object(object))
    }
}
