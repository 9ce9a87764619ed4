/// One typed column of a ``CSVTable``; `nil` entries are missing values (pandas' NaN/NA).
///
/// The type is the one pandas' `read_csv` infers with its defaults (pandas 3.1, C parser): int64,
/// float64 (where NaN becomes `nil`), bool, or str/object. Two cases map pandas' object dtype:
/// a bool column with missing values (object of True/False/NaN in pandas) is ``boolean(_:)``
/// with `nil`s, and integers outside Int64 (uint64 or Python ints in pandas) are kept as their
/// original text in ``string(_:)``.
public enum CSVColumn: Sendable, Equatable {
    /// Whole numbers that all fit Int64, with no missing value (pandas int64).
    case int64([Int64?])
    /// Numbers with a fraction, exponent or infinity, integers with missing values, or only
    /// missing values (pandas float64; NaN is `nil`).
    case double([Double?])
    /// Case-insensitive `true`/`false` (pandas bool, or object when some are missing).
    case boolean([Bool?])
    /// Anything else, as written in the file after unquoting (pandas str).
    case string([String?])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .int64(let values): return values.count
        case .double(let values): return values.count
        case .boolean(let values): return values.count
        case .string(let values): return values.count
        }
    }

    /// Whether the value at `row` is missing; `row` must be in `0..<count`.
    public func isNull(at row: Int) -> Bool {
        switch self {
        case .int64(let values): return values[row] == nil
        case .double(let values): return values[row] == nil
        case .boolean(let values): return values[row] == nil
        case .string(let values): return values[row] == nil
        }
    }

    /// The type's name as pandas prints it for the same column (`int64`, `float64`, `bool`, `str`),
    /// for messages and comparisons.
    public var typeName: String {
        switch self {
        case .int64: return "int64"
        case .double: return "float64"
        case .boolean: return "bool"
        case .string: return "str"
        }
    }
}
