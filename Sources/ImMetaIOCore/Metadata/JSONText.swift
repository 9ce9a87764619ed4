/// JSON serialisation of ``JSONValue``: compact, or indented with the given number of spaces.
///
/// Non-finite doubles are written as `NaN`, `Infinity` and `-Infinity` (as Python's `json` does),
/// doubles in their shortest round-trip spelling, strings with control characters escaped.
public enum JSONText {
    /// The JSON text of a value; `indent` spaces per level, or a single line when `nil`.
    public static func encode(_ value: JSONValue, indent: Int? = 2) -> String {
        var output = ""
        write(value, to: &output, indent: indent, level: 0)
        return output
    }

    private static func write(_ value: JSONValue, to output: inout String, indent: Int?, level: Int) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number): output += spell(number)
        case .string(let text): writeString(text, to: &output)
        case .array(let items) where items.allSatisfy(\.isScalar):
            // Lists of scalars stay on one line, as people (and Python immetaio's sidecars) write them.
            writeContainer(items.map { (nil, $0) }, open: "[", close: "]", to: &output, indent: nil, level: level)
        case .array(let items):
            writeContainer(items.map { (nil, $0) }, open: "[", close: "]", to: &output, indent: indent, level: level)
        case .object(let members):
            writeContainer(members.map { ($0.key, $0.value) }, open: "{", close: "}", to: &output, indent: indent, level: level)
        case .ndarray(let array):
            write(NDArrayJSON.object(for: array), to: &output, indent: indent, level: level)
        }
    }

    private static func writeContainer(
        _ items: [(String?, JSONValue)], open: String, close: String, to output: inout String, indent: Int?, level: Int
    ) {
        output += open
        if items.isEmpty {
            output += close
            return
        }
        for (offset, (key, item)) in items.enumerated() {
            if offset > 0 { output += indent == nil ? ", " : "," }
            if let indent { output += "\n" + String(repeating: " ", count: indent * (level + 1)) }
            if let key {
                writeString(key, to: &output)
                output += ": "
            }
            write(item, to: &output, indent: indent, level: level + 1)
        }
        if let indent { output += "\n" + String(repeating: " ", count: indent * level) }
        output += close
    }

    /// A double the way Python's `repr` spells it (shortest round trip, `1e-05`, `1.0`).
    static func spell(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        var text = number.description
        if text.hasSuffix(".0"), text.contains("e") { text.removeLast(2) }
        return text
    }

    static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension JSONValue {
    /// Whether the value is neither an array, an object nor an ndarray.
    var isScalar: Bool {
        switch self {
        case .array, .object, .ndarray: false
        default: true
        }
    }
}
