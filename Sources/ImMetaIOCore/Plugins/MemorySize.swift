/// A number of bytes written the way imageio writes memory limits: `"256MB"`, `"1GiB"`, `"8B"`,
/// `"1.5TB"`, `"512"`.
///
/// The rules are imageio's exactly: digits with an optional fraction, optional spaces, then an
/// optional unit and an optional `B`. Decimal units are `k`, `M`, `G`, `T`, `P`, `E`, `Z`, `Y`
/// (powers of 1000; only `k` is lower case); binary units add `i` to the capital letter (`Ki`,
/// `Mi`, `Gi`, … powers of 1024). So `"1mb"`, `"GB"`, `"1.3.2TB"`, `"8b"` and `"1KB"` are errors.
public struct MemorySize: Sendable, Hashable, CustomStringConvertible {
    /// The size in bytes.
    public var bytes: Int

    /// A size in bytes.
    public init(bytes: Int) { self.bytes = bytes }

    /// Parses a size string.
    /// - Throws: ``ImMetaIOError/Code/invalidArgument`` naming the string when it is not one.
    public init(parsing text: String) throws(ImMetaIOError) {
        func refuse() -> ImMetaIOError {
            ImMetaIOError(.invalidArgument, "memory size '\(text)' could not be parsed (is the capitalisation correct?)")
        }
        var rest = Substring(text)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { throw refuse() }
        rest = rest.dropFirst(digits.count)
        var number = String(digits)
        if rest.first == "." {
            rest = rest.dropFirst()
            let fraction = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(fraction.count)
            number += "." + fraction
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        var unit = ""
        if let first = rest.first, "kKMGTPEZY".contains(first) {
            unit.append(first)
            rest = rest.dropFirst()
        }
        if rest.first == "i" {
            unit.append("i")
            rest = rest.dropFirst()
        }
        if rest.first == "B" { rest = rest.dropFirst() }
        guard rest.isEmpty, let value = Double(number) else { throw refuse() }
        let decimal = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"]
        let binary = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]
        let factor: Double
        if let power = decimal.firstIndex(of: unit) {
            factor = (0..<power).reduce(1.0) { value, _ in value * 1000 }
        } else if let power = binary.firstIndex(of: unit), power > 0 {
            factor = (0..<power).reduce(1.0) { value, _ in value * 1024 }
        } else {
            throw ImMetaIOError(.invalidArgument, "memory size unit '\(unit)' in '\(text)' is not recognised")
        }
        let total = value * factor
        bytes = total >= Double(Int.max) ? .max : Int(total)
    }

    /// The size in bytes, as text.
    public var description: String { "\(bytes) bytes" }
}
