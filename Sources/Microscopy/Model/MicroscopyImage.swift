import ImMetaIOCore
import NDArrayModule

/// One image of a microscopy file (a scene, series or position), opened lazily: the metadata is
/// read, the pixels are not until ``read(_:level:)`` asks for a window of them.
///
/// Readers of every format (OME-TIFF, LSM, ImageJ TIFF, CZI, Thorlabs RAW, OME-Zarr) conform, so
/// merges, batches and writers work on any of them. Implementations are safe to read from several
/// threads at once.
public protocol MicroscopyImage: Sendable {
    /// Axes, shape, dtype, physical sizes, channels and provenance of the full-resolution level.
    var metadata: MicroscopyMetadata { get }

    /// The shape of each pyramid level in ``MicroscopyMetadata/axes`` order, full resolution
    /// first. Files without a pyramid have one level.
    var levelShapes: [[Int]] { get }

    /// Reads a window of one level into an array of the window's shape, in
    /// ``MicroscopyMetadata/axes`` order. Reads only the bytes the window needs where the format
    /// allows it (tiles, strips, subblocks, chunks).
    func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray
}

extension MicroscopyImage {
    /// Reads a window of the full-resolution level.
    public func read(_ region: MicroscopyRegion = .all) throws(ImMetaIOError) -> NDArray {
        try read(region, level: 0)
    }

    /// The number of pyramid levels.
    public var levelCount: Int { levelShapes.count }
}

/// A microscopy file opened: its images (scenes, series) and the format that read it.
public protocol MicroscopyFile: Sendable {
    /// The format's short name (`OME-TIFF`, `LSM`, `CZI`, `Thorlabs RAW`, `OME-Zarr`, `TIFF`).
    var formatName: String { get }
    /// The path the file was opened from.
    var path: String { get }
    /// The images in the file, in the file's order. At least one.
    var images: [any MicroscopyImage] { get }
}

extension MicroscopyFile {
    /// The image of a scene, with an error naming the scenes there are when it is out of range.
    public func image(scene: Int) throws(ImMetaIOError) -> any MicroscopyImage {
        guard images.indices.contains(scene) else {
            throw ImMetaIOError(
                .invalidArgument, "scene \(scene) does not exist: the file has \(images.count) scene\(images.count == 1 ? "" : "s") (0..<\(images.count))",
                file: path)
        }
        return images[scene]
    }
}
