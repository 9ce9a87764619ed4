import Foundation
import Microscopy
import Testing

@Suite struct OMETIFFWriterTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-ometiff-\(UUID().uuidString)-\(name)").path
    }

    private func image(_ shape: [Int], dtype: DType = .uint16, samples: Bool = false) throws -> ArrayMicroscopyImage {
        let count = shape.reduce(1, *)
        let array: NDArray
        switch dtype {
        case .uint8: array = try NDArray((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }, shape: shape)
        case .float32: array = try NDArray((0..<count).map { Float($0) * 0.25 }, shape: shape)
        default: array = try NDArray((0..<count).map { UInt16(truncatingIfNeeded: $0 &* 13) }, shape: shape)
        }
        var metadata = MicroscopyMetadata(axes: samples ? MicroscopyAxis.canonical + [.s] : MicroscopyAxis.canonical, shape: shape, dtype: dtype)
        metadata.name = "stack"
        metadata.physicalSizeX = Length(65, .nanometer)
        metadata.physicalSizeY = Length(65, .nanometer)
        metadata.physicalSizeZ = Length(0.5, .micrometer)
        metadata.timeIncrement = TimeQuantity(250, .millisecond)
        metadata.channels = (0..<shape[2]).map { MicroscopyChannel(name: "ch\($0)", color: RGBAColor(red: 255, green: UInt8($0 * 40), blue: 0)) }
        metadata.provenance = ["source_file": "generated", "source_format": "memory"]
        metadata.annotations = ["Vendor.gain": "2.5"]
        return try ArrayMicroscopyImage(array, metadata: metadata)
    }

    @Test(arguments: [OMETIFFWriteOptions.Compression.none, .zlib, .zstd])
    func roundTripKeepsPixelsUnitsChannelsAndProvenance(compression: OMETIFFWriteOptions.Compression) throws {
        let source = try image([2, 3, 2, 40, 33])
        let path = temporaryPath("stack.ome.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(compression: compression))
        let file = try openMicroscopyFile(path)
        #expect(file.formatName == "OME-TIFF")
        let back = try file.image(scene: 0)
        #expect(try back.read() == source.array)
        let metadata = back.metadata
        #expect(metadata.physicalSizeX == Length(65, .nanometer))
        #expect(metadata.physicalSizeZ == Length(0.5, .micrometer))
        #expect(metadata.timeIncrement == TimeQuantity(250, .millisecond))
        #expect(metadata.channels.map(\.name) == ["ch0", "ch1"])
        #expect(metadata.channels[1].color == RGBAColor(red: 255, green: 40, blue: 0))
        #expect(metadata.provenance["source_file"] == path)
        #expect(metadata.annotations["Vendor.gain"] == "2.5")
    }

    @Test func pyramidsAreSubIFDsOfHalvedPlanes() throws {
        let source = try image([1, 2, 1, 100, 70], dtype: .uint8)
        let path = temporaryPath("pyramid.ome.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(levels: 3, tileSize: 32))
        let back = try openMicroscopyFile(path).image(scene: 0)
        #expect(back.levelShapes == [[1, 2, 1, 100, 70], [1, 2, 1, 50, 35], [1, 2, 1, 25, 18]])
        #expect(try back.read() == source.array)
        let level1 = try back.read(.all, level: 1).scalars(as: UInt8.self)
        let full = source.array.scalars(as: UInt8.self)
        // The first pixel of level 1 is the rounded mean of the top-left 2×2 block.
        let block = [full[0], full[1], full[70], full[71]].map(Int.init).reduce(0, +)
        #expect(Int(level1[0]) == (block + 2) / 4)
        let window = try back.read(MicroscopyRegion(z: 1..<2, y: 10..<20, x: 5..<30), level: 1)
        #expect(window.shape == [1, 1, 1, 10, 25])
    }

    @Test func bigTIFFKeepsItsPyramid() throws {
        let source = try image([2, 1, 1, 64, 48], dtype: .uint8)
        let path = temporaryPath("big.ome.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(compression: .zstd, levels: 3, tileSize: 16, forceBigTIFF: true))
        let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: 4)
        #expect(Array(header) == [0x49, 0x49, 43, 0])
        let back = try openMicroscopyFile(path).image(scene: 0)
        #expect(back.levelShapes.map { [$0[3], $0[4]] } == [[64, 48], [32, 24], [16, 12]])
        #expect(try back.read() == source.array)
        #expect(try back.read(.all, level: 2).shape == [2, 1, 1, 16, 12])
    }

    @Test func colourImagesAndSeveralScenesInOneFile() throws {
        let rgb = try image([1, 2, 1, 9, 7, 3], dtype: .uint8, samples: true)
        let gray = try image([3, 1, 1, 5, 4], dtype: .float32)
        let path = temporaryPath("scenes.ome.tif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let counts = PlaneCounts()
        try writeOMETIFF([rgb, gray], to: path) { done, total in counts.record(done, total) }
        #expect(counts.last == (5, 5))
        let file = try openMicroscopyFile(path)
        #expect(file.images.count == 2)
        #expect(file.images[0].metadata.axesString == "TZCYXS")
        #expect(try file.images[0].read() == rgb.array)
        #expect(try file.images[1].read() == gray.array)
    }

    @Test func badOptionsAreErrorsAndLeaveNoFile() throws {
        let source = try image([1, 1, 1, 4, 4])
        let path = temporaryPath("bad.ome.tif")
        #expect(throws: ImMetaIOError.self) { try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(level: 10)) }
        #expect(throws: ImMetaIOError.self) { try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(levels: 0)) }
        #expect(throws: ImMetaIOError.self) { try writeOMETIFF([source], to: path, options: OMETIFFWriteOptions(tileSize: 20)) }
        #expect(throws: ImMetaIOError.self) { try writeOMETIFF([], to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

/// The last progress report of a write.
final class PlaneCounts: @unchecked Sendable {
    private(set) var last: (Int, Int) = (0, 0)
    func record(_ done: Int, _ total: Int) { last = (done, total) }
}
