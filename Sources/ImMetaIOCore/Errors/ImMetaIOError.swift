/// The one error type of immetaio's I/O: a code to match on, a message for people, the file it
/// concerns and the underlying cause.
///
/// ```swift
/// do { _ = try readImage(from: "scan.png") }
/// catch let error as ImMetaIOError where error.code == .missingFile { … }
/// ```
public struct ImMetaIOError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; match the ones you handle.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case missingFile = "missing file"
            case unsupportedFormat = "unsupported format"
            case unsupportedFeature = "unsupported feature"
            case corruptData = "corrupt data"
            case limitExceeded = "limit exceeded"
            case invalidArgument = "invalid argument"
            case io = "I/O error"
        }
        private let kind: Kind

        /// The file does not exist.
        public static let missingFile = Code(kind: .missingFile)
        /// No format can handle the input (or a plugin does not recognise it, in which case the
        /// registry moves on to the next candidate).
        public static let unsupportedFormat = Code(kind: .unsupportedFormat)
        /// The format is recognised, but the file uses a feature this build cannot decode.
        public static let unsupportedFeature = Code(kind: .unsupportedFeature)
        /// The file is damaged or violates its format.
        public static let corruptData = Code(kind: .corruptData)
        /// Decoding would exceed a ``DecodeLimits`` bound.
        public static let limitExceeded = Code(kind: .limitExceeded)
        /// An argument, option or array does not fit the operation.
        public static let invalidArgument = Code(kind: .invalidArgument)
        /// Reading or writing failed at the operating-system level.
        public static let io = Code(kind: .io)

        /// The code's name, such as `corrupt data`.
        public var description: String { kind.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence describing the failure.
    public var message: String
    /// The file concerned (a path, or `<bytes>` for in-memory data), when there is one.
    public var file: String?
    /// The error that caused this one, if any.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.underlying = underlying
    }

    /// `file: message (code)`, followed by the underlying cause.
    public var description: String {
        var text = file.map { "\($0): " } ?? ""
        text += "\(message) (\(code))"
        if let underlying { text += "; caused by: \(underlying)" }
        return text
    }

    /// The same error, naming `file` if it did not name one yet.
    public func naming(_ file: String) -> ImMetaIOError {
        var copy = self
        if copy.file == nil { copy.file = file }
        return copy
    }
}
