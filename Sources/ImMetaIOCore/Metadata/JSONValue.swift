import NDArrayModule
import OrderedCollections

/// A JSON-like value: what format metadata, write options and (later) sidecars hold.
///
/// Objects keep their keys in insertion order, as Python dicts and the files we read do.
/// Literal syntax works for every case:
/// ```swift
/// let meta: JSONValue = ["exposure_time": 0.01, "camera": "A", "size": [640, 480], "ok": true]
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// An array of numbers; written to JSON as `{"type": "ndarray", "values": [...], "dtype": "<f4"}`
    /// (Python immetaio's encoding), and read back from that form.
    case ndarray(NDArray)

    /// The value as a `String`, if it is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The value as an `Int`, if it is an integer (or a double with an integral value).
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 0x1p63: Int(value)
        default: nil
        }
    }
    /// The value as a `Double`, if it is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
    /// The value as a `Bool`, if it is one.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The elements, if the value is an array.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    /// The array, if the value is an ``ndarray(_:)``.
    public var ndarrayValue: NDArray? { if case .ndarray(let value) = self { value } else { nil } }
    /// The members, if the value is an object.
    public var objectValue: JSONObject? { if case .object(let value) = self { value } else { nil } }

    /// The member named `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }
}

/// The members of a JSON object, in insertion order (assigning a new key appends it).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    private var members: OrderedDictionary<String, JSONValue>

    /// An empty object.
    public init() { members = [:] }

    /// An object with the given members; a repeated key keeps its last value.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        members = OrderedDictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

    /// The value for `key`; assigning `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get { members[key] }
        set { members[key] = newValue }
    }

    /// The keys in order.
    public var keys: [String] { Array(members.keys) }
    /// The number of members.
    public var count: Int { members.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The members in order as (key, value) pairs.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        members.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONText.encode(self, indent: nil) }
}
