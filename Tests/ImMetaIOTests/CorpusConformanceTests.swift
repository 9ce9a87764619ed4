import TestSupport
import Foundation
import ImMetaIO
import Testing

/// Every PNG, JPEG, NPY, WebP, FITS, BMP and GIF file of the shared corpus decodes to the manifest's
/// shape, dtype and pixel hash, and every file the reference rejects gives a typed error.
@Suite("Corpus conformance: PNG, JPEG, NPY, WebP, FITS, BMP, GIF", .enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct CorpusConformanceTests {
    /// How our decode differs from the reference on purpose.
    enum Difference {
        /// We refuse the file with this code.
        case refused(ImMetaIOError.Code)
        /// We decode other pixels (same shape and dtype); the check names what we produce instead.
        case pixels(check: @Sendable (NDArray) -> Bool)
        /// We decode another shape; the check names what we produce instead.
        case shape(check: @Sendable (NDArray) -> Bool)
    }

    /// Files where our decode differs from the reference on purpose, with the reason.
    static let deliberateDifferences: [String: (difference: Difference, reason: String)] = [
        "jpeg/libjpeg-turbo/monkey12.jpg": (
            .refused(.unsupportedFeature),
            "12-bit JPEG: Debian's libjpeg-turbo 2.1 is built for 8-bit samples (the reference used imagecodecs' 12-bit build); the message says so (see JPEGFormatTests.twelveBitRefusalParts)"
        ),
        "png/pillow-apng/dispose_op_previous.png": (
            .pixels(check: { frames in
                // Frame 3 is transparent over the restored frame-1 canvas: green, as browsers show it.
                frames.shape == [4, 64, 128, 4]
                    && frames.withUnsafeBufferPointer(of: UInt8.self) { Array($0[(3 * 64 * 128 * 4)..<(3 * 64 * 128 * 4 + 4)]) }
                        == [0, 255, 0, 255]
            }),
            "Pillow 13 skips DISPOSE_OP_PREVIOUS after a frame blended with BLEND_OP_OVER (it copies the already blended canvas); we restore the canvas as the APNG specification says"
        ),
        "gif/pillow/issue_2811.gif": (
            .refused(.corruptData),
            "its LZW minimum code size is 11; the GIF specification allows 2…8 and giflib refuses the data (Pillow's own decoder accepts up to 12)"
        ),
        "gif/pillow/test_extents.gif": (
            .shape(check: { frames in frames.shape == [2, 100, 100, 4] }),
            "a frame reaches past the logical screen: we clip it to the screen, so all frames keep the screen's size; Pillow grows its canvas and returns frames of different sizes"
        ),
        "bmp/bmpsuite/b/badheadersize.bmp": (
            .shape(check: { image in
                image.shape == [64, 127] && image.scalars(as: UInt8.self).allSatisfy { $0 == 0 || $0 == 255 }
            }),
            "a black-and-white 1-bit palette reads as gray, as Pillow reads every such file; Pillow refuses this file's 66-byte header and the reference (imagecodecs) returned the same values as RGB"
        ),
        "bmp/bmpsuite/q/rgb32-111110.bmp": (
            .pixels(check: { image in
                // Pixel (10, 20) holds 11/11/10-bit channels 1722, 1321, 660: scaled, not wrapped.
                image.withUnsafeBufferPointer(of: UInt8.self) { Array($0[((10 * 127 + 20) * 3)..<((10 * 127 + 20) * 3 + 3)]) }
                    == [214, 164, 164]
            }),
            "channels wider than 8 bits are scaled to 0…255 (v · 255 / max); the reference (imagecodecs) keeps their low 8 bits, wrapping the values"
        ),
    ]

    static func entries() throws -> [Corpus.Entry] { try Corpus.entries(formats: ["png", "jpeg", "npy", "webp", "fits", "bmp", "gif"]) }

    @Test("decodes like the reference", arguments: try entries())
    func conforms(_ entry: Corpus.Entry) throws {
        let path = Corpus.path(entry)
        if let (difference, reason) = Self.deliberateDifferences[entry.file] {
            switch difference {
            case .refused(let code):
                let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(path)) }
                #expect(error.code == code, "\(reason)")
                if entry.file.hasSuffix("monkey12.jpg") {
                    for part in JPEGFormatTests.twelveBitRefusalParts { #expect(error.message.contains(part), "\(error.message)") }
                }
            case .pixels(let check):
                let image = try readImage(from: .path(path))
                #expect(image.shape == entry.shape && image.dtype.rawValue == entry.dtype)
                #expect(check(image), "\(reason)")
            case .shape(let check):
                let image = try readImage(from: .path(path))
                #expect(image.dtype.rawValue == entry.dtype)
                #expect(check(image), "\(reason)")
            }
            return
        }
        if entry.expectError {
            let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(path)) }
            #expect(error.file == path)
            return
        }
        if entry.shape == nil {
            // FITS files with tables or random groups only: the reference hashed no image.
            let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .path(path)) }
            #expect(error.code == .unsupportedFeature)
            return
        }
        var image = try readImage(from: .path(path))
        if entry.format == "webp", image.shape.last == 3, entry.shape?.last == 4 {
            // The reference converts every WebP to RGBA; we return RGB for files without alpha.
            image = Self.withOpaqueAlpha(image)
        }
        #expect(image.shape == entry.shape)
        #expect(image.dtype.rawValue == entry.dtype)
        let hash = image.withUnsafeBytes { SHA256.hex($0) }
        #expect(hash == entry.pixelSHA256)
        // Properties agree with the decode without decoding.
        let properties = try imageProperties(of: .path(path))
        #expect(properties.shape.prefix(2) == image.shape.prefix(2) || properties.shape == image.shape)
        #expect(properties.dtype == image.dtype)
    }

    static func withOpaqueAlpha(_ rgb: NDArray) -> NDArray {
        let pixels = rgb.count / 3
        return rgb.withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: Array(rgb.shape.dropLast()) + [4], dtype: .uint8) { out in
                for i in 0..<pixels {
                    out[4 * i] = source[3 * i]
                    out[4 * i + 1] = source[3 * i + 1]
                    out[4 * i + 2] = source[3 * i + 2]
                    out[4 * i + 3] = 255
                }
            }
        }
    }

    @Test func corpusHasTheExpectedFiles() throws {
        #expect(try Self.entries().count >= 220)
    }
}
