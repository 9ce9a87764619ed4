/// The type of a column as this module represents it.
///
/// Every column is nullable. Scalar types map to one Parquet physical type with its logical
/// annotation; list types are Parquet's three-level `LIST` of non-null elements.
public enum ParquetColumnType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 64-bit signed integers (`INT64`, logical `INTEGER(64, signed)`).
    case int64
    /// 32-bit signed integers (`INT32`, logical `INTEGER(32, signed)`).
    case int32
    /// 64-bit floating point (`DOUBLE`).
    case double
    /// 32-bit floating point (`FLOAT`).
    case float
    /// Booleans (`BOOLEAN`).
    case boolean
    /// UTF-8 strings (`BYTE_ARRAY`, logical `STRING`).
    case string
    /// Raw bytes (`BYTE_ARRAY` without annotation; fixed-length byte arrays read as this too).
    case binary
    /// Lists of 64-bit integers, such as an image shape (`LIST` of `INT64`).
    case int64List
    /// Lists of doubles, such as a pixel spacing (`LIST` of `DOUBLE`).
    case doubleList
    /// Lists of strings (`LIST` of `STRING`).
    case stringList

    /// The type's name, as used in error messages.
    public var description: String { rawValue }

    /// Whether values of this type are lists.
    public var isList: Bool {
        switch self {
        case .int64List, .doubleList, .stringList: return true
        default: return false
        }
    }
}

/// A column's name and type: one entry of a table schema.
public struct ParquetField: Sendable, Hashable, CustomStringConvertible {
    /// The column name.
    public var name: String
    /// The column type.
    public var type: ParquetColumnType

    /// Creates a field named `name` of `type`.
    public init(_ name: String, _ type: ParquetColumnType) {
        self.name = name
        self.type = type
    }

    /// `name: type`.
    public var description: String { "\(name): \(type)" }
}
