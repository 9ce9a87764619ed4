import ImMetaIO
import Testing

@Suite struct WebPFormatTests {
    @Test(arguments: [3, 4])
    func losslessRoundTripsExactly(channels: Int) throws {
        let image = TestImages.gradient(height: 45, width: 61, channels: channels)
        let bytes = try encodeImage(image, as: ".webp", options: ["lossless": true])
        let file = try openImage(.bytes(bytes))
        #expect(try file.read() == image)
        #expect(try file.metadata()["compression"] == "lossless")
        #expect(try file.properties().shape == [45, 61, channels])
    }

    @Test func lossyIsCloseAndQualityChangesSize() throws {
        let image = TestImages.gradient(height: 64, width: 64, channels: 3)
        let good = try encodeImage(image, as: ".webp", options: ["quality": 95])
        let poor = try encodeImage(image, as: ".webp", options: ["quality": 10])
        #expect(poor.count < good.count)
        #expect(TestImages.psnr(try readImage(from: .bytes(good)), image) > 30)
        let gray = TestImages.gradient(height: 16, width: 16, channels: 0)
        #expect(try readImage(from: .bytes(encodeImage(gray, as: ".webp"))).shape == [16, 16, 3])
    }

    @Test func badInputIsATypedError() throws {
        let bytes = try encodeImage(TestImages.gradient(height: 32, width: 32, channels: 3), as: ".webp")
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(bytes.count / 2)))) }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(16)))) }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [4, 4, 3], dtype: .uint16), as: ".webp") }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [4, 4, 2], dtype: .uint8), as: ".webp") }
    }
}
