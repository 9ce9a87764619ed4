/// Moves pixels between the model's `TZCYX[S]` order and OME-Zarr's `t, c, z, y, x`, where an
/// RGB image's samples become channels: OME-Zarr has no sample axis, so channel `c` and sample
/// `s` of `S` become OME-Zarr channel `c·S + s`.
enum SampleFolding {
    /// OME-Zarr channels `firstChannel..<firstChannel+channelCount` of a block read from the
    /// model's order: `source` has shape `[t, z, c, y, x]` (plus `S` when `samples > 1`) and holds
    /// the model channels from `firstChannel / samples` on.
    static func fold(_ source: NDArray, firstChannel: Int, channelCount: Int, samples: Int) -> NDArray {
        let shape = source.shape
        let (times, depth, sourceChannels, plane) = (shape[0], shape[1], shape[2], shape[3] * shape[4])
        let firstSourceChannel = firstChannel / samples
        let itemSize = source.dtype.itemSize
        let output = [times, channelCount, depth, shape[3], shape[4]]
        return source.withUnsafeBytes { src in
            NDArray(unsafeUninitializedShape: output, dtype: source.dtype) { dst in
                guard let from = src.baseAddress, let to = dst.baseAddress else { return }
                var written = 0
                for t in 0..<times {
                    for c in 0..<channelCount {
                        let channel = (firstChannel + c) / samples - firstSourceChannel
                        let sample = (firstChannel + c) % samples
                        for z in 0..<depth {
                            let planeIndex = (t * depth + z) * sourceChannels + channel
                            let origin = from + planeIndex * plane * samples * itemSize
                            let target = to + written
                            if samples == 1 {
                                target.copyMemory(from: origin, byteCount: plane * itemSize)
                            } else {
                                switch itemSize {
                                case 1: gather(origin, target, count: plane, stride: samples, offset: sample, as: UInt8.self)
                                case 2: gather(origin, target, count: plane, stride: samples, offset: sample, as: UInt16.self)
                                case 4: gather(origin, target, count: plane, stride: samples, offset: sample, as: UInt32.self)
                                default: gather(origin, target, count: plane, stride: samples, offset: sample, as: UInt64.self)
                                }
                            }
                            written += plane * itemSize
                        }
                    }
                }
            }
        }
    }

    /// The inverse of ``fold(_:firstChannel:channelCount:samples:)`` for whole pixels: a block of
    /// shape `[t, c·S, z, y, x]` as `[t, z, c, y, x, S]`.
    static func unfold(_ source: NDArray, samples: Int) -> NDArray {
        let shape = source.shape
        let channels = shape[1] / samples
        // [t, c, S, z, y, x] → [t, z, c, y, x, S]
        let split = NDArray(reshaping: source, to: [shape[0], channels, samples, shape[2], shape[3], shape[4]])
        return split.permuted([0, 3, 1, 4, 5, 2])
    }

    private static func gather<T>(
        _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer, count: Int, stride: Int, offset: Int, as: T.Type
    ) {
        let from = source.assumingMemoryBound(to: T.self)
        let to = target.assumingMemoryBound(to: T.self)
        for index in 0..<count { to[index] = from[index * stride + offset] }
    }
}

extension NDArray {
    /// The same elements under a shape of the same element count (checked by the callers).
    init(reshaping array: NDArray, to shape: [Int]) {
        self = (try? array.reshaped(shape)) ?? array
    }
}
