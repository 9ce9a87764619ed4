import NDArrayModule

/// Writes images to a file (atomically) or to in-memory bytes, one or several frames.
///
/// ```swift
/// let writer = try ImageFileWriter(path: "out.png", registry: registry)
/// try writer.append(image)
/// try writer.finish()
/// ```
/// If the writer is dropped or an error occurs before ``finish()``, nothing appears at the path.
public final class ImageFileWriter {
    /// The plugin writing the file.
    public let format: any ImageFormat
    private let sink: OutputSink
    private let writer: any ImageWriter
    private var finished = false

    /// Prepares to write `path`; the format comes from `format`, `extensionHint` or the path's extension.
    public init(
        path: String, format: String? = nil, extensionHint: String? = nil, options: JSONObject = [:],
        registry: FormatRegistry
    ) throws {
        self.format = try registry.writeFormat(forPath: path, format: format, extensionHint: extensionHint)
        sink = try OutputSink(path: path)
        let fileExtension = extensionHint ?? FileExtension.of(path)
        writer = try Self.open(self.format, WriteRequest(sink: sink, options: options, fileExtension: fileExtension))
    }

    /// Prepares to encode into memory; ``finish()`` returns the bytes.
    public init(
        encodingAs formatOrExtension: String, options: JSONObject = [:], registry: FormatRegistry
    ) throws {
        let fileExtension: String?
        if let named = registry.format(named: formatOrExtension) {
            format = try registry.writeFormat(forPath: nil, format: named.name, extensionHint: nil)
            fileExtension = nil
        } else {
            format = try registry.writeFormat(forPath: nil, format: nil, extensionHint: formatOrExtension)
            fileExtension = formatOrExtension
        }
        sink = OutputSink()
        writer = try Self.open(format, WriteRequest(sink: sink, options: options, fileExtension: fileExtension))
    }

    private static func open(_ format: any ImageFormat, _ request: WriteRequest) throws -> any ImageWriter {
        do {
            return try format.makeWriter(request)
        } catch let error as ImMetaIOError {
            request.sink.discard()
            throw error.naming(request.sink.displayName)
        }
    }

    /// Encodes one image (a frame, for multi-image formats), with metadata the format can embed.
    public func append(_ image: NDArray, metadata: JSONObject = [:]) throws {
        precondition(!finished, "ImageFileWriter used after finish()")
        do {
            try writer.append(image, metadata: metadata)
        } catch let error as ImMetaIOError {
            sink.discard()
            finished = true
            throw error.naming(sink.displayName)
        }
    }

    /// Completes the file and moves it into place; returns the bytes when encoding into memory
    /// (an empty array for files).
    @discardableResult
    public func finish() throws -> [UInt8] {
        precondition(!finished, "ImageFileWriter finished twice")
        finished = true
        do {
            try writer.finish()
            return try sink.commit()
        } catch let error as ImMetaIOError {
            sink.discard()
            throw error.naming(sink.displayName)
        }
    }
}
