import ImMetaIOCore
import NDArrayModule

/// An image held in memory: a TZCYX (or TZCYXS) array with its metadata. Wrap arrays in it to
/// write them as OME-TIFF or OME-Zarr, or to merge them with images read from files.
///
/// ```swift
/// var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: stack.shape, dtype: stack.dtype)
/// metadata.physicalSizeX = Length(0.2, .micrometer)
/// let image = try ArrayMicroscopyImage(stack, metadata: metadata)
/// ```
public struct ArrayMicroscopyImage: MicroscopyImage {
    public let metadata: MicroscopyMetadata
    public var levelShapes: [[Int]] { [metadata.shape] }
    /// The pixels, in ``MicroscopyMetadata/axes`` order.
    public let array: NDArray

    /// Wraps an array whose shape and dtype are the metadata's.
    public init(_ array: NDArray, metadata: MicroscopyMetadata) throws(ImMetaIOError) {
        guard array.shape == metadata.shape, array.dtype == metadata.dtype, metadata.axes.count == array.shape.count,
            Array(metadata.axes.prefix(5)) == MicroscopyAxis.canonical
        else {
            throw ImMetaIOError(
                .invalidArgument,
                "the array (\(array.shape.map(String.init).joined(separator: "×")) \(array.dtype)) does not match the metadata (\(metadata.axesString) \(metadata.shape.map(String.init).joined(separator: "×")) \(metadata.dtype))")
        }
        self.array = array
        self.metadata = metadata
    }

    /// Wraps a TZCYX(S) array with metadata that gives only its axes, shape and dtype.
    public init(_ array: NDArray, samples: Bool = false) throws(ImMetaIOError) {
        let axes = samples ? MicroscopyAxis.canonical + [.s] : MicroscopyAxis.canonical
        try self.init(array, metadata: MicroscopyMetadata(axes: axes, shape: array.shape, dtype: array.dtype))
    }

    public func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        guard level == 0 else { throw ImMetaIOError(.invalidArgument, "an in-memory image has one level, not \(level + 1)") }
        let ranges = try region.resolved(against: metadata.shape)
        if ranges.enumerated().allSatisfy({ $0.element == 0..<metadata.shape[$0.offset] }) { return array }
        return ArrayWindow.crop(array, to: ranges)
    }
}

/// Copies windows out of arrays and into them.
enum ArrayWindow {
    /// The part of `array` inside `ranges` (one range per axis).
    static func crop(_ array: NDArray, to ranges: [Range<Int>]) -> NDArray {
        var result = NDArray(shape: ranges.map(\.count), dtype: array.dtype)
        let extent = result.shape
        array.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                RegionCopy.copy(
                    from: source, shape: array.shape, start: ranges.map(\.lowerBound), to: target, shape: extent,
                    start: [Int](repeating: 0, count: extent.count), extent: extent, itemSize: array.dtype.itemSize)
            }
        }
        return result
    }

    /// Copies `part` into `result` with its first element at `origin`.
    static func place(_ part: NDArray, in result: inout NDArray, at origin: [Int]) {
        let shape = result.shape
        part.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                RegionCopy.copy(
                    from: source, shape: part.shape, start: [Int](repeating: 0, count: part.rank), to: target, shape: shape, start: origin,
                    extent: part.shape, itemSize: part.dtype.itemSize)
            }
        }
    }
}
