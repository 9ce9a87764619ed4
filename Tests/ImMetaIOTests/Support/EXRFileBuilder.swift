/// Writes small uncompressed OpenEXR files byte by byte, for the cases our writer never produces:
/// several parts, mixed channel types, subsampled channels, deep parts and headers that promise
/// more pixels than any limit allows.
///
/// Only what the tests need: scanline parts without compression (one line per chunk), every
/// chunk written in order after the offset tables.
struct EXRFileBuilder {
    /// OpenEXR's pixel types, as stored in the channel list.
    enum PixelType: Int32 {
        case uint = 0, half = 1, float = 2

        var size: Int { self == .half ? 2 : 4 }
    }

    /// One channel: its name, type, sampling and its samples (little-endian, row-major at the
    /// channel's own resolution; missing samples are zeros).
    struct Channel {
        var name: String
        var type: PixelType
        var xSampling: Int32 = 1
        var ySampling: Int32 = 1
        var samples: [UInt8] = []
    }

    /// One part: its name (written only for multi-part files), data window, channels and kind.
    struct Part {
        var name: String
        /// xmin, ymin, xmax, ymax.
        var dataWindow: (Int32, Int32, Int32, Int32)
        var channels: [Channel]
        /// Writes the header of a deep scanline part (no chunks can be read from it).
        var deep = false
        /// Writes the header and offset table only: a file that claims pixels it does not have.
        var headerOnly = false
    }

    var parts: [Part]

    /// The file's bytes.
    func build() -> [UInt8] {
        let multiPart = parts.count > 1
        var file: [UInt8] = [0x76, 0x2F, 0x31, 0x01]
        var flags: UInt32 = 2
        if multiPart { flags |= 0x1000 }
        if parts.contains(where: \.deep) { flags |= 0x800 }
        file += Self.le(flags)
        for part in parts {
            file += header(part, multiPart: multiPart)
            file.append(0)  // end of this header
        }
        if multiPart { file.append(0) }  // an empty header ends the list of parts

        // Offset tables, then chunks: their positions follow from the sizes.
        let chunkLists = parts.enumerated().map { index, part in chunks(part, index: multiPart ? index : nil) }
        var offset = file.count + chunkLists.reduce(0) { $0 + $1.count * 8 }
        for chunks in chunkLists {
            for chunk in chunks {
                file += Self.le(UInt64(offset))
                offset += chunk.count
            }
        }
        for (part, chunks) in zip(parts, chunkLists) where !part.headerOnly {
            for chunk in chunks { file += chunk }
        }
        return file
    }

    private func header(_ part: Part, multiPart: Bool) -> [UInt8] {
        var channelList: [UInt8] = []
        for channel in part.channels.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            channelList += Array(channel.name.utf8) + [0]
            channelList += Self.le(UInt32(bitPattern: channel.type.rawValue)) + [0, 0, 0, 0]
            channelList += Self.le(UInt32(bitPattern: channel.xSampling)) + Self.le(UInt32(bitPattern: channel.ySampling))
        }
        channelList.append(0)
        let (x0, y0, x1, y1) = part.dataWindow
        let box = [x0, y0, x1, y1].flatMap { Self.le(UInt32(bitPattern: $0)) }
        var bytes = Self.attribute("channels", "chlist", channelList)
        bytes += Self.attribute("compression", "compression", [0])
        bytes += Self.attribute("dataWindow", "box2i", box)
        bytes += Self.attribute("displayWindow", "box2i", box)
        bytes += Self.attribute("lineOrder", "lineOrder", [0])
        bytes += Self.attribute("pixelAspectRatio", "float", Self.le(Float(1).bitPattern))
        bytes += Self.attribute("screenWindowCenter", "v2f", Self.le(Float(0).bitPattern) + Self.le(Float(0).bitPattern))
        bytes += Self.attribute("screenWindowWidth", "float", Self.le(Float(1).bitPattern))
        bytes += Self.attribute("comments", "string", Array("made by EXRFileBuilder".utf8))
        if multiPart || part.deep {
            bytes += Self.attribute("name", "string", Array(part.name.utf8))
            bytes += Self.attribute("type", "string", Array((part.deep ? "deepscanline" : "scanlineimage").utf8))
            bytes += Self.attribute("chunkCount", "int", Self.le(UInt32(y1 - y0 + 1)))
        }
        if part.deep {
            bytes += Self.attribute("version", "int", Self.le(UInt32(1)))
            bytes += Self.attribute("maxSamplesPerPixel", "int", Self.le(UInt32(4)))
        }
        return bytes
    }

    /// One chunk per scanline: [part number,] y, size, then each channel's samples of that line.
    private func chunks(_ part: Part, index: Int?) -> [[UInt8]] {
        let (x0, y0, x1, y1) = part.dataWindow
        let sorted = part.channels.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return (y0...y1).map { y in
            var data: [UInt8] = []
            if !part.deep && !part.headerOnly {
                for channel in sorted where y % channel.ySampling == 0 {
                    let row = Int((y - y0) / channel.ySampling)
                    let width = Int((x1 - x0) / channel.xSampling) + 1
                    let start = row * width * channel.type.size
                    for byte in start..<start + width * channel.type.size {
                        data.append(byte < channel.samples.count ? channel.samples[byte] : 0)
                    }
                }
            }
            var chunk = index.map { Self.le(UInt32($0)) } ?? []
            chunk += Self.le(UInt32(bitPattern: y)) + Self.le(UInt32(data.count)) + data
            return chunk
        }
    }

    private static func attribute(_ name: String, _ type: String, _ value: [UInt8]) -> [UInt8] {
        Array(name.utf8) + [0] + Array(type.utf8) + [0] + le(UInt32(value.count)) + value
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Little-endian bytes of half samples.
    static func bytes(_ values: [Float16]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
    /// Little-endian bytes of float samples.
    static func bytes(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
    /// Little-endian bytes of uint samples.
    static func bytes(_ values: [UInt32]) -> [UInt8] { values.flatMap { le($0) } }
}
