import NDArrayModule

/// An image format plugin: it names itself, lists its file extensions, recognises its files from
/// their first bytes, and opens readers and writers.
///
/// A plugin that does not recognise its input throws ``ImMetaIOError/Code/unsupportedFormat`` from
/// ``makeReader(_:)``; the registry then tries the next candidate. Any other error means the
/// plugin recognised the file and failed while handling it, and is reported as is.
public protocol ImageFormat: Sendable {
    /// A short unique name (`png`, `jpeg`, `npy`), used to pick the plugin explicitly.
    var name: String { get }
    /// Lower-cased extensions with the dot, in order of preference (the first is the canonical one).
    var extensions: [String] { get }
    /// Whether this plugin can write files.
    var canWrite: Bool { get }
    /// The images the plugin writes and what its reader returns for them (empty for read-only
    /// plugins); a writing plugin lists every dtype and channel layout it accepts.
    var writableLayouts: [WritableLayout] { get }
    /// Whether the file starting with `header` (up to 64 bytes) looks like this format.
    func sniff(_ header: [UInt8]) -> Bool
    /// Opens a reader on the request's bytes.
    func makeReader(_ request: ReadRequest) throws -> any ImageReader
    /// Opens a writer that sends its bytes to the request's sink.
    func makeWriter(_ request: WriteRequest) throws -> any ImageWriter
}

extension ImageFormat {
    /// Read-only by default.
    public var canWrite: Bool { false }

    /// None, for read-only plugins.
    public var writableLayouts: [WritableLayout] { [] }

    /// Refuses writing, for read-only plugins.
    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        throw ImMetaIOError(.unsupportedFeature, "the \(name) plugin cannot write", file: request.sink.displayName)
    }
}

/// Everything a reader needs: the bytes, their name, limits and read options.
public struct ReadRequest: Sendable {
    /// The source's bytes (memory-mapped for files).
    public let bytes: ResourceBytes
    /// The path or `<bytes>`, for error messages.
    public let displayName: String
    /// Bounds checked before allocating pixel memory.
    public let limits: DecodeLimits
    /// Plugin-specific read options (documented by each plugin); unknown keys are errors.
    public let options: JSONObject

    /// Creates a request.
    public init(bytes: ResourceBytes, displayName: String, limits: DecodeLimits = .default, options: JSONObject = [:]) {
        self.bytes = bytes
        self.displayName = displayName
        self.limits = limits
        self.options = options
    }

    /// An error of this request's file.
    public func error(_ code: ImMetaIOError.Code, _ message: String) -> ImMetaIOError {
        ImMetaIOError(code, message, file: displayName)
    }
}

/// Everything a writer needs: where the bytes go and the write options.
public struct WriteRequest {
    /// The destination.
    public let sink: OutputSink
    /// Plugin-specific write options (documented by each plugin); unknown keys are errors.
    public let options: JSONObject
    /// The extension the output is named with or asked for (`.mp4`), lower-cased with its dot,
    /// for plugins that write several containers; `nil` when unknown.
    public let fileExtension: String?

    /// Creates a request.
    public init(sink: OutputSink, options: JSONObject = [:], fileExtension: String? = nil) {
        self.sink = sink
        self.options = options
        self.fileExtension = fileExtension.map(FileExtension.normalized)
    }

    /// An error of this request's destination.
    public func error(_ code: ImMetaIOError.Code, _ message: String) -> ImMetaIOError {
        ImMetaIOError(code, message, file: sink.displayName)
    }
}

/// Reads the images of one opened file. Readers are used from one task at a time.
///
/// Implement ``imageCount()``, ``properties(at:)``, ``metadata(at:)`` and ``read(at:)``; the
/// whole-file forms and sequential iteration have default implementations that formats with
/// cheaper ways (streams, compositing that depends on earlier frames) replace.
public protocol ImageReader: AnyObject {
    /// The index used when the caller passes none: `.at(0)`, or `.all` for animations.
    var defaultIndex: ImageIndex { get }
    /// Number of images in the file.
    func imageCount() throws -> Int
    /// Shape, dtype and spacing of one image, without decoding its pixels.
    func properties(at index: Int) throws -> ImageProperties
    /// Format metadata of one image (or of the file, for formats with file-level metadata).
    func metadata(at index: Int) throws -> JSONObject
    /// `metadata` without the entries this reader has already applied to the pixels it returns
    /// (an EXIF orientation it rotated by), so that metadata and pixels never disagree: imageio's
    /// `exclude_applied`. Readers that apply nothing return `metadata` unchanged.
    func excludingApplied(_ metadata: JSONObject) -> JSONObject
    /// Decodes one image.
    func read(at index: Int) throws -> NDArray
    /// Decodes every image, stacked along a new first axis.
    func readAll() throws -> NDArray
    /// Decodes the images in order, one at a time; the iterator holds at most one decoded frame.
    func makeFrameIterator() throws -> ImageFrameIterator
}

extension ImageReader {
    public var defaultIndex: ImageIndex { .at(0) }

    public func excludingApplied(_ metadata: JSONObject) -> JSONObject { metadata }

    public func readAll() throws -> NDArray { try readFramesStacked() }

    public func makeFrameIterator() throws -> ImageFrameIterator {
        ImageFrameIterator.reading(try imageCount(), with: read(at:))
    }

    /// Every frame from ``makeFrameIterator()``, stacked: the default ``readAll()``, for readers
    /// that check limits first and then read the same way.
    public func readFramesStacked() throws -> NDArray {
        var frames: [NDArray] = []
        var iterator = try makeFrameIterator()
        while let frame = try iterator.next() { frames.append(frame) }
        return try stackFrames(frames)
    }

    /// Stacks decoded frames along a new first axis, as an error if their shapes differ.
    public func stackFrames(_ frames: [NDArray]) throws -> NDArray {
        do {
            return try NDArray.stacked(frames)
        } catch {
            throw ImMetaIOError(.invalidArgument, "cannot stack the images: \(error)", underlying: error)
        }
    }
}

/// Decodes frames one at a time: `while let frame = try frames.next() { … }`.
public struct ImageFrameIterator {
    private let produce: () throws -> NDArray?

    /// Creates an iterator from a closure returning the next frame, or `nil` at the end.
    public init(_ produce: @escaping () throws -> NDArray?) { self.produce = produce }

    /// An iterator over images `0..<count`, each decoded by `read` when it is reached.
    public static func reading(_ count: Int, with read: @escaping (Int) throws -> NDArray) -> ImageFrameIterator {
        var next = 0
        return ImageFrameIterator {
            guard next < count else { return nil }
            defer { next += 1 }
            return try read(next)
        }
    }

    /// The next frame, or `nil` after the last one.
    public mutating func next() throws -> NDArray? { try produce() }
}

/// Writes one file. Multi-image formats accept several ``append(_:metadata:)`` calls; single-image
/// formats refuse the second. ``finish()`` completes the encoded bytes in the sink.
public protocol ImageWriter: AnyObject {
    /// Encodes one image (or frame).
    func append(_ image: NDArray, metadata: JSONObject) throws
    /// Writes whatever the format needs after the last image.
    func finish() throws
}
