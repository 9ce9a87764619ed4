import Foundation

/// Where `save` put an image and its sidecar.
public struct SavedFiles: Sendable, Hashable {
    /// The image file (the path given, plus the automatic extension when it had none).
    public var image: String
    /// The `<stem>.json` sidecar, or `nil` when the metadata was empty.
    public var sidecar: String?
}

/// The channel order of colour images in a file.
///
/// Which tool wrote what: PNG, JPEG, WebP, TIFF and OpenEXR define RGB(A) order, and Pillow,
/// imageio, tifffile and immetaio (this library) write it. Python immetaio writes through OpenCV,
/// which takes its arrays as BGR: an RGB array saved by Python immetaio lands in the file with red
/// and blue swapped, and reading the file with `.bgr` (or writing with `.bgr` for Python immetaio
/// to read) gives back the array that was saved. NPY files hold the array as is and are never swapped.
public enum ColorOrder: Sendable, Hashable {
    /// Red, green, blue (alpha): the order the image formats define.
    case rgb
    /// OpenCV's convention, as Python immetaio writes RGB arrays: the first and third channels of
    /// H×W×3 and H×W×4 images are swapped on the way into or out of the file (NPY excepted).
    case bgr
}

/// Saves an image and, when `metadata` is not empty, a sidecar `<stem>.json` next to it.
///
/// Both files appear under their final names only when complete (temporary file + rename; the
/// sidecar is renamed first, so an image never appears before its metadata). Missing parent
/// folders are created. Without an extension, the format follows ``AutomaticFormat``.
///
/// ```swift
/// let files = try save(image, to: "captures/frame_0001", metadata: [
///     "exposure_time": 0.01, "camera_matrix": [[1000, 0, 320], [0, 1000, 240], [0, 0, 1]],
/// ])
/// // files.image == "captures/frame_0001.png", files.sidecar == "captures/frame_0001.json"
/// ```
///
/// - Parameters:
///   - image: the image.
///   - path: where to write it; without an extension, the format follows ``AutomaticFormat``.
///   - metadata: the sidecar's content; empty writes no sidecar.
///   - nonblocking: return at once and write on ``SaveQueue/shared``'s threads; errors surface
///     at the next `waitSaves()`. The image is not copied.
///   - colorOrder: `.bgr` writes colour images with red and blue swapped, as Python immetaio
///     (OpenCV) does, so that it reads back the array you saved.
///   - options: write options of the image format (e.g. `["compression": 9]` for PNG).
///   - registry: the format plugins.
@discardableResult
public func save(
    _ image: NDArray, to path: String, metadata: JSONObject = [:], nonblocking: Bool = false,
    colorOrder: ColorOrder = .rgb, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> SavedFiles {
    let imagePath = AutomaticFormat.path(path, for: image)
    let image = colorOrder == .bgr && FileExtension.of(imagePath) != ".npy" ? swapRedAndBlue(image) : image
    let sidecarPath = metadata.isEmpty ? nil : AutomaticFormat.sidecarPath(for: imagePath)
    let files = SavedFiles(image: imagePath, sidecar: sidecarPath)
    if nonblocking {
        // Choosing the plugin here reports a bad extension at once, not at the next wait.
        _ = try registry.writeFormat(forPath: imagePath, format: nil, extensionHint: nil)
        SaveQueue.shared.submit(holding: image.byteCount) {
            try writeImageAndSidecar(image, files, metadata, options, registry)
        }
    } else {
        try writeImageAndSidecar(image, files, metadata, options, registry)
    }
    return files
}

/// Saves an image with metadata of any `Encodable` type (keys in declaration order; `NDArray`
/// properties are written as Python immetaio writes arrays).
@discardableResult
public func save(
    _ image: NDArray, to path: String, metadata: some Encodable, nonblocking: Bool = false,
    colorOrder: ColorOrder = .rgb, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> SavedFiles {
    try save(
        image, to: path, metadata: encodeMetadata(metadata, file: path), nonblocking: nonblocking, colorOrder: colorOrder,
        options: options, registry: registry)
}

/// Loads an image and its sidecar's metadata (empty when there is no sidecar).
///
/// - Parameters:
///   - path: the image file.
///   - colorOrder: `.bgr` for files written by Python immetaio (OpenCV) from RGB arrays.
///   - limits: allocation bounds for the decode.
///   - registry: the format plugins.
public func load(
    from path: String, colorOrder: ColorOrder = .rgb, limits: DecodeLimits = .default,
    registry: FormatRegistry = .standard
) throws -> (image: NDArray, metadata: JSONObject) {
    let file = try ImageFile(reading: .path(path), limits: limits, registry: registry)
    var image = try file.read(index: .at(0))
    if colorOrder == .bgr, file.format.name != "npy" { image = swapRedAndBlue(image) }
    return (image, try loadMetadata(from: path))
}

/// Loads an image and decodes its sidecar as `Metadata`.
public func load<Metadata: Decodable>(
    from path: String, as type: Metadata.Type, colorOrder: ColorOrder = .rgb, limits: DecodeLimits = .default,
    registry: FormatRegistry = .standard
) throws -> (image: NDArray, metadata: Metadata) {
    let (image, metadata) = try load(from: path, colorOrder: colorOrder, limits: limits, registry: registry)
    return (image, try decodeMetadata(metadata, as: type, file: AutomaticFormat.sidecarPath(for: path)))
}

/// Writes only a sidecar. `path` is the JSON file, or an image path whose sidecar is meant.
@discardableResult
public func saveMetadata(_ metadata: JSONObject, to path: String) throws -> String {
    let sidecar = FileExtension.of(path) == ".json" ? path : AutomaticFormat.sidecarPath(for: path)
    try createParentFolder(of: sidecar)
    let sink = try OutputSink(path: sidecar)
    try sink.write(Array(SidecarJSON.encode(metadata).utf8))
    try sink.commit()
    return sidecar
}

/// Reads only a sidecar: `path` is the JSON file or the image it belongs to. An image without a
/// sidecar has empty metadata; a JSON path that does not exist is an error.
public func loadMetadata(from path: String) throws -> JSONObject {
    let isSidecar = FileExtension.of(path) == ".json"
    let sidecar = isSidecar ? path : AutomaticFormat.sidecarPath(for: path)
    let bytes: ResourceBytes
    if RemoteResources.scheme(of: sidecar) != nil {
        // An object store has no cheap existence test: a missing object is the answer.
        switch Result(catching: { () throws(ImMetaIOError) in try ResourceBytes(mapping: sidecar) }) {
        case .success(let fetched): bytes = fetched
        case .failure(let error):
            if error.code == .missingFile, !isSidecar { return [:] }
            throw error
        }
    } else {
        if !isSidecar, !FileManager.default.fileExists(atPath: sidecar) { return [:] }
        bytes = try ResourceBytes(mapping: sidecar)
    }
    do {
        return try SidecarJSON.decode(bytes.withUnsafeBytes { Array($0) })
    } catch {
        throw ImMetaIOError(.corruptData, "invalid sidecar: \(error)", file: sidecar, underlying: error)
    }
}

// MARK: - Internals

func writeImageAndSidecar(
    _ image: NDArray, _ files: SavedFiles, _ metadata: JSONObject, _ options: JSONObject, _ registry: FormatRegistry
) throws {
    try createParentFolder(of: files.image)
    var sidecarSink: OutputSink?
    if let sidecar = files.sidecar {
        let sink = try OutputSink(path: sidecar)
        try sink.write(Array(SidecarJSON.encode(metadata).utf8))
        sidecarSink = sink
    }
    let writer = try ImageFileWriter(path: files.image, options: options, registry: registry)
    try writer.append(image)
    // Metadata goes live first: an image never appears without the sidecar that belongs to it.
    try sidecarSink?.commit()
    try writer.finish()
}

func createParentFolder(of path: String) throws {
    // Object stores have no folders to make.
    guard RemoteResources.scheme(of: path) == nil else { return }
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
    let folder = String(path[..<slash])
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue { return }
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
        throw ImMetaIOError(.io, "cannot create the folder \(folder): \(error.localizedDescription)", file: path)
    }
}

func encodeMetadata(_ metadata: some Encodable, file: String) throws -> JSONObject {
    let value: JSONValue
    do {
        value = try JSONValue(encoding: metadata)
    } catch {
        throw ImMetaIOError(.invalidArgument, "cannot encode the metadata: \(error)", file: file, underlying: error)
    }
    guard case .object(let object) = value else {
        throw ImMetaIOError(.invalidArgument, "metadata must encode to a JSON object (a struct or dictionary), not \(value)", file: file)
    }
    return object
}

func decodeMetadata<Metadata: Decodable>(_ metadata: JSONObject, as type: Metadata.Type, file: String) throws -> Metadata {
    do {
        return try JSONValue.object(metadata).decode(as: type)
    } catch {
        throw ImMetaIOError(.invalidArgument, "the sidecar does not decode as \(type): \(error)", file: file, underlying: error)
    }
}

func swapRedAndBlue(_ image: NDArray) -> NDArray { image.swappingRedAndBlue() }

extension NDArray {
    /// The array with the first and third channels of an H×W×3 or H×W×4 image swapped (RGB ↔ BGR,
    /// RGBA ↔ BGRA); any other shape is returned unchanged.
    public func swappingRedAndBlue() -> NDArray {
        guard rank == 3, shape[2] == 3 || shape[2] == 4 else { return self }
        var swapped = self
        let channels = shape[2]
        let size = dtype.itemSize
        swapped.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var scratch = [UInt8](repeating: 0, count: size)
            for pixel in stride(from: 0, to: raw.count, by: channels * size) {
                let red = base + pixel, blue = base + pixel + 2 * size
                scratch.withUnsafeMutableBytes { $0.baseAddress?.copyMemory(from: red, byteCount: size) }
                red.copyMemory(from: blue, byteCount: size)
                scratch.withUnsafeBytes { if let s = $0.baseAddress { blue.copyMemory(from: s, byteCount: size) } }
            }
        }
        return swapped
    }
}
