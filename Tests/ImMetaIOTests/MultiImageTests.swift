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
        #expect(try readImages(from: .path(path), memoryLimit: false).count == 3)
        #expect(throws: ImMetaIOError.self) { try readImages(from: .path(path), memoryLimit: "lots") }
        // imageio's other spellings of memtest: true (256 MB), a byte count, 0 (off).
        #expect(try readImages(from: .path(path), memoryLimit: true).count == 3)
        #expect(throws: ImMetaIOError.self) { try readImages(from: .path(path), memoryLimit: 40_000) }
        #expect(try readImages(from: .path(path), memoryLimit: 0).count == 3)
    }

    @Test func memoryLimitsParseLikeImageioMemtest() throws {
        let cases: [(String, Int?)] = [
            ("true", 256_000_000), ("false", nil), ("none", nil), ("0", nil), ("4096", 4096), ("1GiB", 1 << 30), ("True", 256_000_000),
        ]
        for (text, bytes) in cases { #expect(try MemoryLimit(parsing: text).bytes() == bytes, "\(text)") }
        for text in ["-5", "lots", "1mb", ""] {
            #expect(throws: ImMetaIOError.self, "\(text)") { try MemoryLimit(parsing: text) }
        }
        #expect(try MemoryLimit.default.bytes() == 256_000_000)
        #expect(MemoryLimit.unlimited.description == "no limit")
    }

    @Test func framesComeWithTheirOwnMetadata() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try (0..<3).map { try TestImages.gradient(height: 6, width: 5, channels: 3, seed: UInt64($0 * 2 + 1)) }
        try writeImages(frames, to: "\(folder)/clip.gif", options: ["duration": [100, 250, 400]])
        let read = try readImagesWithMetadata(from: .path("\(folder)/clip.gif"))
        #expect(read.count == 3)
        #expect(read.map { $0.metadata["duration"]?.intValue } == [100, 250, 400])
    }

    @Test func singleImageFormatsRefuseASecondFrame() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 4, width: 4, channels: 3)
        try writeImages([image], to: "\(folder)/one.npy")
        #expect(try readImages(from: .path("\(folder)/one.npy")) == [image])
        let error = try #require(throws: ImMetaIOError.self) { try writeImages([image, image], to: "\(folder)/two.npy") }
        #expect(error.message.contains("one image"))
    }
}
