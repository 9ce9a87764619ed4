import ImMetaIOCore

/// The file and DIB headers of a BMP, parsed with bounds checks: OS/2 1.x (12 bytes) and 2.x
/// (16–64 bytes), Windows INFO (40), V2 (52), V3 (56), V4 (108) and V5 (124).
struct BMPHeader {
    var pixelOffset: Int
    var headerSize: Int
    var width: Int
    var height: Int
    var topDown: Bool
    var bitCount: Int
    var compression: Int
    var colorsUsed: Int
    var masks: [UInt32]  // red, green, blue, alpha (0 when absent)
    /// Palette entries as RGB.
    var palette: [(UInt8, UInt8, UInt8)]
    var pixelsPerMeter: (x: Int, y: Int)

    enum Failure: Error {
        case notBMP
        case corrupt(String)
        case unsupported(String)
    }

    static func le16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    static func le32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    init(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard bytes.count >= 18, bytes[0] == 0x42, bytes[1] == 0x4D else { throw .notBMP }
        pixelOffset = Int(Self.le32(bytes, 10))
        headerSize = Int(Self.le32(bytes, 14))
        // Windows headers of other sizes between 40 and 124 bytes start like INFO and are read so.
        guard headerSize == 12 || (16...124).contains(headerSize) else {
            throw .unsupported("DIB header of \(headerSize) bytes")
        }
        guard bytes.count >= 14 + headerSize else { throw .corrupt("the header runs past the end of the file") }
        let h = 14
        var paletteEntrySize = 4
        if headerSize == 12 {
            width = Self.le16(bytes, h + 4)
            height = Int(Int16(truncatingIfNeeded: Self.le16(bytes, h + 6)))
            bitCount = Self.le16(bytes, h + 10)
            compression = 0
            colorsUsed = 0
            pixelsPerMeter = (0, 0)
            paletteEntrySize = 3
        } else {
            width = Int(Int32(bitPattern: Self.le32(bytes, h + 4)))
            height = Int(Int32(bitPattern: Self.le32(bytes, h + 8)))
            bitCount = Self.le16(bytes, h + 14)
            compression = headerSize >= 20 ? Int(Self.le32(bytes, h + 16)) : 0
            pixelsPerMeter = headerSize >= 32
                ? (Int(Int32(bitPattern: Self.le32(bytes, h + 24))), Int(Int32(bitPattern: Self.le32(bytes, h + 28)))) : (0, 0)
            colorsUsed = headerSize >= 36 ? Int(Self.le32(bytes, h + 32)) : 0
        }
        topDown = height < 0
        height = abs(height)
        guard width > 0, height > 0, width < 1 << 24, height < 1 << 24 else { throw .corrupt("invalid size \(width)×\(height)") }
        guard [1, 2, 4, 8, 16, 24, 32].contains(bitCount) || (bitCount == 0 && [4, 5].contains(compression)) else {
            throw .corrupt("invalid bit count \(bitCount)")
        }
        // OS/2 2.x headers reuse compression codes 3 and 4 for Huffman 1D and RLE24.
        if headerSize == 64 || headerSize < 40, compression == 3 || compression == 4 {
            throw .unsupported("OS/2 compression \(compression)")
        }
        switch compression {
        case 0, 1, 2, 3, 4, 5: break
        case 6: throw .unsupported("ALPHABITFIELDS compression")
        default: throw .unsupported("compression \(compression)")
        }
        // Channel masks: in V2+ headers, or just after an INFO header for BITFIELDS.
        masks = [0, 0, 0, 0]
        var afterHeader = h + headerSize
        if compression == 3 {
            if headerSize >= 52 {
                for i in 0..<(headerSize >= 56 ? 4 : 3) { masks[i] = Self.le32(bytes, h + 40 + 4 * i) }
            } else {
                guard bytes.count >= afterHeader + 12 else { throw .corrupt("bit masks run past the end of the file") }
                for i in 0..<3 { masks[i] = Self.le32(bytes, afterHeader + 4 * i) }
                afterHeader += 12
            }
        }
        // The palette: up to 2^bitCount entries between the header and the pixels.
        var count = 0
        if bitCount <= 8, bitCount > 0 {
            count = colorsUsed == 0 ? 1 << bitCount : colorsUsed
            guard count <= 1 << bitCount else { throw .corrupt("palette of \(count) entries for \(bitCount)-bit pixels") }
        }  // a palette next to true-colour pixels is only a hint: not read
        let available = max(0, min(bytes.count, pixelOffset > afterHeader ? pixelOffset : bytes.count) - afterHeader) / paletteEntrySize
        palette = []
        for i in 0..<min(count, available) {
            let at = afterHeader + i * paletteEntrySize
            palette.append((bytes[at + 2], bytes[at + 1], bytes[at]))
        }
        guard bitCount > 8 || bitCount == 0 || !palette.isEmpty else { throw .corrupt("no palette for \(bitCount)-bit pixels") }
    }
}
