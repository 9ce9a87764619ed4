import ImMetaIO
import Testing

@Suite struct EXRFormatTests {
    static func image(channels: Int, dtype: DType, seed: UInt64 = 5) -> NDArray {
        var generator = TestImages.Generator(state: seed)
        let shape = channels == 1 ? [37, 53] : [37, 53, channels]
        let count = 37 * 53 * channels
        let values = (0..<count).map { index -> Double in
            Double(index % 53) / 20 + Double(generator.next() % 1000) / 1000 - 0.5
        }
        return ((try? NDArray(values, shape: shape)) ?? NDArray(shape: shape, dtype: .float64)).astype(dtype)
    }

    static let lossless = ["none", "rle", "zips", "zip", "piz"]

    @Test(arguments: lossless, [DType.float16, .float32])
    func losslessCompressionsRoundTripExactly(compression: String, dtype: DType) throws {
        for channels in [1, 3, 4] {
            let image = Self.image(channels: channels, dtype: dtype)
            let bytes = try encodeImage(image, as: ".exr", options: ["compression": .string(compression)])
            let file = try openImage(.bytes(bytes))
            #expect(try file.read() == image, "\(compression) \(dtype) \(channels)")
            #expect(try file.metadata()["compression"] == .string(compression))
        }
    }

    @Test func lossyCompressionsStayClose() throws {
        let float = Self.image(channels: 3, dtype: .float32)
        let pxr24 = try readImage(from: .bytes(encodeImage(float, as: ".exr", options: ["compression": "pxr24"])))
        let error = zip(float.scalars(as: Float.self), pxr24.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 1
        #expect(error < 1e-3)  // PXR24 keeps 24 of float's 32 bits
        for compression in ["dwaa", "dwab"] {
            let decoded = try readImage(from: .bytes(encodeImage(float, as: ".exr", options: ["compression": .string(compression)])))
            let worst = zip(float.scalars(as: Float.self), decoded.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 0.1, "\(compression)")  // DWA is lossy, like JPEG for HDR data
            let metadata = try imageMetadata(of: .bytes(encodeImage(float, as: ".exr", options: ["compression": .string(compression)])))
            #expect(metadata["compression"] == .string(compression))
        }
        let half = Self.image(channels: 4, dtype: .float16)
        for compression in ["b44", "b44a", "dwaa"] {
            let decoded = try readImage(from: .bytes(encodeImage(half, as: ".exr", options: ["compression": .string(compression)])))
            #expect(decoded.shape == half.shape)
            #expect(decoded.dtype == .float16)
        }
    }

    @Test func channelNamesAndOrder() throws {
        let image = Self.image(channels: 2, dtype: .float32)
        #expect(throws: ImMetaIOError.self) { try encodeImage(image, as: ".exr") }
        let bytes = try encodeImage(image, as: ".exr", options: ["channels": ["Z", "A"]])
        let file = try openImage(.bytes(bytes))
        // Output order: A before the others (R, G, B, Y, A first), then by name.
        #expect(try file.metadata()["channels"] == ["A", "Z"])
        let decoded = try file.read()
        #expect(EXRConformanceTests.channel(decoded, 0, channelCount: 2) == EXRConformanceTests.channel(image, 1, channelCount: 2))
        let uints = NDArray([1, 2, 3, 4_000_000_000] as [UInt32]).astype(.uint32)
        let grid = try uints.reshaped([2, 2])
        #expect(try readImage(from: .bytes(encodeImage(grid, as: ".exr"))) == grid)
    }

    @Test func refusesWhatItCannotWrite() throws {
        let cases: [(NDArray, JSONObject)] = [
            (NDArray(shape: [4, 4], dtype: .uint8), JSONObject()),
            (NDArray(shape: [4, 4, 3], dtype: .float32), ["compression": "b44"] as JSONObject),
            (NDArray(shape: [4, 4, 3], dtype: .uint32), ["compression": "dwaa"] as JSONObject),
            (NDArray(shape: [4], dtype: .float32), JSONObject()),
        ]
        for (image, options) in cases {
            #expect(throws: ImMetaIOError.self) { try encodeImage(image, as: ".exr", options: options) }
        }
    }

    @Test func corruptFilesAreTypedErrors() throws {
        let bytes = try encodeImage(Self.image(channels: 3, dtype: .float32), as: ".exr", options: ["compression": "zip"])
        var damaged = bytes
        for i in stride(from: bytes.count / 2, to: bytes.count, by: 7) { damaged[i] ^= 0x5A }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(damaged)) }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(bytes.count / 2)))) }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(20)))) }
        let limited = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(bytes), limits: DecodeLimits(maxPixels: 100))
        }
        #expect(limited.code == .limitExceeded)
    }

    @Test func largeImagesUseParallelChunksAndRoundTrip() throws {
        var generator = TestImages.Generator(state: 9)
        let values = (0..<(512 * 300 * 3)).map { _ in Float(generator.next() % 4096) / 512 }
        let image = try NDArray(values, shape: [512, 300, 3])
        #expect(try readImage(from: .bytes(encodeImage(image, as: ".exr"))) == image)
    }
}
