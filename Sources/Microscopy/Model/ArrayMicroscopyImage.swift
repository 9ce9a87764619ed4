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

/// Copies windows out of arrays and into them, one contiguous run at a time.
enum ArrayWindow {
    /// The part of `array` inside `ranges` (one range per axis).
    static func crop(_ array: NDArray, to ranges: [Range<Int>]) -> NDArray {
        var result = NDArray(shape: ranges.map(\.count), dtype: array.dtype)
        let itemSize = array.dtype.itemSize
        let rank = array.shape.count
        guard rank > 0, ranges.allSatisfy({ !$0.isEmpty }) else { return result }
        var strides = [Int](repeating: 1, count: rank)
        for dimension in stride(from: rank - 2, through: 0, by: -1) { strides[dimension] = strides[dimension + 1] * array.shape[dimension + 1] }
        // Trailing axes taken whole join the innermost run.
        var runAxis = rank - 1
        while runAxis > 0, ranges[runAxis] == 0..<array.shape[runAxis] { runAxis -= 1 }
        let runBytes = ranges[runAxis].count * strides[runAxis] * itemSize
        let outer = ranges.prefix(runAxis).map(\.count)
        let runs = outer.reduce(1, *)
        array.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                var position = [Int](repeating: 0, count: runAxis)
                for run in 0..<runs {
                    var element = ranges[runAxis].lowerBound * strides[runAxis]
                    for dimension in 0..<runAxis { element += (ranges[dimension].lowerBound + position[dimension]) * strides[dimension] }
                    (target.baseAddress! + run * runBytes).copyMemory(from: source.baseAddress! + element * itemSize, byteCount: runBytes)
                    var dimension = runAxis - 1
                    while dimension >= 0 {
                        position[dimension] += 1
                        if position[dimension] < outer[dimension] { break }
                        position[dimension] = 0
                        dimension -= 1
                    }
                }
            }
        }
        return result
    }

    /// Copies `part` into `result` with its first element at `origin`, one contiguous run at a
    /// time (trailing axes that both arrays hold whole, such as `S`, join the run).
    static func place(_ part: NDArray, in result: inout NDArray, at origin: [Int]) {
        var partShape = part.shape, resultShape = result.shape, origin = origin
        while partShape.count > 1, partShape[partShape.count - 1] == resultShape[resultShape.count - 1], origin[origin.count - 1] == 0 {
            let last = partShape.removeLast(), resultLast = resultShape.removeLast()
            origin.removeLast()
            partShape[partShape.count - 1] *= last
            resultShape[resultShape.count - 1] *= resultLast
            origin[origin.count - 1] *= resultLast
        }
        let itemSize = part.dtype.itemSize
        let rank = partShape.count
        let rowBytes = partShape[rank - 1] * itemSize
        var strides = [Int](repeating: 1, count: rank)
        for dimension in stride(from: rank - 2, through: 0, by: -1) { strides[dimension] = strides[dimension + 1] * resultShape[dimension + 1] }
        let rows = partShape.dropLast().reduce(1, *)
        part.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                var position = [Int](repeating: 0, count: rank - 1)
                for row in 0..<rows {
                    var element = origin[rank - 1]
                    for dimension in 0..<(rank - 1) { element += (origin[dimension] + position[dimension]) * strides[dimension] }
                    (target.baseAddress! + element * itemSize).copyMemory(from: source.baseAddress! + row * rowBytes, byteCount: rowBytes)
                    var dimension = rank - 2
                    while dimension >= 0 {
                        position[dimension] += 1
                        if position[dimension] < partShape[dimension] { break }
                        position[dimension] = 0
                        dimension -= 1
                    }
                }
            }
        }
    }
}
