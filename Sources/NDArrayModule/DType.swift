/// The element type of an ``NDArray``, named and spelled like numpy's dtypes.
///
/// Arrays always hold their elements in the host's native byte order (little-endian on every
/// platform immetaio supports); ``typestr`` spells the dtype the way numpy's `__array_interface__`
/// and the NPY header do (`|u1`, `<u2`, `<f4`, `|b1`).
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case bool
    case uint8, uint16, uint32, uint64
    case int8, int16, int32, int64
    case float16, float32, float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .float16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        }
    }

    /// The numpy kind character: `b` (bool), `u` (unsigned), `i` (signed) or `f` (float).
    public var kind: Character {
        switch self {
        case .bool: "b"
        case .uint8, .uint16, .uint32, .uint64: "u"
        case .int8, .int16, .int32, .int64: "i"
        case .float16, .float32, .float64: "f"
        }
    }

    /// Whether the elements are integers (signed or unsigned; not bool).
    public var isInteger: Bool { kind == "u" || kind == "i" }

    /// Whether the elements are floating point.
    public var isFloatingPoint: Bool { kind == "f" }

    /// The numpy type string in little-endian order: `|b1`, `|u1`, `<u2`, `<f8` …
    public var typestr: String {
        let order = itemSize == 1 ? "|" : "<"
        return "\(order)\(kind)\(itemSize)"
    }

    /// The numpy name (`uint8`, `float32` …).
    public var description: String { rawValue }

    /// Creates a dtype from its kind and size in bytes, or `nil` when numpy has no such dtype here.
    public init?(kind: Character, itemSize: Int) {
        guard let match = DType.allCases.first(where: { $0.kind == kind && $0.itemSize == itemSize })
        else { return nil }
        self = match
    }

    /// Creates a dtype from a numpy name such as `"uint16"`, or a type string such as `"<u2"`,
    /// `">f4"`, `"|u1"`, `"u1"` or `"?"`. Returns `nil` for anything else (object, string,
    /// structured or complex dtypes).
    ///
    /// The byte order of a type string is not part of the dtype; use ``ByteOrder/init(typestr:)``.
    public init?(_ text: String) {
        if let named = DType(rawValue: text) {
            self = named
            return
        }
        var chars = Substring(text)
        if let first = chars.first, "<>|=".contains(first) { chars = chars.dropFirst() }
        if chars == "?" || chars == "b1" {
            self = .bool
            return
        }
        guard let kind = chars.first, "uif".contains(kind), let size = Int(chars.dropFirst()),
            let dtype = DType(kind: kind, itemSize: size)
        else { return nil }
        self = dtype
    }
}

/// The order of bytes within one element as stored in a file.
public enum ByteOrder: Sendable, Hashable {
    /// Least significant byte first.
    case littleEndian
    /// Most significant byte first.
    case bigEndian

    /// The order this machine uses.
    public static var native: ByteOrder {
        1.littleEndian == 1 ? .littleEndian : .bigEndian
    }

    /// The byte order a numpy type string names (`<`, `>`; `|` and `=` mean native).
    public init(typestr: String) {
        self = typestr.hasPrefix(">") ? .bigEndian : typestr.hasPrefix("<") ? .littleEndian : .native
    }
}
