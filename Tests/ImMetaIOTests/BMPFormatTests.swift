import ImMetaIO
import Testing

@Suite struct BMPFormatTests {
    @Test(arguments: [0, 3, 4])
    func roundTripsGrayRGBAndRGBA(_ channels: Int) throws {
        // Odd widths exercise row padding.
        let image = try TestImages.gradient(height: 13, width: 7, channels: channels)
        let bytes = try encodeImage(image, as: ".bmp")
        #expect(bytes.prefix(2) == [0x42, 0x4D])
        #expect(try readImage(from: .bytes(bytes)) == image)
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["bit_count"] == .int(max(channels, 1) * 8))
    }

    /// A BMP with a 40-byte header, the given palette, bit count, compression and pixel bytes.
    static func bmp(width: Int, height: Int, bits: Int, compression: Int = 0, palette: [[UInt8]], pixels: [UInt8]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let offset = 14 + 40 + palette.count * 4
        var file: [UInt8] = [0x42, 0x4D] + u32(offset + pixels.count) + u32(0) + u32(offset)
        file += u32(40) + u32(width) + u32(height) + u16(1) + u16(bits) + u32(compression) + u32(pixels.count)
        file += u32(0) + u32(0) + u32(palette.count) + u32(0)
        for color in palette { file += [color[2], color[1], color[0], 0] }
        return file + pixels
    }

    @Test func readsRLE8WithDeltasAndPalettes() throws {
        let palette: [[UInt8]] = [[0, 0, 0], [255, 0, 0], [0, 0, 255]]
        // Bottom row (first in the file): 2 × index 1; a delta of 1 right and 1 up lands on the
        // top row's last pixel: 1 × index 2; end of bitmap. Skipped pixels are index 0.
        let file = Self.bmp(width: 4, height: 2, bits: 8, compression: 1, palette: palette, pixels: [2, 1, 0, 2, 1, 1, 1, 2, 0, 1])
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [2, 4, 3])
        let red: [UInt8] = [255, 0, 0], blue: [UInt8] = [0, 0, 255], black: [UInt8] = [0, 0, 0]
        let pixels = image.scalars(as: UInt8.self)
        let expectedTop = black + black + black + blue, expectedBottom = red + red + black + black
        #expect(Array(pixels[0..<12]) == expectedTop)
        #expect(Array(pixels[12..<24]) == expectedBottom)
    }

    @Test func greyRampPalettesReadAsGray() throws {
        let file = Self.bmp(width: 8, height: 1, bits: 1, palette: [[0, 0, 0], [255, 255, 255]], pixels: [0b1010_0000, 0, 0, 0])
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [1, 8])
        #expect(image.scalars(as: UInt8.self) == [255, 0, 255, 0, 0, 0, 0, 0])
    }

    @Test func damagedFilesAreTypedErrors() throws {
        let good = try encodeImage(TestImages.gradient(height: 9, width: 9, channels: 3), as: ".bmp")
        for cut in [2, 10, 20, 40] {
            #expect(throws: ImMetaIOError.self, "cut at \(cut)") { try readImage(from: .bytes(Array(good.prefix(cut))), format: "bmp") }
        }
        // Truncated pixel data reads as zeros past the end, as Pillow and imagecodecs do.
        let short = try readImage(from: .bytes(Array(good.prefix(good.count - 20))))
        #expect(short.shape == [9, 9, 3])
        var huge = good
        huge[18] = 0xFF
        huge[19] = 0xFF
        huge[20] = 0xFF
        huge[22] = 0xFF
        huge[23] = 0xFF
        huge[24] = 0xFF  // (2^24 - 1)²  pixels: beyond the decode limits, refused before allocating
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(huge)) }
        let oversizedPalette = Self.bmp(width: 1, height: 1, bits: 1, palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2]], pixels: [0, 0, 0, 0])
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(oversizedPalette)) }
        let sixteenBit = try TestImages.gradient(height: 4, width: 4, channels: 3, dtype: .uint16)
        #expect(throws: ImMetaIOError.self) { try encodeImage(sixteenBit, as: ".bmp") }
    }
}
