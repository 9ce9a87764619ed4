/// The sidecar files of Python immetaio, byte for byte: how metadata is written next to an image
/// as `<stem>.json`, and read back.
///
/// Layout (Python immetaio's `format_json`): objects one member per line, indented 4 spaces per
/// level; an empty object or list as `{}` / `[]`; a list whose items are all lists of non-lists
/// as a grid, one row per line; any other list inline, `[a, b, c]`, with its items formatted by
/// the same rules; scalars spelled as Python's `json.dumps` does (non-ASCII escaped as `\uXXXX`,
/// shortest round-trip floats such as `1e-05`, `NaN`, `Infinity`); a trailing newline. Arrays
/// (``JSONValue/ndarray(_:)``) are written as `{"type": "ndarray", "values": …, "dtype": "<f4"}`
/// and come back as arrays.
public enum SidecarJSON {
    /// The sidecar text for `metadata`.
    public static func encode(_ metadata: JSONObject) -> String {
        format(.object(metadata), level: 0) + "\n"
    }

    /// Reads sidecar text (any JSON object; ndarray-tagged objects become arrays).
    public static func decode(_ text: String) throws -> JSONObject {
        try decode(Array(text.utf8))
    }

    /// Reads sidecar bytes.
    /// - Throws: ``JSONParser/SyntaxError``, ``NDArrayJSON/InvalidArray``, or
    ///   ``SidecarJSON/NotAnObject`` when the document is not a JSON object.
    public static func decode(_ bytes: [UInt8]) throws -> JSONObject {
        guard case .object(let object) = try restoringArrays(JSONParser.parse(bytes)) else { throw NotAnObject() }
        return object
    }

    /// The sidecar holds JSON that is not an object.
    public struct NotAnObject: Error, Sendable, CustomStringConvertible {
        public var description: String { "the sidecar's JSON is not an object" }
    }

    /// Replaces ndarray-tagged objects with arrays, recursively.
    static func restoringArrays(_ value: JSONValue) throws -> JSONValue {
        switch value {
        case .object(let members):
            if let array = try NDArrayJSON.array(from: members) { return .ndarray(array) }
            var restored = JSONObject()
            for (key, item) in members { restored[key] = try restoringArrays(item) }
            return .object(restored)
        case .array(let items):
            return .array(try items.map(restoringArrays))
        default:
            return value
        }
    }

    private static func format(_ value: JSONValue, level: Int) -> String {
        let indent = String(repeating: " ", count: 4 * level)
        let inner = String(repeating: " ", count: 4 * (level + 1))
        switch value {
        case .ndarray(let array):
            return format(NDArrayJSON.object(for: array), level: level)
        case .object(let members):
            if members.isEmpty { return "{}" }
            let lines = members.map { key, item in inner + dumps(.string(key)) + ": " + format(item, level: level + 1) }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            let isGrid = items.allSatisfy { item in
                guard case .array(let row) = item else { return false }
                // An ndarray is written as an object, so it counts as a non-list here, as in Python.
                return row.allSatisfy { if case .array = $0 { false } else { true } }
            }
            if isGrid {
                let rows = items.map { inner + format($0, level: level + 1) }
                return "[\n" + rows.joined(separator: ",\n") + "\n" + indent + "]"
            }
            return "[" + items.map { format($0, level: level + 1) }.joined(separator: ", ") + "]"
        default:
            return dumps(value)
        }
    }

    /// A scalar as Python's `json.dumps` spells it (ASCII only).
    static func dumps(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return JSONText.spell(number)
        case .string(let text):
            var output = "\""
            for unit in text.utf16 {
                switch unit {
                case 0x22: output += "\\\""
                case 0x5C: output += "\\\\"
                case 0x0A: output += "\\n"
                case 0x0D: output += "\\r"
                case 0x09: output += "\\t"
                case 0x08: output += "\\b"
                case 0x0C: output += "\\f"
                case 0x20...0x7E: output.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                default:
                    let hex = String(unit, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
            return output + "\""
        default:
            return JSONText.encode(value, indent: nil)
        }
    }
}
