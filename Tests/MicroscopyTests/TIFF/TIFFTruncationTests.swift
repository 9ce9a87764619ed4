import Foundation
import Microscopy
import TestSupport
import Testing

/// Truncated and damaged LSM and OME-TIFF files: every cut point and a few thousand flipped bytes
/// give an image or a typed error, never a crash.
@Suite(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct TIFFTruncationTests {
    private func files() throws -> [URL] {
        let root = try #require(Corpus.root)
        return [
            root.appendingPathComponent("lsm/omio/032113-18.lsm"),
            root.appendingPathComponent("ome-tiff/ome-model/18x24y5z5t2c8b-text.ome.tiff"),
            root.appendingPathComponent("ome-tiff/tiledb/rand_uint16.ome.tiff"),
        ]
    }

    /// Opens and reads every image of `bytes`; returns whether everything read.
    @discardableResult
    private func openAndRead(_ bytes: [UInt8], name: String) -> Bool {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-cut-\(UUID().uuidString)-\(name)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return false }
        do {
            let file = try openMicroscopyFile(path, limits: DecodeLimits(maxPixels: 1 << 22, maxBytes: 1 << 26))
            for image in file.images { _ = try image.read() }
            return true
        } catch {
            return false
        }
    }

    @Test func everyCutPointGivesAnImageOrATypedError() throws {
        for url in try files() {
            let bytes = Array(try Data(contentsOf: url))
            // Cuts through the header and directories byte by byte, then through the pixels in steps.
            var cuts = Array(0..<min(bytes.count, 600))
            cuts += Array(stride(from: 600, to: bytes.count, by: max(1, bytes.count / 400)))
            var read = 0
            for cut in cuts where openAndRead(Array(bytes.prefix(cut)), name: url.lastPathComponent) { read += 1 }
            #expect(read < cuts.count, "\(url.lastPathComponent): a cut file should fail somewhere")
            #expect(openAndRead(bytes, name: url.lastPathComponent) || url.lastPathComponent.hasPrefix("rand_uint16"))
        }
    }

    @Test func flippedBytesGiveAnImageOrATypedError() throws {
        var generator = SplitMix64(state: 21)  // seeded: a failure reproduces
        for url in try files() {
            let original = Array(try Data(contentsOf: url))
            for _ in 0..<300 {
                var bytes = original
                // Damage the first KiB (header, directories) more often than the rest.
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    let limit = Bool.random(using: &generator) ? min(1024, bytes.count) : bytes.count
                    bytes[Int.random(in: 0..<limit, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                openAndRead(bytes, name: url.lastPathComponent)
            }
        }
    }
}
