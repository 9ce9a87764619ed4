import TestSupport
import Foundation
import ImMetaIO
import Testing

/// The TIFF, OME-TIFF and LSM files of the shared corpus decode exactly like tifffile's first
/// series (old-style JPEG and subsampled YCbCr, which tifffile refuses, like the manifest's
/// Pillow reference); the rest are refused with a typed error (never a crash). Deliberate
/// differences: 12-bit JPEG is `unsupportedFeature` (Debian's libjpeg-turbo 2.1 is built for
/// 8-bit samples), and an OME-XML companion file (no pixels) is not an image
/// (`unsupportedFormat`). Files that the manifest's reference decoders reject but libtiff reads
/// (SGILog) must match `imagecodecs.tiff_decode`, which reads them with libtiff too.
@Suite("Corpus conformance: TIFF, OME-TIFF, LSM", .enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct TIFFConformanceTests {
    static func entries() throws -> [Corpus.Entry] { try Corpus.entries(formats: ["tiff", "ome-tiff", "lsm"]) }
    /// Files refused on purpose (see above); every other file must decode identically.
    static let refused: Set<String> = [
        "ome-tiff/tiledb/rand_uint16.ome.tiff", "ome-tiff/ome-model/set-1-meta-companion/18x24y5z1t1c8b-text-companion.ome",
    ]
    /// Files the manifest's reference decoders reject (`expect_error`, a limitation of tifffile and
    /// Pillow) that we decode through libtiff: shape, dtype and SHA-256 of
    /// `imagecodecs.tiff_decode` (imagecodecs 2026.3.6, its own libtiff build): LogL as the tags'
    /// int16, LogLuv as float32 CIE XYZ.
    static let beyondReference: [String: (shape: [Int], dtype: String, sha256: String)] = [
        "tiff/image-tiff/logluv-3c-16b.tiff": ([1, 1, 3], "float32", "15ec7bf0b50732b49f8228e07d24365338f9e3ab994b00af08e5a3bffe55fd8b"),
        "tiff/libtiffpic/off_l16.tif": ([225, 333], "int16", "8b6ee58a44c373c29062c2a3c90a2c6d0cfff156417b29638843619a53269332"),
        "tiff/libtiffpic/off_luv24.tif": ([225, 333, 3], "float32", "9060a2cb63fcb6afc5be283a2875e91bd4d7fd03081b6edfb8c1b47eb26d265d"),
    ]

    @Test("decodes like tifffile's first series or refuses with a typed error", arguments: try entries())
    func conforms(_ entry: Corpus.Entry) throws {
        let path = Corpus.path(entry)
        let image: NDArray
        do {
            image = try readImage(from: .path(path))
        } catch let error as ImMetaIOError {
            let companion = entry.shape == nil && error.code == .unsupportedFormat
            #expect(
                (entry.expectError && Self.beyondReference[entry.file] == nil)
                    || (Self.refused.contains(entry.file) && (companion || error.code == .unsupportedFeature)), "\(error)")
            return
        }
        if let expected = Self.beyondReference[entry.file] {
            #expect(image.shape == expected.shape && image.dtype.rawValue == expected.dtype)
            #expect(image.withUnsafeBytes { SHA256.hex($0) } == expected.sha256)
            return
        }
        #expect(!entry.expectError, "the reference rejects this file")
        #expect(!Self.refused.contains(entry.file), "a refused file decodes now: take it off the list")
        #expect(image.shape == entry.shape)
        #expect(image.dtype.rawValue == entry.dtype)
        #expect(image.withUnsafeBytes { SHA256.hex($0) } == entry.pixelSHA256)
    }

    /// The 12-bit JPEG-compressed OME-TIFF says why it is refused: the SOF precision, the
    /// library's build, and what would read it.
    @Test func twelveBitJPEGInTIFFNamesTheLibrary() throws {
        let path = try #require(Corpus.root).appendingPathComponent("ome-tiff/tiledb/rand_uint16.ome.tiff").path
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(path)) }
        #expect(error.code == .unsupportedFeature)
        for part in JPEGFormatTests.twelveBitRefusalParts { #expect(error.message.contains(part), "\(error.message)") }
    }
}
