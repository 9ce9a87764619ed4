/// Turns the bytes of an XML document into validated UTF-8: detects a byte-order mark or UTF-16,
/// honours an ISO-8859-1 or windows-1252 encoding declaration, and rejects invalid sequences and
/// the control characters XML 1.0 forbids, with their line and column.
enum XMLTextDecoding {
    enum Source {
        /// UTF-8 already: parse the input in place, after this many BOM bytes.
        case utf8(skip: Int)
        /// Transcoded to UTF-8.
        case transcoded([UInt8])
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(XMLParseError) -> Source {
        let count = bytes.count
        func byte(_ index: Int) -> UInt8? { index < count ? bytes[index] : nil }
        if byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF {
            try validateUTF8(bytes, from: 3)
            return .utf8(skip: 3)
        }
        if byte(0) == 0xFE, byte(1) == 0xFF { return .transcoded(try transcodeUTF16(bytes, from: 2, bigEndian: true)) }
        if byte(0) == 0xFF, byte(1) == 0xFE { return .transcoded(try transcodeUTF16(bytes, from: 2, bigEndian: false)) }
        // Without a mark, UTF-16 still shows in the first character, `<` (XML 1.0 appendix F).
        if byte(0) == 0x00, byte(1) == 0x3C { return .transcoded(try transcodeUTF16(bytes, from: 0, bigEndian: true)) }
        if byte(0) == 0x3C, byte(1) == 0x00 { return .transcoded(try transcodeUTF16(bytes, from: 0, bigEndian: false)) }
        switch declaredEncoding(bytes)?.lowercased() {
        case nil, "utf-8", "utf8", "us-ascii", "ascii":
            try validateUTF8(bytes, from: 0)
            return .utf8(skip: 0)
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1":
            return .transcoded(try transcodeSingleByte(bytes, windows1252: false))
        case "windows-1252", "cp1252":
            return .transcoded(try transcodeSingleByte(bytes, windows1252: true))
        case "utf-16", "utf16":
            // A UTF-16 declaration on 8-bit text without a mark: the text itself is ASCII-compatible.
            try validateUTF8(bytes, from: 0)
            return .utf8(skip: 0)
        case let other?:
            throw XMLParseError(
                .unsupportedEncoding,
                "the document declares encoding '\(other)', which is not supported (UTF-8, UTF-16, ISO-8859-1 and windows-1252 are)",
                line: 1, column: 1)
        }
    }

    /// Reads windows-1252 (a superset of ISO-8859-1's printable range) as UTF-8: for vendor
    /// metadata written without an encoding declaration in a Windows code page.
    static func windows1252ToUTF8(_ bytes: UnsafeBufferPointer<UInt8>) throws(XMLParseError) -> [UInt8] {
        try transcodeSingleByte(bytes, windows1252: true)
    }

