import Foundation
import Zarr

/// Writes every level of a multiscale image from a ``MicroscopyImage``, reading each pixel of
/// the full resolution once and never holding a whole level.
///
/// Work is a tree of blocks (``OMEZarrLayout``): a block of level `l` is made by producing its
/// children at level `l − 1` (recursively, down to blocks read from the source), writing each
/// child to its level and halving it into its place in the parent. The roots, one per block of
/// the smallest level, run in parallel; each holds one block per level at a time. When there are
/// too few roots to keep every core busy, children run in parallel too.
struct PyramidStreamer {
    let source: any MicroscopyImage
    let layout: OMEZarrLayout
    let arrays: [ZarrArray]
    let dtype: DType
    /// Samples per pixel of the source, folded into channels.
    let samples: Int
    let downsampling: OMEZarrDownsampling
    /// Collects each channel's value range from the full resolution, when given.
    let ranges: ChannelRanges?
    /// The source, for messages.
    let sourceName: String

    func run() throws {
        let top = layout.levelCount - 1
        let roots = Self.indices(layout.blockCounts(level: top))
        let parallelChildren = roots.count < 2 * ProcessInfo.processInfo.activeProcessorCount
        try ParallelLoop.forEach(roots) { index in
            let block = try produce(level: top, index: index, parallelChildren: parallelChildren)
            try arrays[top].write(block, at: layout.box(level: top, index: index).start)
        }
    }

    /// Block `index` of `level`, with every block below it written.
    private func produce(level: Int, index: [Int], parallelChildren: Bool) throws -> NDArray {
        let (start, extent) = layout.box(level: level, index: index)
        if level == 0 { return try read(start: start, extent: extent) }
        let halvesZ = layout.halved[2]
        let itemSize = dtype.itemSize
        var parent = NDArray(unsafeUninitializedShape: extent, dtype: dtype) { _ in }
        try parent.withUnsafeMutableBytes { out in
            try ParallelLoop.forEach(layout.children(level: level, index: index), parallel: parallelChildren) { child in
                let data = try produce(level: level - 1, index: child, parallelChildren: parallelChildren)
                let childStart = layout.box(level: level - 1, index: child).start
                try arrays[level - 1].write(data, at: childStart)
                let smaller = PyramidDownsampler.downsample(data, halvesZ: halvesZ, method: downsampling)
                // A halved axis: the child starts 0 or B/2 pixels into the parent (B is even).
                let offset = (0..<5).map { layout.halved[$0] ? childStart[$0] / 2 - start[$0] : childStart[$0] - start[$0] }
                smaller.withUnsafeBytes { source in
                    RegionCopy.copy(
                        from: source, shape: smaller.shape, start: [0, 0, 0, 0, 0], to: out, shape: extent, start: offset,
                        extent: smaller.shape, itemSize: itemSize)
                }
            }
        }
        return parent
    }

    /// A full-resolution block from the source, in `t, c, z, y, x` order with samples folded
    /// into channels.
    private func read(start: [Int], extent: [Int]) throws -> NDArray {
        let firstChannel = start[1] / samples, endChannel = (start[1] + extent[1] - 1) / samples + 1
        let region = MicroscopyRegion(
            t: start[0]..<(start[0] + extent[0]), z: start[2]..<(start[2] + extent[2]), c: firstChannel..<endChannel,
            y: start[3]..<(start[3] + extent[3]), x: start[4]..<(start[4] + extent[4]))
        let pixels = try source.read(region, level: 0)
        let expected = [extent[0], extent[2], endChannel - firstChannel, extent[3], extent[4]] + (samples > 1 ? [samples] : [])
        guard pixels.shape == expected, pixels.dtype == dtype else {
            throw ImMetaIOError(
                .corruptData, "the image returned \(pixels.shape) \(pixels.dtype) for a window of \(expected) \(dtype)", file: sourceName)
        }
        let block: NDArray
        if samples == 1, extent[1] == 1 || extent[2] == 1 {
            // One channel or one plane: both orders are the same bytes.
            block = try pixels.reshaped(extent)
        } else {
            block = SampleFolding.fold(pixels, firstChannel: start[1], channelCount: extent[1], samples: samples)
        }
        ranges?.update(with: block, firstChannel: start[1])
        return block
    }

    /// Every index of a grid of `counts`, in C order.
    static func indices(_ counts: [Int]) -> [[Int]] {
        var result: [[Int]] = [[]]
        for count in counts { result = result.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
        return result
    }
}
