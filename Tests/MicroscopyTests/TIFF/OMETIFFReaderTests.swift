import Foundation
import ImMetaIO
import Microscopy
import TestSupport
import Testing

@Suite(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct OMETIFFReaderTests {
    private var folder: URL { Corpus.root!.appendingPathComponent("ome-tiff") }

    /// Every single-file OME-TIFF of the corpus: the pixel count of the manifest's decode, and its
    /// exact bytes where tifffile's axes already run in TZCYX order.
    @Test func corpusOMETIFFsMatchTheManifest() throws {
        var compared = 0
        for entry in try Corpus.entries(formats: ["ome-tiff"]) {
            guard entry.file.hasSuffix(".tif") || entry.file.hasSuffix(".tiff"), !entry.file.contains("split"), let shape = entry.shape,
                !entry.expectError
            else { continue }
            let file = try openMicroscopyFile(Corpus.path(entry))
            #expect(file.formatName == "OME-TIFF", "\(entry.file)")
            let image = try file.image(scene: 0)
            #expect(image.metadata.shape.reduce(1, *) == shape.reduce(1, *), "\(entry.file): \(image.metadata.shape) vs \(shape)")
            let axes = entry.axes?.split(separator: " ").first.map(String.init) ?? ""
            let canonical = "TZCYXS"
            let inOrder = axes.allSatisfy { canonical.contains($0) }
                && axes.compactMap { canonical.firstIndex(of: $0) }.elementsEqual(axes.compactMap { canonical.firstIndex(of: $0) }.sorted())
            guard inOrder, image.metadata.dtype.itemSize * shape.reduce(1, *) < 1 << 26 else { continue }
            let pixels: NDArray
            do {
                pixels = try image.read()
            } catch {
                // Debian's libjpeg-turbo decodes 8-bit JPEG only.
                #expect(error.code == .unsupportedFeature && error.message.contains("12-bit JPEG"), "\(entry.file): \(error)")
                continue
            }
            #expect(pixels.withUnsafeBytes { SHA256.hex($0) } == entry.pixelSHA256, "\(entry.file)")
            compared += 1
        }
        #expect(compared >= 8)
    }

    @Test func physicalSizesChannelsAndSeriesComeFromTheOMEXML() throws {
        let pyramid = try openMicroscopyFile(folder.appendingPathComponent("tiledb/rand_uint16.ome.tiff").path)
        #expect(pyramid.images.count == 2)
        let first = pyramid.images[0]
        #expect(first.metadata.axesString == "TZCYXS")
        #expect(first.metadata.physicalSizeX == Length(0.29, .micrometer))
        #expect(first.metadata.timeIncrement == TimeQuantity(0.1, .second))
        #expect(first.metadata.significantBits == 10)
        #expect(first.levelShapes.map { [$0[3], $0[4]] } == [[512, 128], [256, 64], [128, 32]])
        #expect(pyramid.images[1].metadata.shape == [1, 1, 3, 64, 16])

        let plate = try openMicroscopyFile(folder.appendingPathComponent("ome-model/6x4y1z1t1c8b-swatch-2s2p4w2ws.ome.tiff").path)
        #expect(plate.images.count == 22)
        #expect(throws: ImMetaIOError.self) { try plate.image(scene: 22) }
    }

    @Test func aMultiFileSetOpensAsOneImageFromItsCompanionOrAnyOfItsFiles() throws {
        let set = folder.appendingPathComponent("ome-model/set-1-meta-companion")
        let companion = try openMicroscopyFile(set.appendingPathComponent("18x24y5z1t1c8b-text-companion.ome").path)
        let whole = try companion.image(scene: 0).read()
        #expect(whole.shape == [1, 5, 1, 24, 18, 3])
        for z in 1...5 {
            let member = try openMicroscopyFile(set.appendingPathComponent("18x24y5z1t1c8b-text-split-Z\(z).ome.tiff").path)
            #expect(try member.image(scene: 0).read() == whole)
            // Each plane is the member file's own first page.
            let own = try TIFFMicroscopyFileReader.firstPage(set.appendingPathComponent("18x24y5z1t1c8b-text-split-Z\(z).ome.tiff").path)
            #expect(try companion.image(scene: 0).read(MicroscopyRegion(z: (z - 1)..<z)).reshaped([24, 18, 3]) == own)
        }
    }

    @Test func aSetWithAFileMissingIsAnErrorNamingIt() throws {
        let set = folder.appendingPathComponent("ome-model/set-1-meta-companion")
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-ome-set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        for name in try FileManager.default.contentsOfDirectory(atPath: set.path) where !name.hasSuffix("Z4.ome.tiff") {
            try FileManager.default.copyItem(at: set.appendingPathComponent(name), to: temporary.appendingPathComponent(name))
        }
        do {
            _ = try openMicroscopyFile(temporary.appendingPathComponent("18x24y5z1t1c8b-text-companion.ome").path)
            Issue.record("a set without one of its files must not open")
        } catch {
            #expect(error.code == .missingFile)
            #expect(error.message.contains("18x24y5z1t1c8b-text-split-Z4.ome.tiff"))
        }
    }
}

/// The first page of a TIFF as the plain TIFF reader decodes it.
enum TIFFMicroscopyFileReader {
    static func firstPage(_ path: String) throws -> NDArray {
        try readImage(from: .path(path), index: .at(0))
    }
}
