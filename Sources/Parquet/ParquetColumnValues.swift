/// The values of one column, with `nil` for null.
///
/// Each case holds a Swift array of optionals, the natural shape for building columns in code;
/// the writer and reader convert to and from Parquet's definition levels.
public enum ParquetColumnValues: Sendable, Hashable {
    /// 64-bit integers.
    case int64([Int64?])
    /// 32-bit integers.
    case int32([Int32?])
    /// Doubles.
    case double([Double?])
    /// Floats.
    case float([Float?])
    /// Booleans.
    case boolean([Bool?])
    /// UTF-8 strings.
    case string([String?])
    /// Raw bytes.
    case binary([[UInt8]?])
    /// Lists of 64-bit integers; a list may be null or empty, its elements are never null.
    case int64List([[Int64]?])
    /// Lists of doubles; a list may be null or empty, its elements are never null.
    case doubleList([[Double]?])
    /// Lists of strings; a list may be null or empty, its elements are never null.
    case stringList([[String]?])

    /// A column of `type` holding `count` nulls.
    public static func nulls(_ type: ParquetColumnType, count: Int) -> ParquetColumnValues {
        switch type {
        case .int64: return .int64(Array(repeating: nil, count: count))
        case .int32: return .int32(Array(repeating: nil, count: count))
        case .double: return .double(Array(repeating: nil, count: count))
        case .float: return .float(Array(repeating: nil, count: count))
        case .boolean: return .boolean(Array(repeating: nil, count: count))
        case .string: return .string(Array(repeating: nil, count: count))
        case .binary: return .binary(Array(repeating: nil, count: count))
        case .int64List: return .int64List(Array(repeating: nil, count: count))
        case .doubleList: return .doubleList(Array(repeating: nil, count: count))
        case .stringList: return .stringList(Array(repeating: nil, count: count))
        }
    }

