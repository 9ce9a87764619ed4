import Foundation
@testable import Microscopy
import Zarr

/// An image held in memory (`TZCYX[S]`), read a window at a time, counting its reads.
final class ArrayImage: MicroscopyImage, @unchecked Sendable {
    let metadata: MicroscopyMetadata
    let pixels: NDArray
    var levelShapes: [[Int]] { [metadata.shape] }
    private let lock = NSLock()
    private var reads = 0
    /// `@unchecked Sendable`: `reads` is only touched under the lock; the rest is immutable.
    var readCount: Int { lock.withLock { reads } }

    init(_ pixels: NDArray, metadata: MicroscopyMetadata) {
        self.pixels = pixels
        self.metadata = metadata
    }

    func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        lock.withLock { reads += 1 }
        let ranges = try region.resolved(against: metadata.shape)
        return Slicing.slice(pixels, ranges)
    }
}

enum Slicing {
    /// The box of `ranges` (one per axis) of `array`.
    static func slice(_ array: NDArray, _ ranges: [Range<Int>]) -> NDArray {
        let extent = ranges.map(\.count)
        return NDArray(unsafeUninitializedShape: extent, dtype: array.dtype) { out in
            array.withUnsafeBytes { source in
                RegionCopy.copy(
                    from: source, shape: array.shape, start: ranges.map(\.lowerBound), to: out, shape: extent,
                    start: extent.map { _ in 0 }, extent: extent, itemSize: array.dtype.itemSize)
            }
        }
    }
}

/// Test images: pixels from a formula, metadata with calibration and channels.
enum TestImages {
    /// An image of `shape` (`TZCYX[S]`) whose pixel at (t, z, c, y, x, s) is `value(…)`, cast
    /// to `dtype`.
    static func make(
        shape: [Int], dtype: DType, name: String? = "test image",
        value: (_ t: Int, _ z: Int, _ c: Int, _ y: Int, _ x: Int, _ s: Int) -> Double = Self.pattern
    ) -> ArrayImage {
        let samples = shape.count == 6 ? shape[5] : 1
        var values: [Double] = []
        values.reserveCapacity(shape.reduce(1, *))
        for t in 0..<shape[0] {
            for z in 0..<shape[1] {
                for c in 0..<shape[2] {
                    for y in 0..<shape[3] {
                        for x in 0..<shape[4] {
                            for s in 0..<samples { values.append(value(t, z, c, y, x, s)) }
                        }
                    }
                }
            }
        }
        let pixels = (try? NDArray(values, shape: shape).astype(dtype)) ?? NDArray(shape: shape, dtype: dtype)
        var metadata = MicroscopyMetadata(axes: samples > 1 ? MicroscopyAxis.canonical + [.s] : MicroscopyAxis.canonical, shape: shape, dtype: dtype)
        metadata.name = name
        metadata.physicalSizeX = Length(0.325, .micrometer)
        metadata.physicalSizeY = Length(0.325, .micrometer)
        metadata.physicalSizeZ = Length(1.5, .micrometer)
        metadata.timeIncrement = TimeQuantity(2.5, .second)
        metadata.channels = (0..<shape[2]).map { index in
            MicroscopyChannel(
                name: ["DAPI", "GFP", "mCherry", "Cy5"][index % 4], color: index == 1 ? RGBAColor(red: 0, green: 255, blue: 0) : nil,
                emissionWavelength: index == 0 ? Length(461, .nanometer) : nil)
        }
        metadata.acquisitionDate = "2024-03-01T12:30:00"
        metadata.provenance = ["source": "generated", "format": "test"]
        metadata.annotations = ["Vendor.key": "value", "Vendor.number": "42"]
        return ArrayImage(pixels, metadata: metadata)
    }

    /// Values that vary along every axis, wrap around in small dtypes and are not smooth.
    static func pattern(_ t: Int, _ z: Int, _ c: Int, _ y: Int, _ x: Int, _ s: Int) -> Double {
        Double((x * 7 + y * 13 + z * 31 + c * 101 + t * 211 + s * 17 + (x * y) % 23) % 251)
    }

