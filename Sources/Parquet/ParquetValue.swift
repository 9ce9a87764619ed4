/// One cell of a table: a value of any column type, or null.
///
/// Used to build tables a row at a time (one row per image, say); whole columns are handled
/// more efficiently as ``ParquetColumnValues``.
public enum ParquetValue: Sendable, Hashable {
    /// A missing value, allowed in every column.
    case null
    /// A 64-bit integer.
    case int64(Int64)
    /// A 32-bit integer.
    case int32(Int32)
    /// A double.
    case double(Double)
    /// A float.
    case float(Float)
    /// A boolean.
    case boolean(Bool)
    /// A string.
    case string(String)
    /// Raw bytes.
    case binary([UInt8])
    /// A list of 64-bit integers.
    case int64List([Int64])
    /// A list of doubles.
    case doubleList([Double])
    /// A list of strings.
    case stringList([String])

    /// The column type this value belongs to, or nil for ``null``.
    public var type: ParquetColumnType? {
        switch self {
        case .null: return nil
        case .int64: return .int64
        case .int32: return .int32
        case .double: return .double
        case .float: return .float
        case .boolean: return .boolean
        case .string: return .string
        case .binary: return .binary
        case .int64List: return .int64List
        case .doubleList: return .doubleList
        case .stringList: return .stringList
        }
    }

    /// Whether the value is ``null``.
    public var isNull: Bool { self == .null }
}
