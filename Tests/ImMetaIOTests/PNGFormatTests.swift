import ImMetaIO
import Testing

@Suite struct PNGFormatTests {
    @Test(arguments: [0, 1, 2, 3, 4], [DType.uint8, .uint16])
    func roundTripsEveryLayout(channels: Int, dtype: DType) throws {
        let image = try TestImages.gradient(height: 37, width: 53, channels: channels, dtype: dtype)
        let bytes = try encodeImage(image, as: ".png")
        try StrictPNG.validate(bytes)
        let decoded = try readImage(from: .bytes(bytes))
        // H×W×1 is stored as gray and read back as H×W, as imageio does.
        #expect(decoded == (channels == 1 ? try image.reshaped([37, 53]) : image))
    }

    @Test(arguments: ["none", "sub", "up", "average", "paeth", "adaptive"], [0, 1, 6, 12])
    func roundTripsEveryFilterAndLevel(filter: String, level: Int) throws {
        let image = try TestImages.gradient(height: 20, width: 31, channels: 3)
        let bytes = try encodeImage(image, as: "png", options: ["filter": .string(filter), "compression": .int(level)])
        try StrictPNG.validate(bytes)
        #expect(try readImage(from: .bytes(bytes)) == image)
    }

    @Test func oddSizesRoundTrip() throws {
        for (height, width) in [(1, 1), (1, 17), (17, 1), (3, 1000)] {
            let image = try TestImages.gradient(height: height, width: width, channels: 4)
            #expect(try readImage(from: .bytes(encodeImage(image, as: ".png"))) == image)
        }
    }

    @Test func writesTextAndPhysicalSize() throws {
        let image = try TestImages.gradient(height: 8, width: 8, channels: 3)
        let bytes = try encodeImage(
            image, as: ".png",
            metadata: ["text": ["Author": "immetaio", "Note": "ünïcode ✓"], "dpi": [300.0, 150.0]])
        let file = try openImage(.bytes(bytes))
        let metadata = try file.metadata()
        #expect(metadata["text"]?["Author"] == "immetaio")
        #expect(metadata["text"]?["Note"] == "ünïcode ✓")
        let dpiValues = metadata["dpi"]?.arrayValue?.compactMap { $0.doubleValue } ?? []
        let dpi = try #require(dpiValues.count == 2 ? dpiValues : nil)
        #expect(abs(dpi[0] - 300) < 0.1 && abs(dpi[1] - 150) < 0.1)
        let spacing = try #require(try file.properties().spacing)
        #expect(abs(spacing[1] - 0.0254 / 300) < 1e-6)
    }

    @Test func refusesWhatPNGCannotStore() throws {
        // (H×W×5 and N×H×W×C are stacks of frames: animated PNGs, see AnimatedPNGWriterTests.)
        for image in [NDArray(shape: [4, 4], dtype: .float32), NDArray(shape: [2, 4, 4, 5], dtype: .uint8),
                      NDArray(shape: [2, 2, 4, 4, 3], dtype: .uint8), NDArray(shape: [0, 4], dtype: .uint8)] {
            let error = try #require(throws: ImMetaIOError.self) { try encodeImage(image, as: ".png") }
            #expect(error.code == .invalidArgument)
        }
        let error = try #require(throws: ImMetaIOError.self) {
            try encodeImage(NDArray(shape: [4, 4], dtype: .uint8), as: ".png", options: ["compresion": 3])
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("compresion"))
        #expect(throws: ImMetaIOError.self) {
            try encodeImage(NDArray(shape: [4, 4], dtype: .uint8), as: ".png", options: ["compression": 13])
        }
    }

    @Test func corruptDataIsATypedError() throws {
        var bytes = try encodeImage(TestImages.gradient(height: 16, width: 16, channels: 3), as: ".png")
        bytes[bytes.count / 2] ^= 0xFF
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(bytes)) }
        #expect(error.code == .corruptData)
        let truncated = Array(bytes.prefix(40))
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(truncated)) }
    }

    @Test func limitsAreCheckedBeforeAllocation() throws {
        let big = try encodeImage(NDArray(shape: [3000, 3000], dtype: .uint8), as: ".png")
        let error = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(big), limits: DecodeLimits(maxPixels: 1_000_000))
        }
        #expect(error.code == .limitExceeded)
        #expect(error.message.contains("9000000 pixels"))
        let bytesError = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(big), limits: DecodeLimits(maxBytes: 1000))
        }
        #expect(bytesError.code == .limitExceeded)
        #expect(try readImage(from: .bytes(big)).shape == [3000, 3000])
    }
}
