import Foundation
import Microscopy
import Testing

@Suite struct MicroscopyBatchTests {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-bids-\(UUID().uuidString)").path

    private func stack(_ shape: [Int], value: UInt16) throws -> ArrayMicroscopyImage {
        try ArrayMicroscopyImage(try NDArray([UInt16](repeating: value, count: shape.reduce(1, *)), shape: shape))
    }

    private func write(_ shape: [Int], value: UInt16, at relative: String) throws {
        let path = "\(root)/\(relative)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeOMETIFF([try stack(shape, value: value)], to: path)
    }

    @Test func filesTagFoldersAndMergesFollowTheTreeAndRerunsSkip() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write([1, 2, 1, 8, 8], value: 1, at: "sub-01/TP000/a.ome.tif")
        try write([1, 2, 1, 8, 8], value: 2, at: "sub-01/TP000/b.ome.tif")
        try write([2, 1, 1, 8, 8], value: 3, at: "sub-02/TP000/TAG_01/x.ome.tif")
        try write([1, 1, 1, 6, 8], value: 4, at: "sub-02/TP000/TAG_02/y.ome.tif")
        try write([1, 1, 1, 8, 8], value: 5, at: "sub-02/other/z.ome.tif")
        try write([1, 1, 1, 8, 8], value: 6, at: "nosub/TP000/w.ome.tif")
        _ = FileManager.default.createFile(atPath: "\(root)/sub-01/TP000/broken.ome.tif", contents: Data("II*\0garbage".utf8))

        var options = MicroscopyBatchOptions(experimentPattern: "TP")
        let first = try convertMicroscopyProject(root: root, options: options)
        // One output per file of sub-01/TP000 (the broken file fails and says why); sub-02's files sit in tag folders.
        #expect(first.entries.map(\.output) == [
            "sub-01/TP000/immetaio_converted/a.ome.tif", "sub-01/TP000/immetaio_converted/b.ome.tif",
            "sub-01/TP000/immetaio_converted/broken.ome.tif",
        ])
        #expect(first.entries.map(\.status) == [.converted, .converted, .failed])
        #expect(first.entries[2].reason?.contains("broken.ome.tif") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/sub-01/TP000/immetaio_converted/broken.ome.tif"))
        let a = try openMicroscopyFile("\(root)/sub-01/TP000/immetaio_converted/a.ome.tif").image(scene: 0)
        #expect(try a.read().scalars(as: UInt16.self).allSatisfy { $0 == 1 })

        options.tagPrefix = "TAG_"
        options.mergeTags = true
        let tags = try convertMicroscopyProject(root: root, options: options)
        #expect(tags.entries.count == 1)
        let merged = try #require(tags.entries.first)
        #expect(merged.status == .merged && merged.output == "sub-02/TP000/immetaio_converted/TP000_TAG_merged.ome.tif")
        #expect(merged.shape == [3, 1, 1, 8, 8])  // padded: TAG_02's 6 rows to 8
        options.mergePolicy = .strict
        options.overwrite = true
        let strict = try convertMicroscopyProject(root: root, options: options)
        #expect(strict.entries.first?.status == .failed)
        #expect(strict.entries.first?.reason?.contains("Y sizes differ") == true)

        options = MicroscopyBatchOptions(experimentPattern: "TP")
        let again = try convertMicroscopyProject(root: root, options: options)
        #expect(again.count(.skipped) == 2)
        // A damaged output is converted again.
        _ = FileManager.default.createFile(atPath: "\(root)/sub-01/TP000/immetaio_converted/b.ome.tif", contents: Data("not a tiff".utf8))
        let repaired = try convertMicroscopyProject(root: root, options: options)
        #expect(repaired.entries.map(\.status) == [.skipped, .converted, .failed])
        #expect(repaired.json["counts"]?["skipped"] == 1)
    }

    @Test func tagFoldersWithoutImagesAreLeftOutAndFilesStayApartUnlessMerged() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/sub-01/TP0/TAG_00", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(root)/sub-01/TP0/TAG_00/notes.txt", contents: Data("no images".utf8))
        try write([1, 1, 1, 4, 4], value: 1, at: "sub-01/TP0/TAG_01/x.ome.tif")
        try write([1, 1, 1, 4, 4], value: 2, at: "sub-01/TP0/TAG_02/y1.ome.tif")
        try write([1, 1, 1, 4, 4], value: 3, at: "sub-01/TP0/TAG_02/y2.ome.tif")
        var options = MicroscopyBatchOptions(experimentPattern: "TP", tagPrefix: "TAG_")
        let perFile = try convertMicroscopyProject(root: root, options: options)
        #expect(perFile.entries.map(\.output) == ["x", "y1", "y2"].map { "sub-01/TP0/immetaio_converted/\($0).ome.tif" })
        #expect(perFile.entries.map(\.inputs) == [["sub-01/TP0/TAG_01/x.ome.tif"], ["sub-01/TP0/TAG_02/y1.ome.tif"], ["sub-01/TP0/TAG_02/y2.ome.tif"]])
        options.mergeFiles = true
        let perTag = try convertMicroscopyProject(root: root, options: options)
        #expect(perTag.entries.map(\.output) == ["TAG_01", "TAG_02"].map { "sub-01/TP0/immetaio_converted/\($0).ome.tif" })
        let tag2 = try openMicroscopyFile("\(root)/sub-01/TP0/immetaio_converted/TAG_02.ome.tif").image(scene: 0)
        #expect(tag2.metadata.shape == [2, 1, 1, 4, 4])
        #expect(try tag2.read().scalars(as: UInt16.self) == [UInt16](repeating: 2, count: 16) + [UInt16](repeating: 3, count: 16))
    }

    @Test func mergedFilesAndNameCollisions() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write([1, 1, 1, 4, 4], value: 1, at: "sub-A/TP1/s.ome.tif")
        try write([1, 1, 1, 4, 4], value: 2, at: "sub-A/TP1/s.ome.tiff")
        var options = MicroscopyBatchOptions(experimentPattern: "TP1", experimentMatch: .exact)
        let report = try convertMicroscopyProject(root: root, options: options)
        #expect(report.entries.map(\.output) == ["sub-A/TP1/immetaio_converted/s.ome.tif", "sub-A/TP1/immetaio_converted/s-2.ome.tif"])
        options.mergeFiles = true
        options.mergeAxis = .z
        let merged = try convertMicroscopyProject(root: root, options: options)
        #expect(merged.entries.first?.shape == [1, 2, 1, 4, 4])
        #expect(throws: ImMetaIOError.self) {
            try convertMicroscopyProject(root: root, options: MicroscopyBatchOptions(experimentPattern: "(", experimentMatch: .regex))
        }
        #expect(throws: ImMetaIOError.self) { try convertMicroscopyProject(root: "\(root)/missing", options: options) }
    }
}
