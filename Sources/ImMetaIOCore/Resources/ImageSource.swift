import Foundation

/// Where images are read from: a file path or in-memory bytes.
///
/// A string literal is a path: `readImage(from: "frame.png")`.
public enum ImageSource: Sendable, Hashable, ExpressibleByStringLiteral {
    /// A file path.
    case path(String)
    /// Encoded bytes in memory (errors name them `<bytes>`).
    case bytes([UInt8])

    /// A local file URL as a source.
    /// - Throws: ``ImMetaIOError/Code/invalidArgument`` for URLs that are not `file:` URLs.
    public init(url: URL) throws(ImMetaIOError) {
        guard url.isFileURL else {
            throw ImMetaIOError(.invalidArgument, "only file URLs can be read, not \(url.absoluteString)")
        }
        self = .path(url.path)
    }

    /// Creates a path source from a string literal.
    public init(stringLiteral path: String) { self = .path(path) }

    /// The name used in messages: the path, or `<bytes>`.
    public var displayName: String {
        switch self {
        case .path(let path): path
        case .bytes: "<bytes>"
        }
    }

    /// The lower-cased file extension with its dot (`.png`), or `nil`.
    public var fileExtension: String? {
        guard case .path(let path) = self else { return nil }
        return FileExtension.of(path)
    }
}

/// File-extension helpers shared by reading and writing.
public enum FileExtension {
    /// The lower-cased extension of a path including the dot, or `nil` when there is none.
    public static func of(_ path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[dot...].lowercased()
        return ext.count > 1 ? ext : nil
    }

    /// `"png"`, `".PNG"` → `".png"`.
    public static func normalized(_ text: String) -> String {
        let lower = text.lowercased()
        return lower.hasPrefix(".") ? lower : "." + lower
    }
}