    /// A temporary folder, removed by the caller.
    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "omezarr-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The writer's pyramid computed the slow, obvious way (one output pixel at a time), in
/// OME-Zarr order (`t, c, z, y, x`).
enum ReferencePyramid {
    /// The model's `TZCYX[S]` pixels in OME-Zarr order (samples folded into channels).
    static func omeOrder(_ pixels: NDArray) -> NDArray {
        let shape = pixels.shape
        if shape.count == 6 {
            // [t, z, c, y, x, s] → [t, c, s, z, y, x] → [t, c·s, z, y, x]
            let moved = pixels.permuted([0, 2, 5, 1, 3, 4])
            return (try? moved.reshaped([shape[0], shape[2] * shape[5], shape[1], shape[3], shape[4]])) ?? moved
        }
        return pixels.permuted([0, 2, 1, 3, 4])
    }

    static func levels(_ level0: NDArray, count: Int, halvesZ: Bool, mean: Bool) -> [NDArray] {
        var result = [level0]
        while result.count < count, let last = result.last { result.append(halve(last, halvesZ: halvesZ, mean: mean)) }
        return result
    }

    static func halve(_ array: NDArray, halvesZ: Bool, mean: Bool) -> NDArray {
        let s = array.shape
        let out = [s[0], s[1], halvesZ ? (s[2] + 1) / 2 : s[2], (s[3] + 1) / 2, (s[4] + 1) / 2]
        let wide = array.dtype == .int64 || array.dtype == .uint64
        let input = wide ? [] : array.astype(.float64).scalars(as: Double.self)
        let integers: [Int64] = array.dtype == .int64 ? array.scalars(as: Int64.self) : []
        let unsigned: [UInt64] = array.dtype == .uint64 ? array.scalars(as: UInt64.self) : []
        var doubles: [Double] = [], signed: [Int64] = [], wideUnsigned: [UInt64] = []
        func index(_ t: Int, _ c: Int, _ z: Int, _ y: Int, _ x: Int) -> Int { (((t * s[1] + c) * s[2] + z) * s[3] + y) * s[4] + x }
        for t in 0..<out[0] {
            for c in 0..<out[1] {
                for z in 0..<out[2] {
                    for y in 0..<out[3] {
                        for x in 0..<out[4] {
                            let zs = halvesZ ? Array((2 * z)..<min(2 * z + 2, s[2])) : [z]
                            var members: [Int] = []
                            for zz in zs {
                                for yy in (2 * y)..<min(2 * y + 2, s[3]) {
                                    for xx in (2 * x)..<min(2 * x + 2, s[4]) { members.append(index(t, c, zz, yy, xx)) }
                                }
                            }
                            if !mean || array.dtype == .bool {
                                if wide {
                                    signed.append(integers.isEmpty ? 0 : integers[members[0]])
                                    wideUnsigned.append(unsigned.isEmpty ? 0 : unsigned[members[0]])
                                } else {
                                    doubles.append(input[members[0]])
                                }
                            } else if array.dtype == .int64 {
                                // Exact: the sum of at most eight values in 128 bits through two halves.
                                let n = Int64(members.count)
                                var quotient: Int64 = 0, remainder: Int64 = 0
                                for member in members {
                                    let value = integers[member]
                                    let q = value >= 0 ? value / n : -((-(value + 1)) / n) - 1
                                    quotient += q
                                    remainder += value - q * n
                                }
                                // mean = quotient + remainder / n, rounded half up.
                                let extra = Int64((Double(remainder) / Double(n) + 0.5).rounded(.down))
                                signed.append(quotient + extra)
                            } else if array.dtype == .uint64 {
                                let n = UInt64(members.count)
                                var quotient: UInt64 = 0, remainder: UInt64 = 0
                                for member in members {
                                    quotient += unsigned[member] / n
                                    remainder += unsigned[member] % n
                                }
                                wideUnsigned.append(quotient + UInt64((Double(remainder) / Double(n) + 0.5).rounded(.down)))
                            } else {
                                let sum = members.reduce(0.0) { $0 + input[$1] }
                                let value = sum / Double(members.count)
                                doubles.append(array.dtype.isFloatingPoint ? value : (value + 0.5).rounded(.down))
                            }
                        }
                    }
                }
            }
        }
        switch array.dtype {
        case .int64: return (try? NDArray(signed, shape: out)) ?? array
        case .uint64: return (try? NDArray(wideUnsigned, shape: out)) ?? array
        case .float32:
            // Summed in double precision, then rounded once to float32, as the writer does.
            return (try? NDArray(doubles.map { Float($0) }, shape: out)) ?? array
        default: return ((try? NDArray(doubles, shape: out)) ?? array).astype(array.dtype)
        }
    }
}
