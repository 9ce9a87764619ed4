/// The set of format plugins and the rules that choose one for a file.
///
/// Choice for reading: an explicit plugin name → plugins for the extension hint → plugins for the
/// file's extension → every plugin whose sniff matches the first bytes. A plugin that throws
/// ``ImMetaIOError/Code/unsupportedFormat`` passes the file on to the next candidate; when none is
/// left, the error lists every plugin tried and why it declined. For writing, the format comes
/// from the explicit name, the extension hint, or the path's extension.
public struct FormatRegistry: Sendable {
    /// The plugins, in priority order.
    public private(set) var formats: [any ImageFormat]

    /// Creates a registry holding `formats`, earlier ones preferred.
    public init(_ formats: [any ImageFormat] = []) { self.formats = formats }

    /// Adds a plugin; with `preferred`, it goes before the others sharing its extensions.
    public mutating func register(_ format: any ImageFormat, preferred: Bool = false) {
        formats.removeAll { $0.name == format.name }
        if preferred { formats.insert(format, at: 0) } else { formats.append(format) }
    }

    /// The plugin named `name`, if registered.
    public func format(named name: String) -> (any ImageFormat)? {
        formats.first { $0.name == name.lowercased() }
    }

    /// The plugins that claim an extension (`.png` or `png`), in priority order.
    public func formats(forExtension ext: String) -> [any ImageFormat] {
        let normalized = FileExtension.normalized(ext)
        return formats.filter { $0.extensions.contains(normalized) }
    }

    /// Opens a reader, choosing the plugin as described above.
    public func makeReader(
        for source: ImageSource, format name: String? = nil, extensionHint: String? = nil,
        limits: DecodeLimits = .default, options: JSONObject = [:]
    ) throws -> (any ImageFormat, any ImageReader) {
        let bytes: ResourceBytes
        switch source {
        case .path(let path): bytes = try ResourceBytes(mapping: path)
        case .bytes(let array): bytes = ResourceBytes(array)
        }
        let request = ReadRequest(bytes: bytes, displayName: source.displayName, limits: limits, options: options)
        if let name {
            guard let format = format(named: name) else { throw unknownFormat(name, file: source.displayName) }
            return (format, try open(format, request))
        }
        var tried: [String] = []
        var declined: [String] = []
        func attempt(_ candidates: [any ImageFormat]) throws -> (any ImageFormat, any ImageReader)? {
            for format in candidates where !tried.contains(format.name) {
                tried.append(format.name)
                do {
                    return (format, try open(format, request))
                } catch let error as ImMetaIOError where error.code == .unsupportedFormat {
                    declined.append("\(format.name) (\(error.message))")
                }
            }
            return nil
        }
        for ext in [extensionHint, source.fileExtension].compactMap({ $0 }) {
            if let found = try attempt(formats(forExtension: ext)) { return found }
        }
        let header = bytes.prefix(64)
        if let found = try attempt(formats.filter { $0.sniff(header) }) { return found }
        if bytes.count == 0 {
            throw ImMetaIOError(.corruptData, "the file is empty", file: source.displayName)
        }
        let reasons = declined.isEmpty ? "no plugin recognised its content" : "tried " + declined.joined(separator: ", ")
        throw ImMetaIOError(
            .unsupportedFormat, "no format plugin can read this file; \(reasons)", file: source.displayName)
    }

    private func open(_ format: any ImageFormat, _ request: ReadRequest) throws -> any ImageReader {
        do {
            return try format.makeReader(request)
        } catch let error as ImMetaIOError {
            throw error.naming(request.displayName)
        }
    }

    /// The plugin that writes `path` (or in-memory bytes when `path` is nil).
    public func writeFormat(forPath path: String?, format name: String?, extensionHint: String?) throws -> any ImageFormat {
        let file = path ?? "<bytes>"
        if let name {
            guard let format = format(named: name) else { throw unknownFormat(name, file: file) }
            guard format.canWrite else {
                throw ImMetaIOError(.unsupportedFeature, "the \(format.name) plugin cannot write", file: file)
            }
            return format
        }
        guard let ext = extensionHint ?? path.flatMap(FileExtension.of) else {
            throw ImMetaIOError(
                .invalidArgument, "cannot tell the format to write: give a file extension, an extension hint or a format name",
                file: file)
        }
        let candidates = formats(forExtension: ext)
        guard let format = candidates.first(where: \.canWrite) else {
            let known = Set(formats.filter(\.canWrite).flatMap(\.extensions)).sorted().joined(separator: " ")
            throw ImMetaIOError(
                .unsupportedFormat, "no plugin writes '\(FileExtension.normalized(ext))' files (writable: \(known))",
                file: file)
        }
        return format
    }

    private func unknownFormat(_ name: String, file: String) -> ImMetaIOError {
        ImMetaIOError(
            .invalidArgument, "no format plugin named '\(name)' (known: \(formats.map(\.name).joined(separator: ", ")))",
            file: file)
    }
}
