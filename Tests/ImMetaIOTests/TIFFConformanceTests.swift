import Foundation
import ImMetaIO
import Testing

/// The TIFF files of the shared corpus that the baseline reader handles decode exactly like
/// tifffile; the rest are refused with a typed error (never a crash) until their features land.
@Suite("Corpus conformance: TIFF (baseline subset)", .enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct TIFFConformanceTests {
    static let entries = Corpus.entries(formats: ["tiff"])

    @Test("decodes like tifffile or refuses with a typed error", arguments: entries)
    func conforms(_ entry: Corpus.Entry) throws {
        let path = Corpus.path(entry)
        let image: NDArray
        do {
            image = try readImage(from: .path(path))
        } catch let error as ImMetaIOError {
            // Expected errors, and features the baseline reader does not have yet.
            #expect(entry.expectError || error.code == .unsupportedFeature, "\(error)")
            return
        }
        #expect(!entry.expectError, "the reference rejects this file")
        #expect(image.shape == entry.shape)
        #expect(image.dtype.rawValue == entry.dtype)
        #expect(image.withUnsafeBytes { SHA256.hex($0) } == entry.pixelSHA256)
    }
}
