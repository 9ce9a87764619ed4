/// Multi-image reading and writing in the shape of imageio v2 (`mimread`, `mimwrite`).

/// Reads every image of a file into a list, stopping with an error once more than `memoryLimit`
/// bytes of pixels have been read (imageio's `memtest`: `true`, `false`, bytes or `"256MB"`;
/// default 256 MB). For files larger than memory, iterate with ``imageFrames(of:format:limits:options:registry:)``.
///
/// - Throws: `ImMetaIOError` with `limitExceeded` when the limit is passed.
public func readImages(
    from source: ImageSource, memoryLimit: MemoryLimit = .default, format: String? = nil, limits: DecodeLimits = .default,
    options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [NDArray] {
    try readImagesWithMetadata(
        from: source, memoryLimit: memoryLimit, format: format, limits: limits, options: options, registry: registry
    ).map(\.image)
}

/// Reads every image of a file with its own format metadata (a GIF frame's `duration`, a TIFF
/// page's tags), as imageio v2's `mimread` attaches `.meta` to each array. The memory limit is
/// ``readImages(from:memoryLimit:format:limits:options:registry:)``'s.
public func readImagesWithMetadata(
    from source: ImageSource, memoryLimit: MemoryLimit = .default, format: String? = nil, limits: DecodeLimits = .default,
    options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [(image: NDArray, metadata: JSONObject)] {
    let limit = try memoryLimit.bytes() ?? .max
    let file = try ImageFile(reading: source, format: format, limits: limits, options: options, registry: registry)
    var frames = try file.frames()
    var images: [(image: NDArray, metadata: JSONObject)] = []
    var total = 0
    while let frame = try frames.next() {
        total += frame.byteCount
        if total > limit {
            throw ImMetaIOError(
                .limitExceeded,
                "read more than \(memoryLimit) of image data (\(images.count + 1) images); iterate with imageFrames(of:) "
                    + "or raise memoryLimit", file: source.displayName)
        }
        images.append((frame, try file.metadata(index: .at(images.count))))
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
