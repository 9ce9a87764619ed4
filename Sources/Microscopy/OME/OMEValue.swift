/// Reading and writing the simple types of OME-XML attributes.
enum OMEValue {
    static func int(_ text: String?) -> Int? {
        guard let text else { return nil }
        return Int(text.trimmingSpaces)
    }

    static func nonNegativeInt(_ text: String?) -> Int? {
        int(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func positiveInt(_ text: String?) -> Int? {
        int(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// A finite number (`INF` and `NaN` are dropped).
    static func double(_ text: String?) -> Double? {
        guard let text, let value = Double(text.trimmingSpaces), value.isFinite else { return nil }
        return value
    }

    static func bool(_ text: String?) -> Bool? {
        switch text?.trimmingSpaces {
        case "true", "1": true
        case "false", "0": false
        default: nil
        }
    }

    /// A colour from OME's signed 32-bit integer (unsigned spellings are accepted too).
    static func color(_ text: String?) -> RGBAColor? {
        guard let text, let value = Int64(text.trimmingSpaces), value >= Int64(Int32.min), value <= Int64(UInt32.max) else { return nil }
        return RGBAColor(omeInteger: Int32(truncatingIfNeeded: value))
    }

    /// A length with its unit attribute; `defaultUnit` when the attribute is absent, `nil` when
    /// the number or the unit cannot be read (or the length must be positive and is not).
    static func length(_ value: String?, unit: String?, default defaultUnit: LengthUnit, positive: Bool = false) -> Length? {
        guard let number = double(value), !positive || number > 0 else { return nil }
        guard let unit else { return Length(number, defaultUnit) }
        guard let parsed = LengthUnit(rawValue: unit) ?? LengthUnit(parsing: unit) else { return nil }
        return Length(number, parsed)
    }

    static func time(_ value: String?, unit: String?, default defaultUnit: TimeUnit = .second) -> TimeQuantity? {
        guard let number = double(value) else { return nil }
        guard let unit else { return TimeQuantity(number, defaultUnit) }
        guard let parsed = TimeUnit(rawValue: unit) ?? TimeUnit(parsing: unit) else { return nil }
        return TimeQuantity(number, parsed)
    }

    /// The shortest text that reads back as the same number (`2`, `0.65`, `1e-05`).
    static func format(_ value: Double) -> String { value.shortDescription }

    static func format(_ value: Bool) -> String { value ? "true" : "false" }

    /// `urn:uuid:` and 8-4-4-4-12 hex digits, as the schema's `UniversallyUniqueIdentifier`.
    static func isUUID(_ text: String) -> Bool {
        guard text.hasPrefix("urn:uuid:") else { return false }
        let groups = text.dropFirst(9).split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// A random (version 4) UUID as `urn:uuid:…`.
    static func makeUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { XMLTextDecoding.hex($0).lowercased() }
        return "urn:uuid:" + hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-" + hex[8..<10].joined()
            + "-" + hex[10..<16].joined()
    }

    /// Whether the text is an `xsd:dateTime` (`2024-03-01T12:30:00`, optional fraction and zone).
    static func isDateTime(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= chars.count && chars[range].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        var index = 0
        if chars.first == UInt8(ascii: "-") { index = 1 }
        let yearStart = index
        while index < chars.count, chars[index] != UInt8(ascii: "-") { index += 1 }
        guard index - yearStart >= 4, digits(yearStart..<index) else { return false }
        let rest = Array(chars[index...])
        // -MM-DDThh:mm:ss
        guard rest.count >= 15, rest[0] == UInt8(ascii: "-"), rest[3] == UInt8(ascii: "-"), rest[6] == UInt8(ascii: "T"),
            rest[9] == UInt8(ascii: ":"), rest[12] == UInt8(ascii: ":")
        else { return false }
        let base = index
        guard digits(base + 1..<base + 3), digits(base + 4..<base + 6), digits(base + 7..<base + 9), digits(base + 10..<base + 12),
            digits(base + 13..<base + 15)
        else { return false }
        var tail = base + 15
        if tail < chars.count, chars[tail] == UInt8(ascii: ".") {
            let fractionStart = tail + 1
            tail = fractionStart
            while tail < chars.count, chars[tail] >= UInt8(ascii: "0"), chars[tail] <= UInt8(ascii: "9") { tail += 1 }
            guard tail > fractionStart else { return false }
        }
        if tail == chars.count { return true }
        if chars[tail] == UInt8(ascii: "Z") { return tail + 1 == chars.count }
        guard chars[tail] == UInt8(ascii: "+") || chars[tail] == UInt8(ascii: "-"), chars.count == tail + 6,
            chars[tail + 3] == UInt8(ascii: ":")
        else { return false }
        return digits(tail + 1..<tail + 3) && digits(tail + 4..<tail + 6)
    }

    /// Whether a namespace is one of OME's (`OME`, `SPW`, `SA`, `ROI`, `BinaryFile`, any version):
    /// all merged into the one OME namespace since 2016-06.
    static func isOMENamespace(_ uri: String?) -> Bool {
        guard let uri, uri.hasPrefix("http://www.openmicroscopy.org/Schemas/") else { return false }
        let component = uri.dropFirst("http://www.openmicroscopy.org/Schemas/".count).prefix { $0 != "/" }
        return ["OME", "SPW", "SA", "ROI", "BinaryFile"].contains(String(component))
    }
}
