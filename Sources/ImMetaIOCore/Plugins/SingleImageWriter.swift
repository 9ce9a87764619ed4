import NDArrayModule

/// The writer of a format that holds one image per file: the first ``append(_:metadata:)``
/// encodes the image into the sink, a second one is refused, and ``finish()`` requires one.
public final class SingleImageWriter: ImageWriter {
    private let sink: OutputSink
    private let formatName: String
    private let encode: (NDArray, JSONObject) throws -> Void
    private var written = false

    /// Creates a writer that calls `encode` with the image and its metadata.
    public init(sink: OutputSink, formatName: String, encode: @escaping (NDArray, JSONObject) throws -> Void) {
        self.sink = sink
        self.formatName = formatName
        self.encode = encode
    }

    public func append(_ image: NDArray, metadata: JSONObject) throws {
        guard !written else {
            throw ImMetaIOError(
                .invalidArgument, "a \(formatName) file holds one image; stack frames or use a multi-image format",
                file: sink.displayName)
        }
        written = true
        try encode(image, metadata)
    }

    public func finish() throws {
        guard written else { throw ImMetaIOError(.invalidArgument, "no image was written", file: sink.displayName) }
    }
}
