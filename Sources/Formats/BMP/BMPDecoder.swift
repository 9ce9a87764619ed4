import ImMetaIOCore
import NDArrayModule

/// Decodes BMP pixels to the array Pillow gives after its usual conversion: 1-bit black-and-white
/// and grey-ramp palettes → H×W uint8 gray; other palettes, 16/24-bit and 32-bit without alpha →
/// H×W×3 RGB; 16/32-bit with an alpha mask → H×W×4 RGBA.
struct BMPDecoder {
    let header: BMPHeader

    /// The output channel count (1, 3 or 4).
    var channels: Int {
        if header.bitCount <= 8 { return isGreyscalePalette ? 1 : 3 }
        return header.compression == 3 && header.masks[3] != 0 ? 4 : 3
    }

    /// Pillow's rule: a palette that is the grey ramp (0 and 255 for two entries) reads as gray.
    var isGreyscalePalette: Bool {
        let palette = header.palette
        guard !palette.isEmpty else { return false }
        let colors = 1 << header.bitCount
        let count = header.colorsUsed == 0 ? colors : header.colorsUsed
        guard count == palette.count, count == 2 || count == 256 else { return false }
        for (index, entry) in palette.enumerated() {
            let value = count == 2 ? UInt8(index * 255) : UInt8(index)
            if entry != (value, value, value) { return false }
        }
        return true
    }

    var shape: [Int] { channels == 1 ? [header.height, header.width] : [header.height, header.width, channels] }

    /// Decodes into `out` (the array's bytes, top row first).
    func decode(_ file: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(BMPHeader.Failure) {
        let width = header.width, height = header.height, channels = self.channels
        guard header.pixelOffset <= file.count else { throw .corrupt("pixel data offset past the end of the file") }
        let data = UnsafeRawBufferPointer(rebasing: file[header.pixelOffset...])
        if header.compression == 1 || header.compression == 2 {
            // RLE: indices first (skipped pixels keep index 0, as Pillow leaves them), then colours.
            var indices = [UInt8](repeating: 0, count: width * height)
            rle(data, into: &indices, fourBit: header.compression == 2)
            for y in 0..<height {
                for x in 0..<width { put(index: indices[y * width + x], x: x, y: y, into: out, channels: channels) }
            }
            return
        }
        let rowBytes = ((width * header.bitCount + 31) / 32) * 4
        for row in 0..<height {
            let y = header.topDown ? row : height - 1 - row
            let start = row * rowBytes
            // Rows past the end of a truncated file read as zeros.
            let available = max(0, min(rowBytes, data.count - start))
            var line = [UInt8](repeating: 0, count: rowBytes)
            if available > 0 { for i in 0..<available { line[i] = data[start + i] } }
            switch header.bitCount {
            case 1, 2, 4, 8:
                let bits = header.bitCount
                for x in 0..<width {
                    let bit = x * bits
                    let index = (line[bit >> 3] >> UInt8(8 - bits - (bit & 7))) & UInt8((1 << bits) - 1)
                    put(index: index, x: x, y: y, into: out, channels: channels)
                }
            case 24:
                for x in 0..<width {
                    let at = (y * width + x) * 3
                    out[at] = line[3 * x + 2]
                    out[at + 1] = line[3 * x + 1]
                    out[at + 2] = line[3 * x]
                }
            default:
                let size = header.bitCount / 8
                let masks = effectiveMasks
                for x in 0..<width {
                    var value: UInt32 = 0
                    for byte in 0..<size { value |= UInt32(line[size * x + byte]) << (8 * UInt32(byte)) }
                    let at = (y * width + x) * channels
                    for channel in 0..<channels { out[at + channel] = Self.scale(value, mask: masks[channel]) }
                }
            }
        }
    }

    /// The channel masks in use: the header's for BITFIELDS, else 5-5-5 (16-bit) or 8-8-8 (32-bit).
    var effectiveMasks: [UInt32] {
        if header.compression == 3 { return header.masks }
        return header.bitCount == 16 ? [0x7C00, 0x03E0, 0x001F, 0] : [0xFF_0000, 0xFF00, 0xFF, 0]
    }

    /// A masked channel scaled to 0…255 as `value · 255 / max`, truncated (Pillow's rule for 5- and
    /// 6-bit channels; exact for 8-bit ones).
    static func scale(_ value: UInt32, mask: UInt32) -> UInt8 {
        guard mask != 0 else { return 0 }
        let shift = UInt32(mask.trailingZeroBitCount)
        let maximum = mask >> shift
        let channel = (value & mask) >> shift
        return UInt8(truncatingIfNeeded: UInt64(channel) * 255 / UInt64(maximum))
    }

    private func put(index: UInt8, x: Int, y: Int, into out: UnsafeMutableRawBufferPointer, channels: Int) {
        let palette = header.palette
        // Indices past the palette read as black, as Pillow pads palettes with zeros.
        let (r, g, b) = Int(index) < palette.count ? palette[Int(index)] : (0, 0, 0)
        let at = (y * header.width + x) * channels
        if channels == 1 {
            out[at] = r
        } else {
            out[at] = r
            out[at + 1] = g
            out[at + 2] = b
        }
    }

    /// RLE8/RLE4 into `indices` (top row first), the way Pillow reads them, so that damaged
    /// streams decode alike: indices go to one buffer in file row order; encoded runs are cut at
    /// the row's end, absolute runs are not (they wrap); an end of line pads to the next row; a
    /// delta skips `right + up · width` pixels; absolute runs stop at a full image; decoding stops at the end of the bitmap, at the
    /// end of the data, or when the image is full.
    private func rle(_ data: UnsafeRawBufferPointer, into indices: inout [UInt8], fourBit: Bool) {
        let width = header.width, height = header.height, total = width * height
        var position = 0, x = 0, i = 0
        func put(_ value: UInt8) {
            if position < total {
                let row = position / width
                let y = header.topDown ? row : height - 1 - row
                indices[y * width + position % width] = value
            }
            position += 1
        }
        while position < total, i + 1 < data.count {
            let count = Int(data[i]), value = data[i + 1]
            i += 2
            if count > 0 {
                let run = x + count > width ? max(0, width - x) : count
                for k in 0..<run { put(fourBit ? (k % 2 == 0 ? value >> 4 : value & 0x0F) : value) }
                x += run
                continue
            }
            switch value {
            case 0:
                if position % width != 0 { position += width - position % width }
                x = 0
            case 1:
                return
            case 2:
                guard i + 1 < data.count else { return }
                position += Int(data[i]) + Int(data[i + 1]) * width
                x = position % width
                i += 2
            default:
                // Absolute run: at most what still fits the image; RLE4 packs two pixels a byte.
                let pixels = min(total - position, Int(value))
                let bytes = fourBit ? (pixels + 1) / 2 : pixels
                let available = min(bytes, data.count - i)
                for k in 0..<available {
                    let byte = data[i + k]
                    if fourBit {
                        put(byte >> 4)
                        if 2 * k + 1 < pixels { put(byte & 0x0F) }
                    } else {
                        put(byte)
                    }
                }
                i += available
                if available < bytes || position >= total { return }
                x += Int(value)
                if (header.pixelOffset + i) % 2 == 1 { i += 1 }  // runs end on a 16-bit boundary of the file
            }
        }
    }
}
