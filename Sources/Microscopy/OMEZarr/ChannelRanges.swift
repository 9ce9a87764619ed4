import Foundation

/// The smallest and largest value of each channel, gathered from the full-resolution blocks as
/// they stream past (for `omero.channels[].window`). NaNs are skipped.
///
/// `@unchecked Sendable`: the arrays are only touched under the lock.
final class ChannelRanges: @unchecked Sendable {
    private var lows: [Double]
    private var highs: [Double]
    private let lock = NSLock()

    init(channels: Int) {
        lows = Array(repeating: .infinity, count: channels)
        highs = Array(repeating: -.infinity, count: channels)
    }

    /// The range of each channel, `nil` for a channel with no (non-NaN) value.
    var ranges: [ClosedRange<Double>?] {
        lock.withLock { zip(lows, highs).map { $0 <= $1 ? $0...$1 : nil } }
    }

    /// Counts in a block of shape `[t, c, z, y, x]` holding channels from `firstChannel` on.
    func update(with block: NDArray, firstChannel: Int) {
        let values = block.dtype == .float16 ? block.astype(.float32) : block
        let shape = values.shape
        let (times, channels, plane) = (shape[0], shape[1], shape[2] * shape[3] * shape[4])
        var found: [(Double, Double)] = Array(repeating: (.infinity, -.infinity), count: channels)
        values.withUnsafeBytes { raw in
            for t in 0..<times {
                for c in 0..<channels {
                    let start = (t * channels + c) * plane
                    let range: (Double, Double)?
                    switch values.dtype {
                    case .bool, .uint8: range = Self.integerRange(raw, start, plane, as: UInt8.self)
                    case .int8: range = Self.integerRange(raw, start, plane, as: Int8.self)
                    case .uint16: range = Self.integerRange(raw, start, plane, as: UInt16.self)
                    case .int16: range = Self.integerRange(raw, start, plane, as: Int16.self)
                    case .uint32: range = Self.integerRange(raw, start, plane, as: UInt32.self)
                    case .int32: range = Self.integerRange(raw, start, plane, as: Int32.self)
                    case .uint64: range = Self.integerRange(raw, start, plane, as: UInt64.self)
                    case .int64: range = Self.integerRange(raw, start, plane, as: Int64.self)
                    case .float64: range = Self.floatRange(raw, start, plane, as: Double.self)
                    default: range = Self.floatRange(raw, start, plane, as: Float.self)
                    }
                    if let range {
                        found[c] = (min(found[c].0, range.0), max(found[c].1, range.1))
                    }
                }
            }
        }
        lock.withLock {
            for (offset, range) in found.enumerated() where firstChannel + offset < lows.count {
                lows[firstChannel + offset] = min(lows[firstChannel + offset], range.0)
                highs[firstChannel + offset] = max(highs[firstChannel + offset], range.1)
            }
        }
    }

    private static func integerRange<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int, as: T.Type)
        -> (Double, Double)?
    {
        guard count > 0 else { return nil }
        let values = UnsafeBufferPointer(rebasing: raw.bindMemory(to: T.self)[start..<(start + count)])
        var low = T.max, high = T.min
        for value in values {
            low = min(low, value)
            high = max(high, value)
        }
        return (Double(low), Double(high))
    }

    private static func floatRange<T: BinaryFloatingPoint>(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int, as: T.Type)
        -> (Double, Double)?
    {
        let values = UnsafeBufferPointer(rebasing: raw.bindMemory(to: T.self)[start..<(start + count)])
        var low = T.infinity, high = -T.infinity
        for value in values where !value.isNaN {
            low = min(low, value)
            high = max(high, value)
        }
        return low <= high ? (Double(low), Double(high)) : nil
    }
}
