import Foundation

/// Images loaded from a list of files or a folder, with their metadata gathered per key.
public struct ImageBatch: Sendable {
    /// The files, in load order.
    public var paths: [String]
    /// The images, one per path.
    public var images: [NDArray]
    /// Each image's own metadata (empty for an image without a sidecar).
    public var metadata: [JSONObject]

    /// Every key found in any sidecar, in order of first appearance.
    public var keys: [String] {
        var seen = Set<String>()
        return metadata.flatMap(\.keys).filter { seen.insert($0).inserted }
    }

    /// The values of `key` across the images, `nil` where an image's sidecar lacks the key (so
    /// the list always lines up with ``images``, unlike Python immetaio's, which misaligns or
    /// raises `KeyError` there).
    public subscript(key: String) -> [JSONValue?] { metadata.map { $0[key] } }

    /// The extensions `load(folder:)` reads by default: Python immetaio's.
    public static let defaultFolderExtensions: Set<String> = [".png", ".exr", ".npy"]
}

/// Saves images to the given paths, each with its own metadata, in parallel.
///
/// - Parameters:
///   - images: the images.
///   - paths: one path per image (the extension follows ``AutomaticFormat`` when missing).
///   - metadata: one object per image, or empty for none.
///   - workers: how many images are encoded at once (default: every core).
///   - colorOrder: `.bgr` to write colour images as Python immetaio (OpenCV) does.
///   - options: write options of the image format.
///   - registry: the format plugins.
/// - Throws: `ImMetaIOError` with `invalidArgument` when the counts differ; otherwise the
///   first failure, after every other save has finished.
@discardableResult
public func save(
    _ images: [NDArray], to paths: [String], metadata: [JSONObject] = [], workers: Int? = nil,
    colorOrder: ColorOrder = .rgb, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [SavedFiles] {
    guard images.count == paths.count else {
        throw ImMetaIOError(.invalidArgument, "\(paths.count) paths were given for \(images.count) images")
    }
    guard metadata.isEmpty || metadata.count == images.count else {
        throw ImMetaIOError(.invalidArgument, "\(metadata.count) metadata objects were given for \(images.count) images")
    }
    return try parallelMap(images.indices, workers: workers) { index in
        try save(
            images[index], to: paths[index], metadata: metadata.isEmpty ? [:] : metadata[index], colorOrder: colorOrder,
            options: options, registry: registry)
    }
}

/// Saves images into a folder as `0.png, 1.png, …` (the extension follows ``AutomaticFormat``),
/// each with its own metadata.
@discardableResult
public func save(
    _ images: [NDArray], toFolder folder: String, metadata: [JSONObject] = [], workers: Int? = nil,
    colorOrder: ColorOrder = .rgb, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [SavedFiles] {
    let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    return try save(
        images, to: images.indices.map { "\(base)/\($0)" }, metadata: metadata, workers: workers, colorOrder: colorOrder,
        options: options, registry: registry)
}

/// Saves a batch (an array whose first axis counts images, e.g. N×H×W×3) into a folder as
/// `0.png, 1.png, …`; the images are views of the batch, not copies.
@discardableResult
public func save(
    batch: NDArray, toFolder folder: String, metadata: [JSONObject] = [], workers: Int? = nil,
    colorOrder: ColorOrder = .rgb, options: JSONObject = [:], registry: FormatRegistry = .standard
) throws -> [SavedFiles] {
    guard batch.rank >= 2 else {
        throw ImMetaIOError(.invalidArgument, "a batch needs a first axis counting images; shape \(batch.shape) has none")
    }
    return try save(
        batch.unstacked(), toFolder: folder, metadata: metadata, workers: workers, colorOrder: colorOrder, options: options,
        registry: registry)
}

/// Loads images and their sidecars from a list of paths, in parallel.
public func load(
    from paths: [String], colorOrder: ColorOrder = .rgb, workers: Int? = nil, limits: DecodeLimits = .default,
    registry: FormatRegistry = .standard
) throws -> ImageBatch {
    let loaded = try parallelMap(paths.indices, workers: workers) { index in
        try load(from: paths[index], colorOrder: colorOrder, limits: limits, registry: registry)
    }
    return ImageBatch(paths: paths, images: loaded.map(\.image), metadata: loaded.map(\.metadata))
}

/// Loads every image of a folder, in natural order (`2.png` before `10.png`); sidecars are matched by stem.
///
/// - Parameters:
///   - folder: the folder (its subfolders are not read).
///   - extensions: the file extensions to load, lower-cased with their dot. The default is
///     Python immetaio's (`.png`, `.exr`, `.npy`), so a folder loads the same files in both tools;
///     `nil` loads every extension a registered format reads.
///   - colorOrder: `.bgr` for folders written by Python immetaio (OpenCV) from RGB arrays.
///   - workers: how many images are decoded at once (default: every core).
///   - limits: allocation bounds for each decode.
///   - registry: the format plugins.
public func load(
    folder: String, extensions: Set<String>? = ImageBatch.defaultFolderExtensions, colorOrder: ColorOrder = .rgb,
    workers: Int? = nil, limits: DecodeLimits = .default, registry: FormatRegistry = .standard
) throws -> ImageBatch {
    let paths = try imagePaths(inFolder: folder, extensions: extensions, registry: registry)
    return try load(from: paths, colorOrder: colorOrder, workers: workers, limits: limits, registry: registry)
}

/// The image files of a folder that ``load(folder:extensions:colorOrder:workers:limits:registry:)``
/// reads, in its order: natural order, hidden files left out.
///
/// - Parameters:
///   - folder: the folder (its subfolders are not listed).
///   - extensions: lower-cased with their dot; `nil`: every extension a registered format reads.
///   - registry: the format plugins, for `extensions: nil`.
public func imagePaths(
    inFolder folder: String, extensions: Set<String>? = ImageBatch.defaultFolderExtensions,
    registry: FormatRegistry = .standard
) throws -> [String] {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: folder)
    } catch {
        throw ImMetaIOError(.missingFile, "cannot list the folder: \(error.localizedDescription)", file: folder)
    }
    let wanted = extensions.map { Set($0.map(FileExtension.normalized)) } ?? Set(registry.formats.flatMap(\.extensions))
    let images = names.filter { name in
        !name.hasPrefix(".") && FileExtension.of(name).map(wanted.contains) == true
    }.sorted(by: NaturalOrder.precedes)
    let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    return images.map { "\(base)/\($0)" }
}

