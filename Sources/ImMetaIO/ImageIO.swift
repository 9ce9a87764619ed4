/// The one-call API in the shape of imageio v3 (`imread`, `imwrite`, `improps`, `immeta`, `imiter`,
/// `imopen`), over the standard formats unless another registry is given.
///
/// Every function throws ``ImMetaIOError``, naming the file and the cause.

/// Reads an image (`index` nil: the format's default, `.all`: every image stacked).
///
/// ```swift
/// let image = try readImage(from: "photo.jpg")             // H×W×3 uint8
/// let frames = try readImage(from: "anim.png", index: .all) // N×H×W×4 uint8
/// ```
public func readImage(
    from source: ImageSource, index: ImageIndex? = nil, format: String? = nil, extensionHint: String? = nil,
    limits: DecodeLimits = .default, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> NDArray {
    try ImageFile(
        reading: source, format: format, extensionHint: extensionHint, limits: limits, options: options,
        registry: registry
    ).read(index: index)
}

/// Shape, dtype, image count and spacing of an image, without decoding pixels.
public func imageProperties(
    of source: ImageSource, index: ImageIndex? = nil, format: String? = nil, extensionHint: String? = nil,
    registry: FormatRegistry = .standard
) throws -> ImageProperties {
    try ImageFile(reading: source, format: format, extensionHint: extensionHint, registry: registry)
        .properties(index: index)
}

/// The format metadata of an image (text chunks, EXIF, densities …).
///
/// With `excludeApplied` (the default, as in imageio v3) entries the reader applied to the pixels
/// under these `options` are left out; pass `false` for everything the file says.
public func imageMetadata(
    of source: ImageSource, index: ImageIndex? = nil, format: String? = nil, extensionHint: String? = nil,
    excludeApplied: Bool = true, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> JSONObject {
    try ImageFile(reading: source, format: format, extensionHint: extensionHint, options: options, registry: registry)
        .metadata(index: index, excludeApplied: excludeApplied)
}

/// The images of a file decoded one at a time: `while let frame = try frames.next() { … }`.
public func imageFrames(
    of source: ImageSource, format: String? = nil, limits: DecodeLimits = .default, options: JSONObject = [:],
    registry: FormatRegistry = .standard
) throws -> ImageFrameIterator {
    try ImageFile(reading: source, format: format, limits: limits, options: options, registry: registry).frames()
}

/// Opens a file for several operations (imageio's `imopen`).
public func openImage(
    _ source: ImageSource, format: String? = nil, extensionHint: String? = nil, limits: DecodeLimits = .default,
    options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> ImageFile {
    try ImageFile(
        reading: source, format: format, extensionHint: extensionHint, limits: limits, options: options,
        registry: registry)
}

/// Writes an image to `path` atomically, in the format its extension (or `format`) names.
///
/// ```swift
/// try writeImage(image, to: "out.png", options: ["compression": 9])
/// ```
public func writeImage(
    _ image: NDArray, to path: String, format: String? = nil, options: JSONObject = [:], metadata: JSONObject = [:],
    registry: FormatRegistry = .standard
) throws {
    let writer = try ImageFileWriter(path: path, format: format, options: options, registry: registry)
    try writer.append(image, metadata: metadata)
    try writer.finish()
}

/// Encodes an image into memory, in the format named by an extension (`.png`) or plugin name.
public func encodeImage(
    _ image: NDArray, as formatOrExtension: String, options: JSONObject = [:], metadata: JSONObject = [:],
    registry: FormatRegistry = .standard
) throws -> [UInt8] {
    let writer = try ImageFileWriter(encodingAs: formatOrExtension, options: options, registry: registry)
    try writer.append(image, metadata: metadata)
    return try writer.finish()
}
