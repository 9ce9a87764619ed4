import TestSupport
import Foundation
import ImMetaIO
import Testing

@Suite struct MultiImageTests {
    @Test func memorySizesParseLikeImageio() throws {
        let accepted: [(String, Int)] = [
            ("1MB", 1_000_000), ("1GiB", 1 << 30), ("8B", 8), ("1.5TB", 1_500_000_000_000), ("256MB", 256_000_000),
            ("512", 512), ("2kB", 2000), ("3KiB", 3072), ("1 MB", 1_000_000), ("1M", 1_000_000), ("4Mi", 4 << 20),
            ("1.MB", 1_000_000),
        ]
        for (text, bytes) in accepted { #expect(try MemorySize(parsing: text).bytes == bytes, "\(text)") }
        for text in ["1mb", "GB", "1.3.2TB", "8b", "1KB", "", " 1MB", "1MB ", "-1MB", "1kiB", "1e3B"] {
            #expect(throws: ImMetaIOError.self, "\(text)") { try MemorySize(parsing: text) }
        }
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func readImagesHonoursTheMemoryLimit() throws {
        let path = try #require(Corpus.root).appendingPathComponent("png/pillow-apng/blend_op_over.png").path
        let frames = try readImages(from: .path(path))
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { $0.shape == [64, 128, 4] })
        let error = try #require(throws: ImMetaIOError.self) { try readImages(from: .path(path), memoryLimit: "40kB") }
        #expect(error.code == .limitExceeded)
        #expect(try readImages(from: .path(path), memoryLimit: nil).count == 3)
        #expect(throws: ImMetaIOError.self) { try readImages(from: .path(path), memoryLimit: "lots") }
    }

    @Test func singleImageFormatsRefuseASecondFrame() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 4, width: 4, channels: 3)
        try writeImages([image], to: "\(folder)/one.png")
        #expect(try readImages(from: .path("\(folder)/one.png")) == [image])
        let error = try #require(throws: ImMetaIOError.self) { try writeImages([image, image], to: "\(folder)/two.png") }
        #expect(error.message.contains("one image"))
    }
}
