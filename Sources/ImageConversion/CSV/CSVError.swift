/// A CSV file that cannot be read, with the file and the line that made it fail.
///
/// Lines are 1-based physical lines: every LF, CR or CRLF counts, including those inside quoted
/// fields, so the number is the one an editor shows. (pandas counts records instead, so its line
/// numbers stop matching an editor's after the first quoted field that spans lines.)
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, with the numbers a caller may want to act on.
    public enum Kind: Sendable, Equatable {
        /// A row has more fields than the header (pandas: "Expected N fields in line L, saw M").
        case tooManyFields(expected: Int, saw: Int)
        /// A quoted field is still open at the end of the file; the error's line is where it opened.
        case unterminatedQuote
        /// The bytes are not UTF-8; `byteOffset` is the 0-based offset of the first bad byte in the
        /// input (counting a byte-order mark, if any).
        case invalidUTF8(byteOffset: Int)
        /// Rows much shorter than the header would make the table larger than `limit` cells.
        ///
        /// Missing cells are filled with nulls, so a wide header over many near-empty rows would
        /// otherwise let a small file demand an arbitrarily large table.
        case tooManyCells(limit: Int)
        /// The file is larger than the caller's limit (checked before reading it).
        case fileTooLarge(size: Int, limit: Int)
        /// The file could not be opened or read.
        case unreadable(reason: String)
    }

    /// What went wrong.
    public let kind: Kind
    /// The file name given to the reader, as given.
    public let file: String
    /// The 1-based physical line of the problem, or `nil` when it concerns the whole file.
    public let line: Int?

    /// Creates an error; `line` is `nil` for problems of the whole file.
    public init(_ kind: Kind, file: String, line: Int?) {
        self.kind = kind
        self.file = file
        self.line = line
    }

    /// The problem alone, without the file and line.
    public var reason: String {
        switch kind {
        case .tooManyFields(let expected, let saw):
            return "expected \(expected) fields (as in the header), saw \(saw)"
        case .unterminatedQuote:
            return "a quoted field starting on this line is never closed"
        case .invalidUTF8(let byteOffset):
            return "invalid UTF-8 at byte offset \(byteOffset)"
        case .tooManyCells(let limit):
            return "rows much shorter than the header would need more than \(limit) cells"
        case .fileTooLarge(let size, let limit):
            return "the file has \(size) bytes, more than the limit of \(limit)"
        case .unreadable(let reason):
            return "cannot be read: \(reason)"
        }
    }

    /// The full message: file, line (when known) and problem.
    public var message: String {
        if let line { return "\(file), line \(line): \(reason)" }
        return "\(file): \(reason)"
    }

    /// Same as ``message``.
    public var description: String { message }
}
