/// Why an XML document could not be parsed, and where: the 1-based line and column (in
/// characters) of the offending input.
///
/// ```swift
/// do { _ = try XMLTreeElement(parsing: text) }
/// catch { print(error.kind, error.line, error.column) }
/// ```
public struct XMLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The text is not well-formed XML (unclosed tag, bad name, stray `&` …).
        case malformed
        /// The bytes are not valid in the document's encoding (invalid UTF-8, a lone surrogate,
        /// a control character XML forbids).
        case invalidEncoding
        /// The document declares an encoding this parser does not read.
        case unsupportedEncoding
        /// A document type declaration with an internal subset or an external DTD: refused, so
        /// that no entity is ever declared, expanded or fetched.
        case forbiddenDeclaration
        /// A reference to an entity other than the five predefined ones.
        case undefinedEntity
        /// The document exceeds an ``XMLLimits`` bound.
        case limitExceeded
    }

    /// The kind of failure.
    public var kind: Kind
    /// A sentence describing the failure.
    public var message: String
    /// The 1-based line of the failure (0 when unknown).
    public var line: Int
    /// The 1-based column, in characters, of the failure (0 when unknown).
    public var column: Int

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    /// `line 3, column 7: message`.
    public var description: String {
        line > 0 ? "line \(line), column \(column): \(message)" : message
    }
}

extension ImMetaIOError {
    /// An XML parse error as immetaio's error: `limitExceeded` for limits, `unsupportedFeature`
    /// for an unsupported encoding, `corruptData` otherwise.
    public init(_ error: XMLParseError, file: String? = nil) {
        let code: ImMetaIOError.Code =
            switch error.kind {
            case .limitExceeded: .limitExceeded
            case .unsupportedEncoding: .unsupportedFeature
            default: .corruptData
            }
        self.init(code, "XML \(error)", file: file, underlying: error)
    }
}