    /// The `encoding` pseudo-attribute of an ASCII-compatible XML declaration.
    private static func declaredEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let head = Array(bytes.prefix(512))
        guard head.starts(with: Array("<?xml".utf8)), let end = find(Array("?>".utf8), in: head) else { return nil }
        let declaration = head[..<end]
        guard let keyStart = find(Array("encoding".utf8), in: Array(declaration)) else { return nil }
        var index = keyStart + 8
        func skipSpaces() { while index < end, [0x20, 0x09, 0x0A, 0x0D].contains(head[index]) { index += 1 } }
        skipSpaces()
        guard index < end, head[index] == UInt8(ascii: "=") else { return nil }
        index += 1
        skipSpaces()
        guard index < end, head[index] == UInt8(ascii: "\"") || head[index] == UInt8(ascii: "'") else { return nil }
        let quote = head[index]
        let valueStart = index + 1
        guard let valueEnd = head[valueStart..<end].firstIndex(of: quote) else { return nil }
        return String(decoding: head[valueStart..<valueEnd], as: UTF8.self)
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard pattern.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<start + pattern.count].elementsEqual(pattern) {
            return start
        }
        return nil
    }

    /// Whether a code point is a `Char` of XML 1.0.
    @inline(__always)
    static func isXMLChar(_ scalar: UInt32) -> Bool {
        if scalar < 0x20 { return scalar == 0x09 || scalar == 0x0A || scalar == 0x0D }
        if scalar <= 0xD7FF { return true }
        if scalar < 0xE000 { return false }
        if scalar <= 0xFFFD { return true }
        return scalar >= 0x10000 && scalar <= 0x10FFFF
    }

    /// Checks that `bytes[start...]` is UTF-8 holding only XML characters.
    static func validateUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(XMLParseError) {
        var index = start
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead < 0x20, lead != 0x09, lead != 0x0A, lead != 0x0D {
                    throw located(.invalidEncoding, "control character 0x\(hex(lead)) is not allowed in XML", bytes, start, index)
                }
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF:
                length = 2
                scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF:
                length = 3
                scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4:
                length = 4
                scalar = UInt32(lead & 0x07)
            default: throw located(.invalidEncoding, "invalid UTF-8 byte 0x\(hex(lead))", bytes, start, index)
            }
            guard index + length <= count else {
                throw located(.invalidEncoding, "truncated UTF-8 sequence at the end of the input", bytes, start, index)
            }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else {
                    throw located(.invalidEncoding, "invalid UTF-8 sequence starting with 0x\(hex(lead))", bytes, start, index)
                }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            guard scalar >= minimum, isXMLChar(scalar) else {
                throw located(
                    .invalidEncoding, "invalid or forbidden character U+\(String(scalar, radix: 16, uppercase: true)) in UTF-8 input",
                    bytes, start, index)
            }
            index += length
        }
    }

    private static func transcodeUTF16(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, bigEndian: Bool
    ) throws(XMLParseError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count - start) / 2 * 3 / 2 + 16)
        var index = start
        func unit(_ at: Int) -> UInt32 {
            bigEndian ? UInt32(bytes[at]) << 8 | UInt32(bytes[at + 1]) : UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at])
        }
        while index + 1 < bytes.count {
            var scalar = unit(index)
            index += 2
            if scalar >= 0xD800, scalar <= 0xDBFF {
                guard index + 1 < bytes.count else {
                    throw locatedInOutput(.invalidEncoding, "truncated UTF-16 surrogate pair at the end of the input", output)
                }
                let low = unit(index)
                guard low >= 0xDC00, low <= 0xDFFF else { throw locatedInOutput(.invalidEncoding, "unpaired UTF-16 surrogate", output) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                index += 2
            }
            guard isXMLChar(scalar) else {
                throw locatedInOutput(
                    .invalidEncoding, "invalid or forbidden character U+\(String(scalar, radix: 16, uppercase: true)) in UTF-16 input",
                    output)
            }
            appendUTF8(scalar, to: &output)
        }
        if index < bytes.count { throw locatedInOutput(.invalidEncoding, "odd number of bytes in UTF-16 input", output) }
        return output
    }

    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    private static func transcodeSingleByte(_ bytes: UnsafeBufferPointer<UInt8>, windows1252: Bool) throws(XMLParseError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            var scalar = UInt32(byte)
            if windows1252, byte >= 0x80, byte <= 0x9F { scalar = windows1252High[Int(byte - 0x80)] }
            guard isXMLChar(scalar) else {
                throw locatedInOutput(.invalidEncoding, "control character 0x\(hex(byte)) is not allowed in XML", output)
            }
            appendUTF8(scalar, to: &output)
        }
        return output
    }

    @inline(__always)
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case ..<0x80: output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
            output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
    }

    /// The 1-based line and column (in characters) of `offset`, counting from `start`.
    static func location(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = start
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }

    private static func located(
        _ kind: XMLParseError.Kind, _ message: String, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ offset: Int
    ) -> XMLParseError {
        let (line, column) = location(of: offset, in: bytes, from: start)
        return XMLParseError(kind, message, line: line, column: column)
    }

    private static func locatedInOutput(_ kind: XMLParseError.Kind, _ message: String, _ output: [UInt8]) -> XMLParseError {
        let (line, column) = output.withUnsafeBufferPointer { location(of: $0.count, in: $0, from: 0) }
        return XMLParseError(kind, message, line: line, column: column)
    }
}
