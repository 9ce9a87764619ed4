import TestSupport
import ImMetaIO
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
}
