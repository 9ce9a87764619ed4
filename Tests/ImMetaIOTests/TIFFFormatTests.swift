import ImMetaIO
import Testing

@Suite struct TIFFFormatTests {
    /// A minimal little-endian TIFF: 3×2 uint16 gray, one uncompressed strip.
    static func smallTIFF(bytes pixelBytes: [UInt8]? = nil, stripBytes: UInt32 = 12) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        let entries: [(UInt16, UInt16, UInt32, UInt32)] = [
            (256, 3, 1, 3), (257, 3, 1, 2), (258, 3, 1, 16), (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, 8 + 2 + 9 * 12 + 4),
            (277, 3, 1, 1), (278, 3, 1, 2), (279, 4, 1, stripBytes),
        ]
        var file: [UInt8] = [0x49, 0x49, 42, 0] + u32(8) + u16(UInt16(entries.count))
        for (tag, type, count, value) in entries { file += u16(tag) + u16(type) + u32(count) + u32(value) }
        file += u32(0)
        file += pixelBytes ?? [1, 0, 2, 0, 3, 0, 0, 1, 0, 2, 255, 255]
        return file
    }

    @Test func readsAMinimalFile() throws {
        let file = try openImage(.bytes(Self.smallTIFF()))
        #expect(file.format.name == "tiff")
        let image = try file.read()
        #expect(image.shape == [2, 3])
        #expect(image.scalars(as: UInt16.self) == [1, 2, 3, 256, 512, 65535])
        #expect(try file.metadata()["compression"] == 1)
    }

    @Test func damagedFilesAreTypedErrors() throws {
        let good = Self.smallTIFF()
        for cut in [4, 10, 40, 100] {
            #expect(throws: ImMetaIOError.self, "cut at \(cut)") { try readImage(from: .bytes(Array(good.prefix(cut))), format: "tiff") }
        }
        var loop = good
        loop[4] = 8  // the IFD points to itself through its next-IFD field below
        let nextField = 8 + 2 + 9 * 12
        loop[nextField] = 8
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(loop)) }
        // A byte count past the end is cut to the file, as tifffile does; the rest reads as zero.
        let short = Self.smallTIFF(bytes: [1, 0, 2, 0], stripBytes: 1_000_000)
        #expect(try readImage(from: .bytes(short)).scalars(as: UInt16.self) == [1, 2, 0, 0, 0, 0])
    }
}
