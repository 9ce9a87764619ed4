import TestSupport
import Foundation
import ImMetaIO
import Testing

/// The TIFF, OME-TIFF and LSM files of the shared corpus decode exactly like tifffile's first
/// series; the rest are refused with a typed error (never a crash). Deliberate differences:
/// features not read yet (CCITT, old-style JPEG, uncompressed YCbCr, 12-bit data with a
/// predictor or in JPEG — Debian's libjpeg is 8-bit only) are `unsupportedFeature`, and an
/// OME-XML companion file (no pixels) is not an image (`unsupportedFormat`).
@Suite("Corpus conformance: TIFF, OME-TIFF, LSM", .enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct TIFFConformanceTests {
    static func entries() throws -> [Corpus.Entry] { try Corpus.entries(formats: ["tiff", "ome-tiff", "lsm"]) }
    /// Files refused on purpose (see above); every other file must decode identically.
    static let refused: Set<String> = [
        "tiff/image-tiff/hpredict-1c-12b.tiff", "tiff/image-tiff/seq-1c-1b-fax3-71f6a21a.tiff", "tiff/libtiffpic/fax2d.tif",
        "tiff/libtiffpic/smallliz.tif", "tiff/libtiffpic/ycbcr-cat.tif", "ome-tiff/tiledb/rand_uint16.ome.tiff",
        "ome-tiff/ome-model/set-1-meta-companion/18x24y5z1t1c8b-text-companion.ome",
    ]

    @Test("decodes like tifffile's first series or refuses with a typed error", arguments: try entries())
    func conforms(_ entry: Corpus.Entry) throws {
        let path = Corpus.path(entry)
        let image: NDArray
        do {
            image = try readImage(from: .path(path))
        } catch let error as ImMetaIOError {
            let companion = entry.shape == nil && error.code == .unsupportedFormat
            #expect(entry.expectError || (Self.refused.contains(entry.file) && (companion || error.code == .unsupportedFeature)), "\(error)")
            return
        }
        #expect(!entry.expectError, "the reference rejects this file")
        #expect(image.shape == entry.shape)
        #expect(image.dtype.rawValue == entry.dtype)
        #expect(image.withUnsafeBytes { SHA256.hex($0) } == entry.pixelSHA256)
    }
}
