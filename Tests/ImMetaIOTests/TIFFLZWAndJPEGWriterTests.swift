import ImMetaIO
import Testing
@testable import TIFFFormat

/// TIFF's LZW (our encoder) and JPEG compression in the writer: LZW round trips every dtype
/// exactly through our reader, with and without the predictor; the encoder's code stream follows
/// libtiff's rules; JPEG pages read back within the tolerances stated; errors for what the
/// schemes do not hold. tifffile reads the same kinds of files in the interop checks.
@Suite struct TIFFLZWAndJPEGWriterTests {
    @Test(arguments: [
        ["compression": "lzw"], ["compression": "lzw", "predictor": true], ["compression": "lzw", "tile": [16, 32]],
        ["compression": "lzw", "predictor": "horizontal", "rows_per_strip": 3], ["compression": "lzw", "bigtiff": true],
    ] as [JSONObject])
    func lzwRoundTripsEveryDtype(_ options: JSONObject) throws {
        for (name, image) in try TIFFWriterTests.samples() where options["predictor"] != "horizontal" || image.dtype.isInteger {
            let bytes = try encodeImage(image, as: ".tif", options: options)
            #expect(try readImage(from: .bytes(bytes)) == image, "\(name) with \(options)")
            #expect(try imageMetadata(of: .bytes(bytes))["compression"] == 5)
        }
    }

    /// Our decoder (the reader's) inverts the encoder on inputs that cross every code width, fill
    /// the table several times (ClearCode) and end at each boundary; a one-byte input gives the
    /// exact code stream libtiff writes.
    @Test func lzwCodeStreamsDecode() throws {
        #expect(Array([UInt8(7)]).withUnsafeBytes { TIFFCompressor.lzw($0) } == [0x80, 0x01, 0xE0, 0x20])
        #expect([UInt8]().withUnsafeBytes { TIFFCompressor.lzw($0) } == [0x80, 0x40, 0x40])
        var generator = TestImages.Generator(state: 77)
        var inputs: [[UInt8]] = [[0], [1, 1], Array(repeating: 9, count: 100_000), (0..<70_000).map { UInt8($0 % 251) }]
        inputs.append((0..<50_000).map { _ in UInt8(generator.next() % 256) })
        inputs.append((0..<50_000).map { _ in UInt8(generator.next() % 4) })
        // Lengths around the points where the encoder widens codes and clears the table.
        let noise = (0..<20_000).map { _ in UInt8(generator.next() % 256) }
        for length in [253, 254, 255, 510, 511, 512, 1790, 1791, 1792, 3836, 3837, 3838, 3839, 7000] {
            inputs.append(Array(noise.prefix(length)))
        }
        for input in inputs {
            let encoded = input.withUnsafeBytes { TIFFCompressor.lzw($0) }
            let decoded = try encoded.withUnsafeBytes { try TIFFCodecs.lzw($0, count: input.count) }
            #expect(decoded == input, "\(input.count) bytes")
            // Nothing after EOI: decoding asks for more than there is and still stops at the input's end.
            let greedy = try encoded.withUnsafeBytes { try TIFFCodecs.lzw($0, count: input.count + 10) }
            #expect(greedy == input, "\(input.count) bytes, EOI")
        }
        #expect(Array(repeating: UInt8(9), count: 100_000).withUnsafeBytes { TIFFCompressor.lzw($0) }.count < 1000)
    }

    @Test func jpegPagesReadBackWithinTolerance() throws {
        let rgb = try VideoFormatTests.movingFrames(count: 1, height: 100, width: 131).reshaped([100, 131, 3])
        let gray = try TestImages.gradient(height: 70, width: 45, channels: 0)
        // Minimum PSNR (dB) and the photometric interpretation stored.
        let cases: [(NDArray, JSONObject, Double, Int)] = [
            (rgb, ["compression": "jpeg"], 30, 6),
            (rgb, ["compression": "jpeg", "subsampling": [1, 1], "quality": 95], 38, 6),
            (rgb, ["compression": "jpeg", "subsampling": "4:2:2", "rows_per_strip": 32], 32, 6),
            (rgb, ["compression": "jpeg", "subsampling": [4, 1], "tile": [32, 64]], 28, 6),
            (rgb, ["compression": "jpeg", "photometric": "rgb", "level": 90], 38, 2),
            (rgb, ["compression": "jpeg", "tile": [16, 32]], 30, 6),
            (gray, ["compression": "jpeg"], 36, 1),
            (gray, ["compression": "jpeg", "rows_per_strip": 16, "quality": 50], 30, 1),
        ]
        for (image, options, minimum, photometric) in cases {
            let bytes = try encodeImage(image, as: ".tif", options: options)
            let back = try readImage(from: .bytes(bytes))
            #expect(back.shape == image.shape, "\(options)")
            let psnr = TestImages.psnr(image, back)
            #expect(psnr > minimum, "\(options): PSNR \(psnr) dB")
            let metadata = try imageMetadata(of: .bytes(bytes))
            #expect(metadata["compression"] == 7 && metadata["photometric"]?.intValue == photometric, "\(options): \(metadata)")
        }
        // Quality changes the size; several pages of one stack each get their strips.
        let low = try encodeImage(rgb, as: ".tif", options: ["compression": "jpeg", "quality": 30])
        let high = try encodeImage(rgb, as: ".tif", options: ["compression": "jpeg", "quality": 95])
        #expect(low.count < high.count)
        let stack = try NDArray.stacked([rgb, rgb])
        #expect(try readImage(from: .bytes(encodeImage(stack, as: ".tif", options: ["compression": "jpeg"]))).shape == [2, 100, 131, 3])
    }

    @Test func optionsTheSchemesDoNotTakeAreErrors() throws {
        let rgb = try TestImages.gradient(height: 40, width: 40, channels: 3)
        let cases: [(NDArray, JSONObject)] = [
            (try TestImages.gradient(height: 8, width: 8, channels: 3, dtype: .uint16), ["compression": "jpeg"]),
            (try TestImages.gradient(height: 8, width: 8, channels: 4), ["compression": "jpeg"]),
            (rgb, ["compression": "jpeg", "predictor": true]),
            (rgb, ["compression": "jpeg", "rows_per_strip": 10]),
            (rgb, ["compression": "jpeg", "subsampling": [4, 1], "tile": [16, 16]]),
            (rgb, ["compression": "jpeg", "subsampling": [3, 3]]),
            (rgb, ["compression": "jpeg", "quality": 0]),
            (rgb, ["compression": "jpeg", "quality": 80, "level": 80]),
            (rgb, ["compression": "deflate", "subsampling": [2, 2]]),
            (rgb, ["compression": "deflate", "quality": 80]),
            (rgb, ["photometric": "ycbcr"]),
            (rgb, ["compression": "lzw", "level": 5]),
            (try TestImages.gradient(height: 8, width: 8, channels: 0), ["compression": "jpeg", "photometric": "ycbcr"]),
            (rgb, ["compression": "lzh"]),
        ]
        for (image, options) in cases {
            let error = try #require(throws: ImMetaIOError.self, "\(options)") { try encodeImage(image, as: ".tif", options: options) }
            #expect(error.code == .invalidArgument, "\(options): \(error.message)")
        }
    }
}
