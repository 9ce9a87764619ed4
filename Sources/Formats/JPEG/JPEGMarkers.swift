import ImMetaIOCore

/// The marker segments of a JPEG before its first scan: EXIF, comments and Adobe/JFIF facts that
/// libjpeg does not hand back, read in Swift.
package struct JPEGMarkers {
    var exif: EXIF?
    var comments: [String] = []
    /// Sample precision from the frame header (SOFn), when one was found.
    package var precision: Int?

    /// Reads the markers of the JPEG stream `bytes` (from its SOI) up to the first scan.
    package init(_ bytes: UnsafeRawBufferPointer) {
        var offset = 2  // after SOI
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { offset += 1; continue }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan / end of image
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { break }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 2 + length)])
            if marker == 0xE1, exif == nil, payload.starts(with: Array("Exif\0\0".utf8)) {
                exif = EXIF(UnsafeRawBufferPointer(rebasing: payload[6...]))
            } else if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker), !payload.isEmpty {
                precision = Int(payload[0])
            } else if marker == 0xFE {
                comments.append(String(decoding: payload, as: UTF8.self))
            }
            offset += 2 + length
        }
    }
}

/// The first IFD of an EXIF block: orientation and the common descriptive text tags.
struct EXIF {
    var orientation: Int?
    var tags: JSONObject = [:]

    private static let textTags: [UInt16: String] = [
        0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0131: "Software",
        0x0132: "DateTime", 0x013B: "Artist", 0x8298: "Copyright",
    ]

    init?(_ tiff: UnsafeRawBufferPointer) {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(little ? at + 2 : at), let low = u16(little ? at : at + 2) else { return nil }
            return high << 16 | low
        }
        guard let ifd = u32(4), let count = u16(ifd), count < 1000 else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at), let type = u16(at + 2), let valueCount = u32(at + 4) else { break }
            if tag == 0x0112, type == 3, let value = u16(at + 8) {
                orientation = value
                tags["Orientation"] = .int(value)
            } else if let name = Self.textTags[UInt16(tag)], type == 2, valueCount > 0, valueCount < 1 << 16 {
                let start = valueCount <= 4 ? at + 8 : (u32(at + 8) ?? -1)
                guard start >= 0, start + valueCount <= tiff.count else { continue }
                let text = tiff[start..<(start + valueCount)].prefix { $0 != 0 }
                tags[name] = .string(String(decoding: text, as: UTF8.self))
            }
        }
    }
}
