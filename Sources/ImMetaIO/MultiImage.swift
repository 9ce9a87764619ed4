/// Multi-image reading and writing in the shape of imageio v2 (`mimread`, `mimwrite`).

/// Reads every image of a file into a list, stopping with an error once more than
/// `memoryLimit` bytes of pixels have been read (imageio's `memtest`, default `"256MB"`; `nil`
/// reads everything). For files larger than memory, iterate with ``imageFrames(of:format:limits:options:registry:)``.
///
/// - Throws: `ImMetaIOError` with `limitExceeded` when the limit is passed.
public func readImages(
    from source: ImageSource, memoryLimit: String? = "256MB", format: String? = nil, limits: DecodeLimits = .default,
    options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [NDArray] {
    let limit = try memoryLimit.map { try MemorySize(parsing: $0).bytes } ?? .max
    let file = try ImageFile(reading: source, format: format, limits: limits, options: options, registry: registry)
    var frames = try file.frames()
    var images: [NDArray] = []
    var total = 0
    while let frame = try frames.next() {
        total += frame.byteCount
        if total > limit {
            throw ImMetaIOError(
                .limitExceeded,
                "read more than \(memoryLimit ?? "") of image data (\(images.count + 1) images); iterate with imageFrames(of:) "
                    + "or raise memoryLimit", file: source.displayName)
        }
        images.append(frame)
    }
    return images
}

/// Writes images as the frames of one file (imageio's `mimwrite`); formats that hold one image
/// refuse a second frame.
public func writeImages(
    _ images: [NDArray], to path: String, format: String? = nil, options: JSONObject = [:],
    registry: FormatRegistry = .standard
) throws {
    let writer = try ImageFileWriter(path: path, format: format, options: options, registry: registry)
    for image in images { try writer.append(image) }
    try writer.finish()
}
