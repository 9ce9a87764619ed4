/// An error from reading or writing a Parquet file.
///
/// Every failure caused by file contents is reported as a `ParquetError`, never as a crash, so
/// that a damaged file in a large batch costs one error rather than the whole process.
public struct ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad class of a failure, for callers that react differently to each.
    public enum Kind: Sendable, Hashable {
        /// The bytes are not a valid Parquet file, or are truncated or damaged.
        case invalidFile
        /// The file is valid but uses a feature or type this module does not implement.
        case unsupported
        /// The caller passed values that cannot be written (mismatched lengths, types or names).
        case invalidArgument
        /// The operating system refused a file operation.
        case io
    }

    /// The broad class of the failure.
    public var kind: Kind
    /// What went wrong, in a sentence.
    public var message: String
    /// The column concerned, when the failure belongs to one column.
    public var column: String?

    /// Creates an error of `kind` with `message`, optionally naming the `column` concerned.
    public init(_ kind: Kind, _ message: String, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.column = column
    }

    /// The message, prefixed by the column name when there is one.
    public var description: String {
        if let column { return "Parquet column '\(column)': \(message)" }
        return "Parquet: \(message)"
    }

    static func invalid(_ message: String, column: String? = nil) -> ParquetError {
        ParquetError(.invalidFile, message, column: column)
    }

    static func unsupported(_ message: String, column: String? = nil) -> ParquetError {
        ParquetError(.unsupported, message, column: column)
    }

    static func argument(_ message: String, column: String? = nil) -> ParquetError {
        ParquetError(.invalidArgument, message, column: column)
    }

    /// The same error, naming `column` unless it already names one.
    func naming(_ column: String) -> ParquetError {
        var copy = self
        if copy.column == nil { copy.column = column }
        return copy
    }
}
