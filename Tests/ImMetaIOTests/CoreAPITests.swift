import TestSupport
import CFileShims
import Foundation
import ImMetaIO
import Testing

@Suite struct CoreAPITests {
    @Test func writesAtomicallyAndReadsBackByPath() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 10, width: 12, channels: 3)
        for ext in ["png", "jpg", "npy"] {
            let path = "\(folder)/image.\(ext)"
            try writeImage(image, to: path)
            let file = try openImage(.path(path))
            #expect(file.format.name == ["png": "png", "jpg": "jpeg", "npy": "npy"][ext])
            #expect(try file.properties().shape == [10, 12, 3])
            #expect(try file.imageCount() == 1)
        }
        #expect(try readImage(from: .path("\(folder)/image.npy")) == image)
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["image.jpg", "image.npy", "image.png"])
    }

    /// A file written in pieces of very different sizes, replacing an existing file: the result is
    /// exactly the bytes written, and blocks reserved ahead of the writes (on ext4) are given back.
    @Test func fileSinkReplacesAFileWithExactlyTheBytesWritten() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/data.bin"
        try Data(repeating: 9, count: 5_000_000).write(to: URL(fileURLWithPath: path))
        var expected: [UInt8] = []
        let sink = try OutputSink(path: path)
        for (index, size) in [8, 3_000_000, 160, 1, 700_000, 4096, 2_500_001].enumerated() {
            let piece = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            try sink.write(piece)
            expected += piece
        }
        try sink.overwrite([1, 2, 3, 4], at: 4)
        expected.replaceSubrange(4..<8, with: [1, 2, 3, 4])
        try sink.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["data.bin"])
        // On ext4, where the sink reserves blocks ahead, the allocated space is the size rounded up
        // to whole blocks: nothing reserved is left over. (Other file systems may preallocate on
        // their own, so the check is ext4's only.)
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        var status = stat()
        #expect(fstat(descriptor, &status) == 0)
        if immetaio_file_is_on_ext4(descriptor) != 0 {
            let blockSize = max(Int(status.st_blksize), 4096)
            #expect(Int(status.st_blocks) * 512 <= (expected.count + blockSize - 1) / blockSize * blockSize)
        }
    }

    /// Pieces written at once (copied in parallel into memory when they add up to megabytes) land
    /// in order, after what was written before and before what follows, announced or not.
    @Test(arguments: [0, 1_000, 5_000_000])
    func sinkWritesPiecesInOrder(announced: Int) throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pieces = [0, 17, 900_000, 3, 0, 1_300_001, 5, 64].enumerated().map { index, size in
            (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
        }
        let expected = [1, 2, 3] + pieces.joined() + [9, 9]
        for sink in [OutputSink(), try OutputSink(path: "\(folder)/pieces.bin")] {
            try sink.write([1, 2, 3])
            sink.reserve(additionalBytes: announced)
            try withUnsafeBuffers(pieces) { try sink.write(pieces: $0) }
            try sink.write([9, 9])
            #expect(sink.position == expected.count)
            let bytes = try sink.commit()
            #expect((bytes.isEmpty ? Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/pieces.bin"))) : bytes) == expected)
        }
    }

    /// Calls `body` with raw views of every array in `arrays`, all valid at once.
    private func withUnsafeBuffers(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> Void) throws {
        func nest(_ index: Int, _ done: [UnsafeRawBufferPointer]) throws {
            guard index < arrays.count else { return try body(done) }
            try arrays[index].withUnsafeBytes { try nest(index + 1, done + [$0]) }
        }
        try nest(0, [])
    }

    @Test func failedWriteLeavesNoFile() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: ImMetaIOError.self) { try writeImage(NDArray(shape: [4, 4], dtype: .float64), to: "\(folder)/x.png") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        let error = try #require(throws: ImMetaIOError.self) {
            try writeImage(NDArray(shape: [4, 4], dtype: .uint8), to: "\(folder)/missing/x.png")
        }
        #expect(error.code == .missingFile)
    }

    @Test func choosesTheFormatByHintExtensionOrContent() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 6, width: 6, channels: 3)
        // A PNG with a misleading extension is found by sniffing.
        let path = "\(folder)/actually-png.jpg"
        try writeImage(image, to: path, format: "png")
        let file = try openImage(.path(path))
        #expect(file.format.name == "png")
        #expect(try file.read() == image)
        // Bytes with an extension hint, and with none.
        let bytes = try encodeImage(image, as: "npy")
        #expect(try openImage(.bytes(bytes), extensionHint: ".npy").format.name == "npy")
        #expect(try openImage(.bytes(bytes)).format.name == "npy")
        // An explicit plugin that cannot read the file is an error, not a fallback.
        let error = try #require(throws: ImMetaIOError.self) { try openImage(.bytes(bytes), format: "png") }
        #expect(error.code == .unsupportedFormat)
    }

    @Test func unknownContentListsWhatWasTried() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/noise.png"
        try Data("not an image at all".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(path)) }
        #expect(error.code == .unsupportedFormat)
        #expect(error.file == path)
        #expect(error.message.contains("png (not a PNG file"))
        #expect(error.description.hasPrefix(path))
    }

    @Test func errorsNameFileAndCause() throws {
        let missing = try #require(throws: ImMetaIOError.self) { try readImage(from: "/nonexistent/file.png") }
        #expect(missing.code == .missingFile)
        #expect(missing.file == "/nonexistent/file.png")
        let noFormat = try #require(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [1], dtype: .uint8), as: ".xyz") }
        #expect(noFormat.code == .unsupportedFormat)
        let badPlugin = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes([1, 2, 3]), format: "nope") }
        #expect(badPlugin.code == .invalidArgument)
        let empty = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes([])) }
        #expect(empty.code == .corruptData)
        let index = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(encodeImage(NDArray(shape: [2, 2], dtype: .uint8), as: ".png")), index: 3)
        }
        #expect(index.code == .invalidArgument)
        #expect(throws: ImMetaIOError.self) { try ImageSource(url: URL(string: "https://example.com/a.png")!) }
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func iteratesAnimationFramesOneAtATime() throws {
        let path = try #require(Corpus.root).appendingPathComponent("png/pillow-apng/blend_op_over.png").path
        let all = try readImage(from: .path(path))
        #expect(all.shape == [3, 64, 128, 4])
        let file = try openImage(.path(path))
        #expect(try file.properties() == ImageProperties(shape: [3, 64, 128, 4], dtype: .uint8, imageCount: 3, isBatch: true))
        #expect(try file.properties(index: 1).shape == [64, 128, 4])
        var frames = try file.frames()
        var collected: [NDArray] = []
        while let frame = try frames.next() { collected.append(frame) }
        #expect(try NDArray.stacked(collected) == all)
        #expect(try file.read(index: 2) == collected[2])
        #expect(try file.metadata()["frame_count"] == 3)
    }
}
