import ImMetaIO
import Testing

@Suite struct GIFFormatTests {
    /// Frames with few colours: written exactly, read back as RGBA.
    @Test func exactPalettesRoundTrip() throws {
        var generator = TestImages.Generator(state: 7)
        let colors: [[UInt8]] = (0..<40).map { _ in (0..<3).map { _ in UInt8(generator.next() % 256) } }
        var values: [UInt8] = []
        for _ in 0..<(3 * 17 * 23) { values += colors[Int(generator.next() % 40)] }
        let frames = try NDArray(values, shape: [3, 17, 23, 3])
        let bytes = try encodeImage(frames, as: ".gif", options: ["duration": [50, 70, 120], "loop": 2])
        let back = try readImage(from: .bytes(bytes))
        #expect(back.shape == [3, 17, 23, 4])
        let rgba = back.scalars(as: UInt8.self)
        #expect(stride(from: 0, to: rgba.count, by: 4).allSatisfy { rgba[$0 + 3] == 255 })
        #expect(stride(from: 0, to: rgba.count, by: 4).map { Array(rgba[$0..<($0 + 3)]) } == stride(from: 0, to: values.count, by: 3).map { Array(values[$0..<($0 + 3)]) })
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["durations"] == [50, 70, 120])
        #expect(metadata["loop"] == 2)
        #expect(try imageProperties(of: .bytes(bytes)).imageCount == 3)
    }

    @Test func quantisesPhotosWellAndDithers() throws {
        let photo = try TestImages.gradient(height: 64, width: 80, channels: 3, seed: 3)
        for dither in [false, true] {
            let bytes = try encodeImage(photo, as: ".gif", options: ["dither": .bool(dither), "palette_size": 64])
            let back = try readImage(from: .bytes(bytes), index: .at(0))
            var rgb: [UInt8] = []
            let rgba = back.scalars(as: UInt8.self)
            for i in stride(from: 0, to: rgba.count, by: 4) { rgb += rgba[i..<(i + 3)] }
            let psnr = TestImages.psnr(photo, try NDArray(rgb, shape: [64, 80, 3]))
            #expect(psnr > 30, "dither \(dither): PSNR \(psnr)")
        }
    }

    @Test func transparencyAndGray() throws {
        var rgba = try TestImages.gradient(height: 10, width: 12, channels: 4)
        rgba.withUnsafeMutableBufferPointer(of: UInt8.self) { pixels in
            for i in stride(from: 3, to: pixels.count, by: 4) { pixels[i] = (i / 4) % 3 == 0 ? 0 : 255 }
        }
        let back = try readImage(from: .bytes(try encodeImage(rgba, as: ".gif")), index: .at(0)).scalars(as: UInt8.self)
        let original = rgba.scalars(as: UInt8.self)
        for i in stride(from: 0, to: original.count, by: 4) {
            #expect(back[i + 3] == original[i + 3])
        }
        let gray = try TestImages.gradient(height: 9, width: 9, channels: 0)
        let grayBack = try readImage(from: .bytes(try encodeImage(gray, as: ".gif")), index: .at(0)).scalars(as: UInt8.self)
        #expect(stride(from: 0, to: grayBack.count, by: 4).map { grayBack[$0] } == gray.scalars(as: UInt8.self))
    }

    @Test func framesAreReadOneAtATime() throws {
        let frames = try (0..<4).map { try TestImages.gradient(height: 8, width: 8, channels: 3, seed: UInt64($0 + 1)) }
        let bytes = try encodeImage(try NDArray.stacked(frames), as: ".gif")
        let file = try openImage(.bytes(bytes))
        var iterator = try file.frames()
        var count = 0
        while let frame = try iterator.next() {
            #expect(frame.shape == [8, 8, 4])
            #expect(frame == (try file.read(index: .at(count))))
            count += 1
        }
        #expect(count == 4)
    }

    @Test func badInputIsTypedErrors() throws {
        let good = try encodeImage(TestImages.gradient(height: 16, width: 16, channels: 3), as: ".gif")
        for cut in [3, 8, 13, 30, 200] {
            #expect(throws: ImMetaIOError.self, "cut at \(cut)") { try readImage(from: .bytes(Array(good.prefix(cut))), format: "gif") }
        }
        let small = try TestImages.gradient(height: 4, width: 4, channels: 3)
        for options: JSONObject in [["palette_size": 1], ["duration": -5], ["loop": 70000], ["colours": 3]] {
            #expect(throws: ImMetaIOError.self, "\(options)") { try encodeImage(small, as: ".gif", options: options) }
        }
        let sixteenBit = try TestImages.gradient(height: 4, width: 4, channels: 3, dtype: .uint16)
        #expect(throws: ImMetaIOError.self) { try encodeImage(sixteenBit, as: ".gif") }
    }
}
