import ImMetaIOCore
import NDArrayModule
import OrderedCollections

/// How a merge treats axes other than the one it merges along.
public enum MergePolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Every other axis must have the same extent in every input; otherwise the merge is an
    /// error naming the axis, the files and their sizes.
    case strict
    /// Other axes take the largest extent of the inputs; smaller inputs are padded with zeros
    /// (after their own data: at the end of each axis).
    case pad
}

/// Several images joined along T, Z or C into one, lazily: the merged image reads from its inputs
/// only the windows a read asks for, so merging a folder of large stacks holds nothing but the
/// window being read.
///
/// ```swift
/// let merged = try MergedImage([a, b, c], along: .t, policy: .strict)
/// let all = try merged.read()
/// ```
public struct MergedImage: MicroscopyImage {
    public let metadata: MicroscopyMetadata
    public var levelShapes: [[Int]] { [metadata.shape] }
    /// The inputs in order.
    public let inputs: [any MicroscopyImage]
    /// The axis the inputs are joined along.
    public let axis: MicroscopyAxis
    /// Where each input starts along ``axis``.
    private let starts: [Int]

    /// Merges images along `axis` (T, Z or C). The first input's physical sizes, time increment
    /// and instrument are kept; its provenance and every input's source are recorded under
    /// `merge.*` in ``MicroscopyMetadata/provenance``. Channels are concatenated in a C merge.
    ///
    /// Throws `invalidArgument` when there are no inputs, the axis is not T, Z or C, the dtypes or
    /// axes (colour against grey) differ, or, under ``MergePolicy/strict``, another axis differs.
    public init(_ inputs: [any MicroscopyImage], along axis: MicroscopyAxis, policy: MergePolicy) throws(ImMetaIOError) {
        guard let first = inputs.first else { throw ImMetaIOError(.invalidArgument, "a merge needs at least one image") }
        guard [.t, .z, .c].contains(axis) else {
            throw ImMetaIOError(.invalidArgument, "images merge along T, Z or C, not \(axis)")
        }
        func source(_ image: any MicroscopyImage) -> String {
            image.metadata.provenance["source_file"] ?? image.metadata.name ?? "an image"
        }
        for image in inputs.dropFirst() {
            guard image.metadata.dtype == first.metadata.dtype else {
                throw ImMetaIOError(
                    .invalidArgument,
                    "cannot merge along \(axis): \(source(first)) is \(first.metadata.dtype) but \(source(image)) is \(image.metadata.dtype)")
            }
            guard image.metadata.axes == first.metadata.axes else {
                throw ImMetaIOError(
                    .invalidArgument,
                    "cannot merge along \(axis): \(source(first)) has axes \(first.metadata.axesString) but \(source(image)) has \(image.metadata.axesString)")
            }
        }
        let axisIndex = first.metadata.axes.firstIndex(of: axis) ?? 0
        var shape = first.metadata.shape
        for (index, dimension) in first.metadata.axes.enumerated() where index != axisIndex {
            let extents = inputs.map { $0.metadata.shape[index] }
            if policy == .strict, Set(extents).count > 1 {
                let listing = inputs.map { "\(source($0)): \($0.metadata.shape[index])" }.joined(separator: ", ")
                throw ImMetaIOError(
                    .invalidArgument,
                    "cannot merge along \(axis) strictly: the \(dimension) sizes differ (\(listing)); merge with padding to zero-fill them")
            }
            shape[index] = extents.max() ?? shape[index]
        }
        var starts: [Int] = []
        var total = 0
        for image in inputs {
            starts.append(total)
            let (sum, overflow) = total.addingReportingOverflow(image.metadata.shape[axisIndex])
            guard !overflow else { throw ImMetaIOError(.limitExceeded, "the merged \(axis) axis is too long") }
            total = sum
        }
        shape[axisIndex] = total
        var metadata = first.metadata
        metadata.shape = shape
        if axis == .c {
            metadata.channels = inputs.flatMap { image in
                image.metadata.channels.count == image.metadata.extent(of: .c)
                    ? image.metadata.channels : Array(repeating: MicroscopyChannel(), count: image.metadata.extent(of: .c))
            }
        }
        metadata.provenance["merge.axis"] = String(axis.rawValue)
        metadata.provenance["merge.policy"] = policy.rawValue
        metadata.provenance["merge.count"] = String(inputs.count)
        for (index, image) in inputs.enumerated() {
            let extent = image.metadata.shape[axisIndex]
            metadata.provenance["merge.source.\(index)"] =
                "\(source(image)) (\(axis) \(starts[index])..<\(starts[index] + extent), shape \(image.metadata.shape.map(String.init).joined(separator: "×")))"
        }
        self.metadata = metadata
        self.inputs = inputs
        self.axis = axis
        self.starts = starts
    }

    public func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        guard level == 0 else { throw ImMetaIOError(.invalidArgument, "a merged image has one level, not \(level + 1)") }
        let ranges = try region.resolved(against: metadata.shape)
        let axisIndex = metadata.axes.firstIndex(of: axis) ?? 0
        var result = NDArray(shape: ranges.map(\.count), dtype: metadata.dtype)
        for (index, image) in inputs.enumerated() {
            // The part of the wanted window this input covers, in its own coordinates.
            var own: [Range<Int>] = []
            for (dimension, range) in ranges.enumerated() {
                let offset = dimension == axisIndex ? starts[index] : 0
                let extent = image.metadata.shape[dimension]
                let lower = max(range.lowerBound - offset, 0), upper = min(range.upperBound - offset, extent)
                own.append(lower..<max(lower, upper))
            }
            guard own.allSatisfy({ !$0.isEmpty }) else { continue }
            let part = try image.read(
                MicroscopyRegion(t: own[0], z: own[1], c: own[2], y: own[3], x: own[4]), level: 0)
            // Where that part lands in the result.
            let origin = own.enumerated().map { dimension, range in
                range.lowerBound + (dimension == axisIndex ? starts[index] : 0) - ranges[dimension].lowerBound
            }
            ArrayWindow.place(part, in: &result, at: origin)
        }
        return result
    }
}
