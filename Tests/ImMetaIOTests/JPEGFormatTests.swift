import TestSupport
import ImMetaIO
import JPEGFormat
import Testing

@Suite struct JPEGFormatTests {
    @Test(arguments: ["4:4:4", "4:2:2", "4:2:0"], [false, true])
    func roundTripsWithGoodQuality(subsampling: String, progressive: Bool) throws {
        let image = try TestImages.gradient(height: 64, width: 80, channels: 3)
        let bytes = try encodeImage(
            image, as: ".jpg", options: ["quality": 95, "subsampling": .string(subsampling), "progressive": .bool(progressive)])
        let decoded = try readImage(from: .bytes(bytes))
        #expect(decoded.shape == image.shape)
        #expect(TestImages.psnr(image, decoded) > 35)
        #expect(try imageMetadata(of: .bytes(bytes))["progressive"] == .bool(progressive))
    }

    @Test func grayRoundTripsAndQualityChangesSize() throws {
        let image = try TestImages.gradient(height: 64, width: 64, channels: 0)
        let small = try encodeImage(image, as: "jpeg", options: ["quality": 20])
        let large = try encodeImage(image, as: "jpeg", options: ["quality": 98, "optimize": true])
        #expect(small.count < large.count)
        let decoded = try readImage(from: .bytes(large))
        #expect(decoded.shape == [64, 64])
        #expect(TestImages.psnr(image, decoded) > 38)
    }

    @Test func refusesOtherArrays() throws {
        for image in [NDArray(shape: [4, 4, 4], dtype: .uint8), NDArray(shape: [4, 4], dtype: .uint16)] {
            let error = try #require(throws: ImMetaIOError.self) { try encodeImage(image, as: ".jpg") }
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func truncatedFileIsAnError() throws {
        let bytes = try encodeImage(TestImages.gradient(height: 64, width: 64, channels: 3), as: ".jpg")
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(bytes.count / 2)))) }
        #expect(error.code == .corruptData)
        #expect(error.message.contains("truncated"))
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16])) }
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func appliesOrientationOnlyWhenAsked() throws {
        let root = try #require(Corpus.root)
        let reference = try readImage(from: .path(root.appendingPathComponent("jpeg/pillow/hopper.jpg").path))
        for code in [3, 6, 8] {
            let path = root.appendingPathComponent("jpeg/pillow/hopper_orientation_\(code).jpg").path
            #expect(try imageMetadata(of: .path(path))["orientation"] == .int(code))
            let raw = try readImage(from: .path(path))
            let upright = try readImage(from: .path(path), options: ["apply_orientation": true])
            #expect(raw.shape == upright.shape)  // square image
            #expect(raw != upright)
            // The upright image is close to the plain hopper.jpg.
            #expect(TestImages.psnr(upright, reference) > 25, "orientation \(code)")
        }
    }

    /// What the refusal of a 12-bit JPEG must say: the file's precision from its SOF marker, the
    /// system library (built for 8-bit samples on Debian 12), and what would read it.
    static var twelveBitRefusalParts: [String] {
        var parts = ["12-bit JPEG", "precision 12 in its SOF", "the system's \(JPEGPrecision.library)",
                     "libjpeg-turbo 3.0 or later, which has 12-bit APIs"]
        if JPEGPrecision.library.hasPrefix("libjpeg-turbo 2.") { parts.append("is built for 8-bit samples only") }
        return parts
    }

    /// A baseline JPEG whose frame header claims 12-bit samples (the data stays 8-bit: libjpeg
    /// must never see it).
    static func twelveBitJPEG() throws -> [UInt8] {
        var bytes = try encodeImage(TestImages.gradient(height: 16, width: 16, channels: 0), as: ".jpg")
        let sof = try #require((2..<(bytes.count - 4)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        #expect(bytes[sof + 4] == 8)
        bytes[sof + 4] = 12
        return bytes
    }

    @Test func twelveBitJPEGSaysWhatWouldReadIt() throws {
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(Self.twelveBitJPEG())) }
        #expect(error.code == .unsupportedFeature)
        for part in Self.twelveBitRefusalParts { #expect(error.message.contains(part), "\(error.message)") }
        #expect(JPEGPrecision.library.hasPrefix("libjpeg-turbo "), "the version is named")
    }

    /// The same check in TIFF's JPEG path, on a strip whose tags say 8-bit (the SOF decides).
    @Test func twelveBitJPEGStripInTIFFSaysWhatWouldReadIt() throws {
        let jpeg = try Self.twelveBitJPEG()
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
        let entries: [(Int, Int, Int)] = [
            (256, 3, 16), (257, 3, 16), (258, 3, 8), (259, 3, 7), (262, 3, 1), (273, 4, 8 + 2 + 9 * 12 + 4), (277, 3, 1),
            (278, 3, 16), (279, 4, jpeg.count),
        ]
        var file: [UInt8] = [0x49, 0x49, 42, 0] + u32(8) + u16(entries.count)
        for (tag, type, value) in entries { file += u16(tag) + u16(type) + u32(1) + u32(value) }
        file += u32(0) + jpeg
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(file)) }
        #expect(error.code == .unsupportedFeature)
        for part in Self.twelveBitRefusalParts { #expect(error.message.contains(part), "\(error.message)") }
    }
}