    /// The column type.
    public var type: ParquetColumnType {
        switch self {
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

    /// The number of rows, nulls included.
    public var count: Int {
        switch self {
        case .int64(let v): return v.count
        case .int32(let v): return v.count
        case .double(let v): return v.count
        case .float(let v): return v.count
        case .boolean(let v): return v.count
        case .string(let v): return v.count
        case .binary(let v): return v.count
        case .int64List(let v): return v.count
        case .doubleList(let v): return v.count
        case .stringList(let v): return v.count
        }
    }

    /// The number of null rows (an empty list is not null).
    public var nullCount: Int {
        switch self {
        case .int64(let v): return Self.nils(v)
        case .int32(let v): return Self.nils(v)
        case .double(let v): return Self.nils(v)
        case .float(let v): return Self.nils(v)
        case .boolean(let v): return Self.nils(v)
        case .string(let v): return Self.nils(v)
        case .binary(let v): return Self.nils(v)
        case .int64List(let v): return Self.nils(v)
        case .doubleList(let v): return Self.nils(v)
        case .stringList(let v): return Self.nils(v)
        }
    }

    private static func nils<T>(_ values: [T?]) -> Int {
        values.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
    }

    /// The value in `row`, or ``ParquetValue/null``.
    ///
    /// - Precondition: `row` is in `0..<count`.
    public subscript(row: Int) -> ParquetValue {
        switch self {
        case .int64(let v): return v[row].map(ParquetValue.int64) ?? .null
        case .int32(let v): return v[row].map(ParquetValue.int32) ?? .null
        case .double(let v): return v[row].map(ParquetValue.double) ?? .null
        case .float(let v): return v[row].map(ParquetValue.float) ?? .null
        case .boolean(let v): return v[row].map(ParquetValue.boolean) ?? .null
        case .string(let v): return v[row].map(ParquetValue.string) ?? .null
        case .binary(let v): return v[row].map(ParquetValue.binary) ?? .null
        case .int64List(let v): return v[row].map(ParquetValue.int64List) ?? .null
        case .doubleList(let v): return v[row].map(ParquetValue.doubleList) ?? .null
        case .stringList(let v): return v[row].map(ParquetValue.stringList) ?? .null
        }
    }

    /// The rows in `range`, as a new column of the same type.
    ///
    /// - Precondition: `range` lies within `0..<count`.
    public func rows(_ range: Range<Int>) -> ParquetColumnValues {
        if range == 0..<count { return self }  // Shares storage instead of retaining every element again.
        switch self {
        case .int64(let v): return .int64(Array(v[range]))
        case .int32(let v): return .int32(Array(v[range]))
        case .double(let v): return .double(Array(v[range]))
        case .float(let v): return .float(Array(v[range]))
        case .boolean(let v): return .boolean(Array(v[range]))
        case .string(let v): return .string(Array(v[range]))
        case .binary(let v): return .binary(Array(v[range]))
        case .int64List(let v): return .int64List(Array(v[range]))
        case .doubleList(let v): return .doubleList(Array(v[range]))
        case .stringList(let v): return .stringList(Array(v[range]))
        }
    }

    /// Appends one value; `value` must be null or of this column's type (an `int32` also fits an
    /// `int64` column and a `float` a `double` column).
    public mutating func append(_ value: ParquetValue) throws {
        if value == .null {
            appendNulls(1)
            return
        }
        let mismatch = ParquetError.argument("cannot append a \(value.type?.description ?? "null") value to a \(type) column")
        // Each case takes the array out of `self` before appending so that it stays uniquely
        // referenced and the append does not copy it.
        switch self {
        case .int64(var v):
            let x: Int64
            switch value {
            case .int64(let a): x = a
            case .int32(let a): x = Int64(a)
            default: throw mismatch
            }
            self = .int64([]); v.append(x); self = .int64(v)
        case .int32(var v):
            guard case .int32(let x) = value else { throw mismatch }
            self = .int32([]); v.append(x); self = .int32(v)
        case .double(var v):
            let x: Double
            switch value {
            case .double(let a): x = a
            case .float(let a): x = Double(a)
            default: throw mismatch
            }
            self = .double([]); v.append(x); self = .double(v)
        case .float(var v):
            guard case .float(let x) = value else { throw mismatch }
            self = .float([]); v.append(x); self = .float(v)
        case .boolean(var v):
            guard case .boolean(let x) = value else { throw mismatch }
            self = .boolean([]); v.append(x); self = .boolean(v)
        case .string(var v):
            guard case .string(let x) = value else { throw mismatch }
            self = .string([]); v.append(x); self = .string(v)
        case .binary(var v):
            guard case .binary(let x) = value else { throw mismatch }
            self = .binary([]); v.append(x); self = .binary(v)
        case .int64List(var v):
            guard case .int64List(let x) = value else { throw mismatch }
            self = .int64List([]); v.append(x); self = .int64List(v)
        case .doubleList(var v):
            guard case .doubleList(let x) = value else { throw mismatch }
            self = .doubleList([]); v.append(x); self = .doubleList(v)
        case .stringList(var v):
            guard case .stringList(let x) = value else { throw mismatch }
            self = .stringList([]); v.append(x); self = .stringList(v)
        }
    }

    /// Appends `count` nulls.
    public mutating func appendNulls(_ count: Int) {
        guard count > 0 else { return }
        switch self {
        case .int64(var v): self = .int64([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .int64(v)
        case .int32(var v): self = .int32([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .int32(v)
        case .double(var v): self = .double([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .double(v)
        case .float(var v): self = .float([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .float(v)
        case .boolean(var v): self = .boolean([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .boolean(v)
        case .string(var v): self = .string([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .string(v)
        case .binary(var v): self = .binary([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .binary(v)
        case .int64List(var v): self = .int64List([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .int64List(v)
        case .doubleList(var v): self = .doubleList([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .doubleList(v)
        case .stringList(var v): self = .stringList([]); v.append(contentsOf: repeatElement(nil, count: count)); self = .stringList(v)
        }
    }

    /// Appends the rows of `other`, converting it to this column's type first (see
    /// ``converted(to:)``).
    public mutating func append(contentsOf other: ParquetColumnValues) throws {
        guard let other = other.converted(to: type) else {
            throw ParquetError.argument("cannot append a \(other.type) column to a \(type) column")
        }
        switch (self, other) {
        case (.int64(var v), .int64(let x)): self = .int64([]); v.append(contentsOf: x); self = .int64(v)
        case (.int32(var v), .int32(let x)): self = .int32([]); v.append(contentsOf: x); self = .int32(v)
        case (.double(var v), .double(let x)): self = .double([]); v.append(contentsOf: x); self = .double(v)
        case (.float(var v), .float(let x)): self = .float([]); v.append(contentsOf: x); self = .float(v)
        case (.boolean(var v), .boolean(let x)): self = .boolean([]); v.append(contentsOf: x); self = .boolean(v)
        case (.string(var v), .string(let x)): self = .string([]); v.append(contentsOf: x); self = .string(v)
        case (.binary(var v), .binary(let x)): self = .binary([]); v.append(contentsOf: x); self = .binary(v)
        case (.int64List(var v), .int64List(let x)): self = .int64List([]); v.append(contentsOf: x); self = .int64List(v)
        case (.doubleList(var v), .doubleList(let x)): self = .doubleList([]); v.append(contentsOf: x); self = .doubleList(v)
        case (.stringList(var v), .stringList(let x)): self = .stringList([]); v.append(contentsOf: x); self = .stringList(v)
        default: throw ParquetError.argument("cannot append a \(other.type) column to a \(type) column")
        }
    }

    /// This column as `type` when no value changes: the same type, a column of nulls only (to
    /// any type), `int32` to `int64`, or `float` to `double`; nil otherwise.
    public func converted(to type: ParquetColumnType) -> ParquetColumnValues? {
        if type == self.type { return self }
        switch (self, type) {
        case (.int32(let v), .int64): return .int64(v.map { $0.map(Int64.init) })
        case (.float(let v), .double): return .double(v.map { $0.map(Double.init) })
        default:
            return nullCount == count ? .nulls(type, count: count) : nil
        }
    }
}

/// A named column of a ``ParquetTable``.
public struct ParquetColumn: Sendable, Hashable {
    /// The column name, unique within its table.
    public var name: String
    /// The column's values.
    public var values: ParquetColumnValues

    /// Creates a column named `name` holding `values`.
    public init(_ name: String, _ values: ParquetColumnValues) {
        self.name = name
        self.values = values
    }

    /// The column's name and type.
    public var field: ParquetField { ParquetField(name, values.type) }
}
