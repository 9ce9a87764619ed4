import NDArrayModule

/// An opened image file: several operations on one file share one parse of it (imageio's `imopen`).
///
/// ```swift
/// let file = try ImageFile(reading: "stack.png")
/// let props = try file.properties()
/// var frames = try file.frames()
/// while let frame = try frames.next() { … }
/// ```
/// An `ImageFile` is used from one task at a time.
public final class ImageFile {
    /// The plugin that opened the file.
    public let format: any ImageFormat
    /// The source's name, for messages.
    public let displayName: String
    private let reader: any ImageReader

    /// Opens a file or in-memory bytes for reading.
    ///
    /// - Parameters:
    ///   - source: a path or bytes.
    ///   - format: a plugin name, to skip automatic choice.
    ///   - extensionHint: an extension such as `.png` to try first (useful for bytes).
    ///   - limits: allocation bounds for every decode through this handle.
    ///   - options: plugin-specific read options.
    ///   - registry: the plugins to choose from.
    /// - Throws: ``ImMetaIOError``.
    public init(
        reading source: ImageSource, format: String? = nil, extensionHint: String? = nil,
        limits: DecodeLimits = .default, options: JSONObject = [:], registry: FormatRegistry
    ) throws {
        (self.format, reader) = try registry.makeReader(
            for: source, format: format, extensionHint: extensionHint, limits: limits, options: options)
        displayName = source.displayName
    }

    /// The number of images in the file.
    public func imageCount() throws -> Int { try wrap { try reader.imageCount() } }

    /// Decodes the image at `index` (`nil`: the format's default; `.all`: every image stacked).
    public func read(index: ImageIndex? = nil) throws -> NDArray {
        try wrap {
            switch try resolve(index) {
            case .at(let position): try reader.read(at: position)
            case .all: try reader.readAll()
            }
        }
    }

    /// Shape, dtype, image count and spacing without decoding pixels.
    public func properties(index: ImageIndex? = nil) throws -> ImageProperties {
        try wrap {
            switch try resolve(index) {
            case .at(let position):
                return try reader.properties(at: position)
            case .all:
                let count = try reader.imageCount()
                var properties = try reader.properties(at: 0)
                properties.shape.insert(count, at: 0)
                properties.imageCount = count
                properties.isBatch = true
                return properties
            }
        }
    }

    /// The format's metadata for one image (`nil` or `.all`: the first image, which carries the
    /// file-level metadata in single-image formats).
    ///
    /// - Parameters:
    ///   - index: which image (`nil`: the format's default).
    ///   - excludeApplied: leave out what the reader already applied to the pixels (an EXIF
    ///     orientation applied with the JPEG read option `apply_orientation`), as imageio v3's
    ///     `immeta` does by default; `false` returns everything the file says.
    public func metadata(index: ImageIndex? = nil, excludeApplied: Bool = true) throws -> JSONObject {
        try wrap {
            let metadata =
                switch try resolve(index) {
                case .at(let position): try reader.metadata(at: position)
                case .all: try reader.metadata(at: 0)
                }
            return excludeApplied ? reader.excludingApplied(metadata) : metadata
        }
    }

    /// The images in order, decoded one at a time.
    public func frames() throws -> ImageFrameIterator {
        var iterator = try wrap { try reader.makeFrameIterator() }
        let name = displayName
        return ImageFrameIterator {
            do {
                return try iterator.next()
            } catch let error as ImMetaIOError {
                throw error.naming(name)
            }
        }
    }

    private func resolve(_ index: ImageIndex?) throws -> ImageIndex {
        let index = index ?? reader.defaultIndex
        if case .at(let position) = index {
            let count = try reader.imageCount()
            guard (0..<count).contains(position) else {
                throw ImMetaIOError(
                    .invalidArgument, "image index \(position) is out of range: the file holds \(count) image\(count == 1 ? "" : "s")",
                    file: displayName)
            }
        }
        return index
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ImMetaIOError {
            throw error.naming(displayName)
        }
    }
}