/// Natural sort order: digit runs compare as numbers (`frame2` < `frame10`), the rest as text.
public enum NaturalOrder {
    /// Whether `a` sorts before `b`.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let left = parts(a), right = parts(b)
        for (x, y) in zip(left, right) where x != y {
            switch (x, y) {
            case (.number(let m, _), .number(let n, _)) where m != n: return m.count != n.count ? m.count < n.count : m < n
            case (.number(_, let p), .number(_, let q)): return p.count != q.count ? p.count < q.count : p < q  // equal value: fewer leading zeros first
            case (.text(let s), .text(let t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return left.count != right.count ? left.count < right.count : a < b
    }

    private enum Part: Equatable {
        /// Digits without leading zeros (compared by length, then text), and the original run.
        case number(String, String)
        case text(String)
    }

    private static func parts(_ name: String) -> [Part] {
        var result: [Part] = []
        var current = ""
        var inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            if inDigits {
                let stripped = String(current.drop { $0 == "0" })
                result.append(.number(stripped, current))
            } else {
                result.append(.text(current))
            }
            current = ""
        }
        for character in name {
            let digit = character.isASCII && character.isNumber
            if digit != inDigits { flush(); inDigits = digit }
            current.append(character)
        }
        flush()
        return result
    }
}

extension NDArray {
    /// The sub-arrays along the first axis.
    func unstacked() -> [NDArray] {
        let count = shape.first ?? 0
        let itemShape = Array(shape.dropFirst())
        let itemBytes = count == 0 ? 0 : byteCount / count
        return (0..<count).map { index in
            withUnsafeBytes { raw in
                NDArray(unsafeUninitializedShape: itemShape, dtype: dtype) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(index * itemBytes)..<((index + 1) * itemBytes)]))
                }
            }
        }
    }
}

/// Runs `body` for every index on up to `workers` threads (Dispatch's, not the cooperative pool)
/// and returns the results in order; every index runs even when one fails, and the failure of the
/// lowest index that failed is rethrown after all have finished.
func parallelMap<T>(_ indices: Range<Int>, workers: Int?, _ body: (Int) throws -> T) throws -> [T] {
    try ParallelLoop.map(indices.count, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount, onFailure: .finishAll) {
        try body(indices.lowerBound + $0)
    }
}
