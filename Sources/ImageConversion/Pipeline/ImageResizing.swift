import Foundation
import ImMetaIOCore
import NDArrayModule

/// `--resize`: every channel plane resized as images_to_zarr resizes it (scikit-image's `resize`
/// with `preserve_range=True` and automatic anti-aliasing), then cast back to the image's own
/// dtype as numpy's `astype` casts (truncating floats toward zero for integer images).
enum ImageResizing {
    /// Resizers by geometry, order and input kind: their weights are computed once per run.
    private static let cache = ResizerCache()

    static func resize(_ image: NDArray, layout: ImageLayout, to size: [Int], order: Int) throws -> (NDArray, ImageLayout) {
        let kind: PlaneResizer.InputKind =
            switch image.dtype {
            case .bool: .bool
            case .float32, .float16: .float32
            case .float64: .float64
            default: .integer
            }
        let resizer = try cache.resizer(from: (layout.height, layout.width), to: (size[0], size[1]), order: order, input: kind)
        let plane = layout.height * layout.width
        let outPlane = size[0] * size[1]
        let values = image.astype(.float64)
        var resized = [Double](repeating: 0, count: layout.channels * outPlane)
        var input = [Double](repeating: 0, count: plane)
        var workspace = PlaneResizeWorkspace()
        values.withUnsafeBytes { raw in
            let source = raw.bindMemory(to: Double.self)
            for channel in 0..<layout.channels {
                switch layout.order {
                case .gray, .channelsFirst:
                    for index in 0..<plane { input[index] = source[channel * plane + index] }
                case .channelsLast:
                    for index in 0..<plane { input[index] = source[index * layout.channels + channel] }
                }
                input.withUnsafeBufferPointer { planeIn in
                    resized.withUnsafeMutableBufferPointer { all in
                        let out = UnsafeMutableBufferPointer(rebasing: all[(channel * outPlane)..<((channel + 1) * outPlane)])
                        resizer.resize(planeIn, into: out, workspace: &workspace)
                    }
                }
            }
        }
        if image.dtype.isInteger {
            for index in resized.indices { resized[index] = resized[index].rounded(.towardZero) }
        }
        let shape = [layout.channels, size[0], size[1]]
        let result = try NDArray(resized, shape: shape).astype(image.dtype)
        return (result, ImageLayout(channelsFirst: layout.channels, height: size[0], width: size[1]))
    }
}

/// Resizers shared by the worker threads. `@unchecked Sendable`: the dictionary is only touched
/// under the lock, and a resizer is an immutable value.
private final class ResizerCache: @unchecked Sendable {
    private struct Key: Hashable {
        let from: [Int], to: [Int], order: Int, kind: String
    }
    private var resizers: [Key: PlaneResizer] = [:]
    private let lock = NSLock()

    func resizer(from: (Int, Int), to: (Int, Int), order: Int, input: PlaneResizer.InputKind) throws -> PlaneResizer {
        let key = Key(from: [from.0, from.1], to: [to.0, to.1], order: order, kind: "\(input)")
        if let resizer = lock.withLock({ resizers[key] }) { return resizer }
        do {
            let resizer = try PlaneResizer(from: (from.0, from.1), to: (to.0, to.1), order: order, input: input)
            lock.withLock { resizers[key] = resizer }
            return resizer
        } catch {
            throw ImMetaIOError(.invalidArgument, "cannot resize \(from.0)×\(from.1) to \(to.0)×\(to.1) at order \(order): \(error)")
        }
    }
}
