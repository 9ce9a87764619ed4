import ImMetaIO
import Testing

/// The animated WebP writer (libwebp's animation encoder): lossless frames read back exactly
/// through our reader, lossy ones closely, with their durations and loop count; errors.
@Suite struct AnimatedWebPWriterTests {
    @Test(arguments: [3, 4])
    func losslessFramesRoundTripExactly(channels: Int) throws {
        // Frames without repeats (libwebp merges a repeated frame, see below).
        let frames = AnimatedPNGWriterTests.frames(count: 6, channels: channels, dtype: .uint8)
        let stack = try NDArray.stacked([0, 1, 2, 4, 5].map { try VideoFormatTests.frame(frames, $0) })
        let bytes = try encodeImage(stack, as: ".webp", options: ["lossless": true, "duration": [40, 80, 120, 160, 200], "loop": 2])
        let back = try readImage(from: .bytes(bytes))
        #expect(back.shape == [5, 40, 56, 4])
        let exact = back.scalars(as: UInt8.self) == AnimatedPNGWriterTests.rgba8(stack, channels: channels)
        #expect(exact)
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["animated"] == true)
        #expect(metadata["frame_count"] == 5)
        #expect(metadata["durations"] == [40, 80, 120, 160, 200])
        #expect(metadata["loop"] == 2)
    }

    @Test func lossyFramesAreCloseAndQualityCounts() throws {
        let stack = try VideoFormatTests.movingFrames(count: 4, height: 48, width: 64)
        let good = try encodeImage(stack, as: ".webp", options: ["quality": 95, "duration": 50])
        let poor = try encodeImage(stack, as: ".webp", options: ["quality": 20, "duration": 50])
        #expect(poor.count < good.count)
        let back = try readImage(from: .bytes(good))
        #expect(back.shape == [4, 48, 64, 4])
        var rgb: [UInt8] = []
        let rgba = back.scalars(as: UInt8.self)
        for pixel in stride(from: 0, to: rgba.count, by: 4) { rgb += rgba[pixel..<(pixel + 3)] }
        let psnr = TestImages.psnr(stack, try NDArray(rgb, shape: [4, 48, 64, 3]))
        #expect(psnr > 30, "PSNR \(psnr) dB")
        #expect(try imageMetadata(of: .bytes(good))["durations"] == [50, 50, 50, 50])
        #expect(try imageMetadata(of: .bytes(good))["loop"] == 0)
    }

    @Test func grayStacksOneImageAndMetadataTiming() throws {
        // N×H×W gray frames (W > 4) are a stack, written as gray RGB.
        let gray = AnimatedPNGWriterTests.frames(count: 3, channels: 0, dtype: .uint8)
        let back = try readImage(from: .bytes(encodeImage(gray, as: ".webp", options: ["lossless": true])))
        let exact = back.scalars(as: UInt8.self) == AnimatedPNGWriterTests.rgba8(gray, channels: 0)
        #expect(exact)
        // One image is a still.
        let still = try encodeImage(try TestImages.gradient(height: 8, width: 8, channels: 3), as: ".webp", options: ["duration": 30])
        #expect(try imageMetadata(of: .bytes(still))["animated"] == false)
        // Timing from the first frame's metadata when no option gives it.
        let frames = AnimatedPNGWriterTests.frames(count: 3, channels: 4, dtype: .uint8)
        let timed = try encodeImage(frames, as: ".webp", options: ["lossless": true], metadata: ["durations": [30, 60, 90], "loop": 7])
        #expect(try imageMetadata(of: .bytes(timed))["durations"] == [30, 60, 90])
        #expect(try imageMetadata(of: .bytes(timed))["loop"] == 7)
    }

    /// libwebp merges a frame identical to the previous one into it (as Pillow's writer does),
    /// keeping the total duration.
    @Test func identicalFramesMergeKeepingTheirTime() throws {
        let stack = AnimatedPNGWriterTests.frames(count: 5, channels: 4, dtype: .uint8)  // frame 3 repeats frame 2
        let bytes = try encodeImage(stack, as: ".webp", options: ["lossless": true, "duration": [10, 20, 30, 40, 50]])
        #expect(try imageMetadata(of: .bytes(bytes))["durations"] == [10, 20, 70, 50])
    }

    @Test func badOptionsAndFramesAreErrors() throws {
        let frames = AnimatedPNGWriterTests.frames(count: 2, channels: 3, dtype: .uint8)
        for options: JSONObject in [["duration": 0.04], ["duration": -3], ["duration": 20_000_000], ["loop": 70000], ["loop": .null], ["fps": 10]] {
            let error = try #require(throws: ImMetaIOError.self, "\(options)") { try encodeImage(frames, as: ".webp", options: options) }
            #expect(error.code == .invalidArgument)
        }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [2, 4, 4, 3], dtype: .uint16), as: ".webp") }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [2, 4, 4, 2], dtype: .uint8), as: ".webp") }
        let writer = try ImageFileWriter(encodingAs: ".webp", registry: .standard)
        try writer.append(VideoFormatTests.frame(frames, 0))
        #expect(throws: ImMetaIOError.self) { try writer.append(try TestImages.gradient(height: 40, width: 56, channels: 4)) }
    }
}
