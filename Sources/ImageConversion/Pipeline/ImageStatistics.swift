import NDArrayModule

/// Minimum, maximum, mean and standard deviation (population, as numpy's `std`) of a stored
/// image; NaN values are left out (as numpy's `nan*` functions), and an image with no other
/// value has NaN for all four.
public struct ImageStatistics: Sendable, Hashable {
    /// The smallest value.
    public var minimum: Double
    /// The largest value.
    public var maximum: Double
    /// The mean.
    public var mean: Double
    /// The population standard deviation.
    public var standardDeviation: Double

    /// Statistics of the elements of `dtype` in `bytes`.
    static func of(_ bytes: UnsafeRawBufferPointer, dtype: DType) -> ImageStatistics {
        switch dtype {
        case .bool, .uint8: Self.bytes(bytes.bindMemory(to: UInt8.self))
        case .uint16: integers(bytes.bindMemory(to: UInt16.self))
        case .int8: integers(bytes.bindMemory(to: Int8.self))
        case .int16: integers(bytes.bindMemory(to: Int16.self))
        case .uint32: floats(bytes.bindMemory(to: UInt32.self).lazy.map(Double.init))
        case .int32: floats(bytes.bindMemory(to: Int32.self).lazy.map(Double.init))
        case .uint64: floats(bytes.bindMemory(to: UInt64.self).lazy.map(Double.init))
        case .int64: floats(bytes.bindMemory(to: Int64.self).lazy.map(Double.init))
        case .float16:
            NDArray(unsafeUninitializedShape: [bytes.count / 2], dtype: .float16) { $0.copyMemory(from: bytes) }.astype(.float64)
                .withUnsafeBytes { floats($0.bindMemory(to: Double.self).lazy.map { $0 }) }
        case .float32: floats(bytes.bindMemory(to: Float.self).lazy.map(Double.init))
        case .float64: floats(bytes.bindMemory(to: Double.self).lazy.map { $0 })
        }
    }

    /// 8-bit images in blocks whose 32-bit sums cannot overflow (4,096 × 255² < 2³²): a loop
    /// the compiler turns into vector minimum, maximum and widening multiply-adds.
    private static func bytes(_ values: UnsafeBufferPointer<UInt8>) -> ImageStatistics {
        guard !values.isEmpty else { return .empty }
        var low = UInt8.max, high = UInt8.min
        var sum: UInt64 = 0, squares: UInt64 = 0
        var start = 0
        while start < values.count {
            let end = min(values.count, start + 4096)
            var blockSum: UInt32 = 0, blockSquares: UInt32 = 0
            for index in start..<end {
                let value = values[index]
                low = min(low, value)
                high = max(high, value)
                let wide = UInt32(value)
                blockSum &+= wide
                blockSquares &+= wide &* wide
            }
            sum += UInt64(blockSum)
            squares += UInt64(blockSquares)
            start = end
        }
        let count = Double(values.count)
        let mean = Double(sum) / count
        return ImageStatistics(
            minimum: Double(low), maximum: Double(high), mean: mean,
            standardDeviation: max(0, Double(squares) / count - mean * mean).squareRoot())
    }

    /// Exact sums in integers (no rounding until the end), in blocks small enough that the sum
    /// of squares cannot overflow (for elements of at most 16 bits).
    private static func integers<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>) -> ImageStatistics {
        guard !values.isEmpty else { return .empty }
        var low = T.max, high = T.min
        var sum = 0.0, squares = 0.0
        let block = 1 << 12
        var start = 0
        while start < values.count {
            let end = min(values.count, start + block)
            var blockSum: Int64 = 0
            var blockSquares: UInt64 = 0
            for index in start..<end {
                let value = values[index]
                low = Swift.min(low, value)
                high = Swift.max(high, value)
                let wide = Int64(value)
                blockSum &+= wide
                blockSquares &+= UInt64(bitPattern: wide &* wide)
            }
            sum += Double(blockSum)
            squares += Double(blockSquares)
            start = end
        }
        let count = Double(values.count)
        let mean = sum / count
        return ImageStatistics(
            minimum: Double(low), maximum: Double(high), mean: mean, standardDeviation: (max(0, squares / count - mean * mean)).squareRoot())
    }

    /// Two passes (mean, then squared deviations) for accuracy with large float values.
    private static func floats<S: Sequence>(_ values: S) -> ImageStatistics where S.Element == Double {
        var low = Double.infinity, high = -Double.infinity, sum = 0.0, count = 0
        for value in values where !value.isNaN {
            low = min(low, value)
            high = max(high, value)
            sum += value
            count += 1
        }
        guard count > 0 else { return .empty }
        let mean = sum / Double(count)
        var deviations = 0.0
        for value in values where !value.isNaN { deviations += (value - mean) * (value - mean) }
        return ImageStatistics(minimum: low, maximum: high, mean: mean, standardDeviation: (deviations / Double(count)).squareRoot())
    }

    static let empty = ImageStatistics(minimum: .nan, maximum: .nan, mean: .nan, standardDeviation: .nan)
}
