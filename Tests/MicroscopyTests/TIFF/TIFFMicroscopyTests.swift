import Foundation
import ImMetaIO
import Microscopy
import TestSupport
import Testing

@Suite struct TIFFMicroscopyTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-microscopy-\(UUID().uuidString)-\(name)").path
    }

    /// A T×Z×C×H×W uint16 stack whose values encode their position.
    private func stack(_ t: Int, _ z: Int, _ c: Int, _ h: Int, _ w: Int) throws -> NDArray {
        var values: [UInt16] = []
        for it in 0..<t { for iz in 0..<z { for ic in 0..<c { for y in 0..<h { for x in 0..<w {
            values.append(UInt16(truncatingIfNeeded: it * 10_000 + iz * 1000 + ic * 100 + y * 7 + x))
        } } } } }
        return try NDArray(values, shape: [t, z, c, h, w])
    }

    @Test func imageJHyperstackOpensAsTZCYXWithItsCalibration() throws {
        let data = try stack(2, 3, 2, 9, 11)
        let path = temporaryPath("hyper.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let description = "ImageJ=1.54f\nimages=12\nchannels=2\nslices=3\nframes=2\nhyperstack=true\nunit=micron\nspacing=0.75\nfinterval=2.5\n"
        try writeImage(
            data.reshaped([12, 9, 11]), to: path,
            options: ["description": .string(description), "resolution": [4, 2], "resolution_unit": "none"])
        let file = try TIFFMicroscopyFile(path: path)
        #expect(file.formatName == "ImageJ TIFF")
        let image = try file.image(scene: 0)
        #expect(image.metadata.axesString == "TZCYX")
        #expect(image.metadata.shape == [2, 3, 2, 9, 11])
        #expect(image.metadata.physicalSizeX == Length(0.25, .micrometer))
        #expect(image.metadata.physicalSizeY == Length(0.5, .micrometer))
        #expect(image.metadata.physicalSizeZ == Length(0.75, .micrometer))
        #expect(image.metadata.timeIncrement == TimeQuantity(2.5, .second))
        #expect(try image.read() == data)
        // A window: the second time point, the last slice, channel 1, rows 2..<7, columns 3..<10.
        let window = try image.read(MicroscopyRegion(t: 1..<2, z: 2..<3, c: 1..<2, y: 2..<7, x: 3..<10))
        #expect(window.shape == [1, 1, 1, 5, 7])
        var expected: [UInt16] = []
        for y in 2..<7 { for x in 3..<10 { expected.append(UInt16(12_100 + y * 7 + x)) } }
        #expect(window.scalars(as: UInt16.self) == expected)
    }

    @Test func plainMultiPageTIFFIsATimeSeriesAndRGBPagesKeepTheirSamples() throws {
        let gray = try stack(1, 1, 4, 6, 5).reshaped([4, 6, 5])
        let path = temporaryPath("pages.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeImage(gray, to: path, options: ["compression": "deflate", "rows_per_strip": 2])
        let image = try TIFFMicroscopyFile(path: path).image(scene: 0)
        #expect(image.metadata.shape == [4, 1, 1, 6, 5])
        #expect(try image.read().reshaped([4, 6, 5]) == gray)
        #expect(try image.read(MicroscopyRegion(t: 2..<4, y: 3..<6, x: 1..<4)).shape == [2, 1, 1, 3, 3])

        let rgbValues: [UInt8] = (0..<(7 * 8 * 3)).map { UInt8($0 % 251) }
        let rgb = try NDArray(rgbValues, shape: [7, 8, 3])
        let rgbPath = temporaryPath("rgb.tif")
        defer { try? FileManager.default.removeItem(atPath: rgbPath) }
        try writeImage(rgb, to: rgbPath, options: ["tile": [16, 16], "compression": "zstd"])
        let colour = try TIFFMicroscopyFile(path: rgbPath).image(scene: 0)
        #expect(colour.metadata.axesString == "TZCYXS")
        #expect(colour.metadata.shape == [1, 1, 1, 7, 8, 3])
        #expect(try colour.read().reshaped([7, 8, 3]) == rgb)
        let part = try colour.read(MicroscopyRegion(y: 1..<3, x: 2..<5))
        var expected: [UInt8] = []
        for y in 1..<3 { for x in 2..<5 { for s in 0..<3 { expected.append(rgbValues[(y * 8 + x) * 3 + s]) } } }
        #expect(part.scalars(as: UInt8.self) == expected)
    }

    @Test func readsAreCheckedAgainstTheLimitsBeforeAllocating() throws {
        let path = temporaryPath("limits.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeImage(try stack(3, 1, 1, 40, 30).reshaped([3, 40, 30]), to: path)
        let image = try openMicroscopyFile(path, limits: DecodeLimits(maxPixels: 2_000)).image(scene: 0)
        #expect(throws: ImMetaIOError.self) { try image.read() }
        #expect(try image.read(MicroscopyRegion(t: 0..<1, y: 0..<40, x: 0..<30)).shape == [1, 1, 1, 40, 30])
    }

    @Test func regionsOutsideTheImageAndMissingScenesAreErrors() throws {
        let path = temporaryPath("small.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeImage(try stack(1, 1, 1, 4, 4).reshaped([4, 4]), to: path)
        let file = try TIFFMicroscopyFile(path: path)
        #expect(throws: ImMetaIOError.self) { try file.image(scene: 1) }
        #expect(throws: ImMetaIOError.self) { try file.images[0].read(MicroscopyRegion(x: 2..<6)) }
        #expect(throws: ImMetaIOError.self) { try file.images[0].read(.all, level: 1) }
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func zeissLSMReadsChannelsVoxelSizesAndNames() throws {
        let path = try #require(Corpus.root).appendingPathComponent("lsm/omio/032113-18.lsm").path
        let file = try TIFFMicroscopyFile(path: path)
        #expect(file.formatName == "LSM")
        let image = try file.image(scene: 0)
        let metadata = image.metadata
        #expect(metadata.shape == [1, 1, 3, 512, 512])
        #expect(metadata.dtype == .uint8)
        let sizeX = try #require(metadata.physicalSizeX)
        #expect(sizeX.unit == .micrometer && abs(sizeX.value - 1.0378322762047988) < 1e-12)
        #expect(metadata.physicalSizeZ == nil)
        #expect(metadata.channels.map(\.name) == ["Ch1-T1", "Ch2-T2", "T PMT-T2"])
        #expect(metadata.channels[0].color == RGBAColor(red: 0, green: 0, blue: 255))
        #expect(metadata.instrument?.objective == "Plan-Apochromat 20x/0.8 M27")
        let entry = try #require(try Corpus.entries(formats: ["lsm"]).first)
        let pixels = try image.read()
        #expect(pixels.withUnsafeBytes { SHA256.hex($0) } == entry.pixelSHA256)
    }
}
