import Foundation
import ImMetaIO

/// Generated test images and scratch folders.
enum TestImages {
    /// A deterministic pseudo-random generator (xorshift), so failures reproduce.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// A smooth gradient with a little noise: compressible like real photos, not trivially so.
    static func gradient(height: Int, width: Int, channels: Int, dtype: DType = .uint8, seed: UInt64 = 1) throws -> NDArray {
        var generator = Generator(state: seed | 1)
        let shape = channels == 0 ? [height, width] : [height, width, channels]
        let count = height * width * max(channels, 1)
        let maximum = dtype == .uint16 ? 65535.0 : 255.0
        var values = [Double](repeating: 0, count: count)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<max(channels, 1) {
                    let base = (Double(x) / Double(max(width, 2) - 1) * 0.6 + Double(y) / Double(max(height, 2) - 1) * 0.3
                        + Double(c) * 0.05)
                    let noise = Double(generator.next() % 16) / 255
                    values[(y * width + x) * max(channels, 1) + c] = min(base + noise, 1) * maximum
                }
            }
        }
        return try NDArray(values, shape: shape).astype(dtype)
    }

    /// A fresh temporary folder, removed by the caller with `FileManager.default.removeItem`.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "immetaio-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Peak signal-to-noise ratio of two uint8 arrays of one shape, in dB.
    static func psnr(_ a: NDArray, _ b: NDArray) -> Double {
        let x = a.scalars(as: UInt8.self), y = b.scalars(as: UInt8.self)
        var sum = 0.0
        for i in x.indices {
            let d = Double(x[i]) - Double(y[i])
            sum += d * d
        }
        let mse = sum / Double(x.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}
