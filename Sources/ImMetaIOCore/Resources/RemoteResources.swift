import Foundation

/// Reads and writes whole objects at URLs such as `s3://bucket/key`, for the modules that provide
/// a scheme (the S3 module registers `s3`).
public protocol RemoteResourceHandler: Sendable {
    /// The object's bytes.
    /// - Throws: ``ImMetaIOError/Code/missingFile`` when there is no such object.
    func read(_ url: String) throws -> [UInt8]
    /// Stores `bytes` as the object, replacing any previous one as one step.
    func write(_ url: String, _ bytes: [UInt8]) throws
}

/// The URL schemes that paths may use in place of local files, wherever a path is taken (reading
/// and writing images, sidecars, …).
///
/// A path with a scheme nobody registered (`s3://…` without the S3 module) is an error naming what
/// is missing, never a local folder called `s3:`.
public enum RemoteResources {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var handlers: [String: any RemoteResourceHandler] = [:]
    }

    private static let registry = Registry()

    /// Schemes that name remote storage and the module that provides each.
    static let knownSchemes = ["s3": "the S3 module (S3Store.registerScheme())", "gs": "no module of this package", "http": "no module of this package", "https": "no module of this package"]

    /// Makes `scheme://…` paths go to `handler`.
    public static func register(scheme: String, handler: any RemoteResourceHandler) {
        registry.lock.withLock { registry.handlers[scheme.lowercased()] = handler }
    }

    /// The scheme of a URL-like path (`s3` for `s3://bucket/key`), or `nil` for a local path.
    public static func scheme(of path: String) -> String? {
        guard let range = path.range(of: "://") else { return nil }
        let scheme = path[..<range.lowerBound]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return scheme.lowercased()
    }

    /// The handler for `path`, `nil` for a local path.
    /// - Throws: ``ImMetaIOError/Code/unsupportedFeature`` for a scheme no module registered.
    public static func handler(for path: String) throws(ImMetaIOError) -> (any RemoteResourceHandler)? {
        guard let scheme = scheme(of: path), scheme != "file" else { return nil }
        if let handler = registry.lock.withLock({ registry.handlers[scheme] }) { return handler }
        let provider = knownSchemes[scheme].map { "; \(scheme):// paths need \($0)" } ?? ""
        throw ImMetaIOError(.unsupportedFeature, "no storage is registered for \(scheme):// URLs\(provider)", file: path)
    }
}
