import Foundation
@testable import Microscopy
import Testing
import Zarr

@Suite struct OMEZarrRoundTripTests {
    /// Writes `image`, reads it back, and checks every level against the reference pyramid and the
    /// metadata against the source's.
    @discardableResult
    func roundTrip(
        _ image: ArrayImage, options: OMEZarrWriteOptions, store: any ZarrStore = MemoryStore(), expectedLevels: [[Int]]? = nil
    ) throws -> OMEZarrImage {
        let summary = try OMEZarrWriter(options: options).write(image, to: store)
        if let expectedLevels { #expect(summary.levelShapes == expectedLevels) }
        let file = try OMEZarrFile(store: store)
        #expect(file.formatName == "OME-Zarr")
        #expect(file.images.count == 1)
        let read = try #require(file.omeZarrImages.first)
        #expect(read.metadata == image.metadata)
        #expect(read.levelShapes.count == summary.levelShapes.count)
        #expect(try read.read() == image.pixels)
        let reference = ReferencePyramid.levels(
            ReferencePyramid.omeOrder(image.pixels), count: summary.levelShapes.count, halvesZ: options.downsamplesZ,
            mean: options.downsampling == .mean)
        for (level, expected) in reference.enumerated() {
            #expect(expected.shape == summary.levelShapes[level])
            let array = try ZarrArray.open(in: store, path: "\(level)")
            #expect(array.shape == summary.levelShapes[level])
            #expect(array.metadata.dimensionNames == ["t", "c", "z", "y", "x"])
            let stored = try array.read()
            #expect(stored == expected, "level \(level)")
            // The reader's view of the level is the same pixels in TZCYX[S].
            let viaReader = try read.read(.all, level: level)
            #expect(viaReader.shape == read.levelShapes[level])
        }
        return read
    }

    static let small: OMEZarrWriteOptions = {
        var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 8, 8], shardShape: [1, 1, 1, 16, 16])
        options.levelCount = 3
        return options
    }()

    @Test func uint8FiveDimensionsWithOddEdges() throws {
        let image = TestImages.make(shape: [2, 3, 2, 37, 53], dtype: .uint8)
        try roundTrip(
            image, options: Self.small,
            expectedLevels: [[2, 2, 3, 37, 53], [2, 2, 3, 19, 27], [2, 2, 3, 10, 14]])
    }

    @Test func uint16PlaneWithDefaultOptions() throws {
        let image = TestImages.make(shape: [1, 1, 1, 600, 700], dtype: .uint16) { _, _, _, y, x, _ in Double((y * 700 + x) * 37 % 65536) }
        let read = try roundTrip(image, options: OMEZarrWriteOptions(), expectedLevels: [[1, 1, 1, 600, 700], [1, 1, 1, 300, 350], [1, 1, 1, 150, 175]])
        #expect(read.metadata.physicalSizeX == Length(0.325, .micrometer))
    }

    @Test func float32WithZHalved() throws {
        let image = TestImages.make(shape: [1, 5, 1, 20, 18], dtype: .float32) { _, z, _, y, x, _ in Double(x) * 0.5 - Double(y) * 0.25 + Double(z) }
        var options = Self.small
        options.downsamplesZ = true
        let store = MemoryStore()
        try roundTrip(image, options: options, store: store, expectedLevels: [[1, 1, 5, 20, 18], [1, 1, 3, 10, 9], [1, 1, 2, 5, 5]])
        let scales = try multiscaleScales(store)
        #expect(scales[1] == [2.5, 1, 3, 0.65, 0.65])
        #expect(scales[2] == [2.5, 1, 6, 1.3, 1.3])
    }

    @Test func withoutTimeZOrChannels() throws {
        let image = TestImages.make(shape: [1, 1, 1, 9, 11], dtype: .uint16)
        try roundTrip(image, options: Self.small, expectedLevels: [[1, 1, 1, 9, 11], [1, 1, 1, 5, 6], [1, 1, 1, 3, 3]])
    }

    @Test func rgbSamplesBecomeChannelsAndComeBack() throws {
        let image = TestImages.make(shape: [1, 2, 1, 21, 19, 3], dtype: .uint8)
        let store = MemoryStore()
        let read = try roundTrip(image, options: Self.small, store: store, expectedLevels: [[1, 3, 2, 21, 19], [1, 3, 2, 11, 10], [1, 3, 2, 6, 5]])
        #expect(read.metadata.axesString == "TZCYXS")
        let omero = try #require(try ZarrGroup.open(in: store).attributes["ome"]?["omero"]?["channels"]?.arrayValue)
        #expect(omero.map { $0["label"]?.stringValue } == ["DAPI R", "DAPI G", "DAPI B"])
        #expect(omero.map { $0["color"]?.stringValue } == ["FF0000", "00FF00", "0000FF"])
        // A window of the middle channel of the folded layout reads back as its samples.
        let window = try read.read(MicroscopyRegion(z: 1..<2, y: 3..<9, x: 2..<7), level: 0)
        #expect(window == Slicing.slice(image.pixels, [0..<1, 1..<2, 0..<1, 3..<9, 2..<7, 0..<3]))
    }

    @Test func multiChannelRGB() throws {
        let image = TestImages.make(shape: [2, 1, 2, 10, 12, 3], dtype: .uint16)
        var options = Self.small
        options.chunkShape = [1, 2, 1, 8, 8]
        options.shardShape = [1, 4, 1, 8, 16]
        try roundTrip(image, options: options, expectedLevels: [[2, 6, 1, 10, 12], [2, 6, 1, 5, 6], [2, 6, 1, 3, 3]])
    }

    @Test(arguments: [OMEZarrCompression.none, .gzip(level: 6), .blosc(compressor: "lz4", level: 5, shuffle: true), .zstd(level: 1)])
    func compressors(_ compression: OMEZarrCompression) throws {
        var options = Self.small
        options.compression = compression
        try roundTrip(TestImages.make(shape: [1, 2, 2, 17, 16], dtype: .uint16), options: options)
    }

    @Test func float16AndBool() throws {
        try roundTrip(TestImages.make(shape: [1, 1, 2, 11, 13], dtype: .float16) { _, _, c, y, x, _ in Double(x + y) * 0.5 - Double(c) }, options: Self.small)
        try roundTrip(TestImages.make(shape: [1, 1, 1, 11, 13], dtype: .bool) { _, _, _, y, x, _ in Double((x * y) % 3 == 0 ? 1 : 0) }, options: Self.small)
    }

    @Test func unshardedChunks() throws {
        var options = Self.small
        options.sharded = false
        let store = MemoryStore()
        try roundTrip(TestImages.make(shape: [1, 2, 1, 30, 20], dtype: .uint8), options: options, store: store)
        let codecs = try ZarrArray.open(in: store, path: "0").metadata.codecs.map(\.name)
        #expect(codecs == ["bytes", "zstd"])
        #expect(try store.contains("0/c/0/0/1/3/2"))
    }

    @Test func signedIntegersRoundHalvesUp() throws {
        let image = TestImages.make(shape: [1, 1, 1, 6, 6], dtype: .int16) { _, _, _, y, x, _ in Double((y * 6 + x) * 37 % 200 - 100) }
        try roundTrip(image, options: Self.small)
        // (-1 + -2 + 0 + 1) / 4 = -0.5 → 0; (-1 + -2) / 2 = -1.5 → -1.
        let block = try NDArray([Int16(-1), -2, 0, 1], shape: [1, 1, 1, 2, 2])
        #expect(PyramidDownsampler.downsample(block, halvesZ: false, method: .mean).scalars(as: Int16.self) == [0])
        let pair = try NDArray([Int16(-1), -2], shape: [1, 1, 1, 1, 2])
        #expect(PyramidDownsampler.downsample(pair, halvesZ: false, method: .mean).scalars(as: Int16.self) == [-1])
    }

    @Test func wideIntegersAverageWithoutOverflow() throws {
        let big: [UInt64] = [.max, .max - 1, .max - 2, .max - 4]
        let block = try NDArray(big, shape: [1, 1, 1, 2, 2])
        // Mean of max − {0, 1, 2, 4} = max − 1.75 → max − 2 (half up from −1.75 is −2).
        #expect(PyramidDownsampler.downsample(block, halvesZ: false, method: .mean).scalars(as: UInt64.self) == [.max - 2])
        let signed: [Int64] = [.min, .min + 1, .max, .max]
        let mixed = try NDArray(signed, shape: [1, 1, 1, 2, 2])
        // (min + min + 1 + max + max) / 4 = (−2 + 1 + … ) : min + max = −1, twice → −2 + 1 = −1; /4 → −0.25 → 0.
        #expect(PyramidDownsampler.downsample(mixed, halvesZ: false, method: .mean).scalars(as: Int64.self) == [0])
        let image = TestImages.make(shape: [1, 1, 1, 7, 9], dtype: .int64) { _, _, _, y, x, _ in Double((y * 9 + x) * 1_000_003 - 30_000_000) }
        try roundTrip(image, options: Self.small)
        let unsigned = TestImages.make(shape: [1, 1, 1, 7, 9], dtype: .uint64) { _, _, _, y, x, _ in Double((y * 9 + x) * 999_983) }
        try roundTrip(unsigned, options: Self.small)
    }

    @Test func nearestPicksTheTopLeftPixel() throws {
        var options = Self.small
        options.downsampling = .nearest
        let store = MemoryStore()
        try roundTrip(TestImages.make(shape: [1, 1, 2, 13, 15], dtype: .uint16), options: options, store: store)
        let transforms = try #require(try ZarrGroup.open(in: store).attributes["ome"]?["multiscales"]?.arrayValue?[0]["datasets"]?.arrayValue)
        // No half-pixel shift for picked pixels.
        #expect(transforms.allSatisfy { $0["coordinateTransformations"]?.arrayValue?.count == 1 })
    }

    @Test func metadataIsWrittenAsTheSpecificationSays() throws {
        let image = TestImages.make(shape: [3, 4, 2, 40, 30], dtype: .uint16)
        let store = MemoryStore()
        try OMEZarrWriter(options: Self.small).write(image, to: store)
        let attributes = try ZarrGroup.open(in: store).attributes
        let ome = try #require(attributes["ome"])
        #expect(ome["version"] == "0.5")
        let multiscale = try #require(ome["multiscales"]?.arrayValue?.first)
        #expect(multiscale["name"] == "test image")
        let axes = try #require(multiscale["axes"]?.arrayValue)
        #expect(axes.map { $0["name"]?.stringValue } == ["t", "c", "z", "y", "x"])
        #expect(axes.map { $0["type"]?.stringValue } == ["time", "channel", "space", "space", "space"])
        #expect(axes.map { $0["unit"]?.stringValue } == ["second", nil, "micrometer", "micrometer", "micrometer"])
        let scales = try multiscaleScales(store)
        #expect(scales == [[2.5, 1, 1.5, 0.325, 0.325], [2.5, 1, 1.5, 0.65, 0.65], [2.5, 1, 1.5, 1.3, 1.3]])
        let second = try #require(multiscale["datasets"]?.arrayValue?[2]["coordinateTransformations"]?.arrayValue)
        #expect(second[1]["translation"] == [0, 0, 0, 0.4875, 0.4875])
        let channels = try #require(ome["omero"]?["channels"]?.arrayValue)
        #expect(channels.map { $0["label"]?.stringValue } == ["DAPI", "GFP"])
        #expect(channels.map { $0["color"]?.stringValue } == ["FF0000", "00FF00"])
        let window = try #require(channels[0]["window"])
        #expect(window["min"] == 0)
        #expect(window["max"] == 65535)
        let values = image.pixels.astype(.float64).scalars(as: Double.self)
        // Channel 0 of TZCYX: every value with c == 0.
        var channel0: [Double] = []
        for (index, value) in values.enumerated() where (index / (40 * 30)) % 2 == 0 { channel0.append(value) }
        #expect(window["start"]?.doubleValue == channel0.min())
        #expect(window["end"]?.doubleValue == channel0.max())
        #expect(ome["omero"]?["rdefs"] == ["defaultT": 0, "defaultZ": 2, "model": "color"])
        let own = try #require(attributes["immetaio"])
        #expect(own["acquisitionDate"] == "2024-03-01T12:30:00")
    }

    @Test func writesToAFolderAndOverwritesOnlyWhenAsked() throws {
        let folder = TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = TestImages.make(shape: [1, 2, 1, 40, 50], dtype: .uint8)
        let path = folder + "/image.ome.zarr"
        try OMEZarrWriter(options: Self.small).write(image, to: path)
        let reopened = try OMEZarrFile(path: path)
        #expect(try reopened.images[0].read() == image.pixels)
        #expect(reopened.path == path)
        #expect(throws: ImMetaIOError.self) { try OMEZarrWriter(options: Self.small).write(image, to: path) }
        var options = Self.small
        options.overwrite = true
        options.levelCount = 2
        let smaller = TestImages.make(shape: [1, 1, 1, 10, 10], dtype: .uint16)
        try OMEZarrWriter(options: options).write(smaller, to: path)
        let replaced = try OMEZarrFile(path: path)
        #expect(replaced.images[0].levelShapes.count == 2)
        #expect(try replaced.images[0].read() == smaller.pixels)
        #expect(!FileManager.default.fileExists(atPath: path + "/2/zarr.json"))
    }

    @Test func eachSourcePixelIsReadOnceInBlocks() throws {
        let image = TestImages.make(shape: [2, 3, 1, 64, 64], dtype: .uint8)
        var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 16, 16], shardShape: [1, 1, 1, 32, 32])
        options.levelCount = 4
        try OMEZarrWriter(options: options).write(image, to: MemoryStore())
        // One read per block: 2 × 3 planes of 2 × 2 blocks.
        #expect(image.readCount == 2 * 3 * 4)
    }

    @Test func labelsGetTheImagesLevels() throws {
        let image = TestImages.make(shape: [1, 2, 1, 30, 34], dtype: .uint16)
        let mask = TestImages.make(shape: [1, 2, 1, 30, 34], dtype: .uint8, name: nil) { _, _, _, y, x, _ in Double((y / 7 + x / 9) % 4) }
        let label = OMEZarrLabel(
            name: "cells", image: mask,
            colors: [1: RGBAColor(red: 255, green: 0, blue: 0, alpha: 128), 2: RGBAColor(red: 0, green: 0, blue: 255)],
            properties: [1: ["class": "nucleus"]])
        let store = MemoryStore()
        try OMEZarrWriter(options: Self.small).write(image, to: store, labels: [label])
        let read = try #require(try OMEZarrFile(store: store).omeZarrImages.first)
        #expect(read.labelNames == ["cells"])
        let cells = try read.label(named: "cells")
        #expect(cells.levelShapes.count == read.levelShapes.count)
        #expect(try cells.read() == mask.pixels)
        let reference = ReferencePyramid.levels(ReferencePyramid.omeOrder(mask.pixels), count: 3, halvesZ: false, mean: false)
        for level in 0..<3 {
            #expect(try ZarrArray.open(in: store, path: "labels/cells/\(level)").read() == reference[level])
        }
        let labelsGroup = try ZarrGroup.open(in: store, path: "labels").attributes
        #expect(labelsGroup["ome"] == ["version": "0.5", "labels": ["cells"]])
        let imageLabel = try #require(try ZarrGroup.open(in: store, path: "labels/cells").attributes["ome"]?["image-label"])
        #expect(imageLabel["colors"] == [["label-value": 1, "rgba": [255, 0, 0, 128]], ["label-value": 2, "rgba": [0, 0, 255, 255]]])
        #expect(imageLabel["properties"] == [["class": "nucleus", "label-value": 1]])
        #expect(throws: ImMetaIOError.self) { try read.label(named: "nuclei") }
    }

    @Test func largeBlocksRunInParallelAndStayBounded() throws {
        // Enough roots for several threads, and a plane larger than a shard in both directions.
        let image = TestImages.make(shape: [2, 2, 3, 300, 260], dtype: .uint16)
        var options = OMEZarrWriteOptions(chunkShape: [1, 1, 1, 32, 32], shardShape: [1, 1, 1, 64, 64])
        options.levelCount = 4
        try roundTrip(image, options: options)
    }

    func multiscaleScales(_ store: any ZarrStore) throws -> [[Double]] {
        let datasets = try #require(try ZarrGroup.open(in: store).attributes["ome"]?["multiscales"]?.arrayValue?[0]["datasets"]?.arrayValue)
        return datasets.map { dataset in
            dataset["coordinateTransformations"]?.arrayValue?[0]["scale"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        }
    }
}
