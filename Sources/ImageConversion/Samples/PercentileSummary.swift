/// Two percentiles and the extremes of the finite values in one part of a buffer, found in O(n): a
/// histogram for integer types of at most 16 bits, otherwise quickselect on a copy of the finite values.
///
/// Percentiles follow NumPy's default ("linear") definition so that windows match what Python users
/// compute: sorted finite values `x[0…n-1]`, position `h = (n − 1) · p / 100`, value
/// `x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋+1] − x[⌊h⌋])`.
struct PercentileSummary: Equatable {
    /// The lower percentile.
    var low: Double
    /// The upper percentile.
    var high: Double
    /// Smallest finite value (exact even when percentiles are estimated from a subsample).
    var minimum: Double
    /// Largest finite value (exact).
    var maximum: Double

    /// Summarises `values[range]`, or returns nil when it holds no finite value. Percentiles are clamped
    /// to 0…100. Past `sampleLimit` elements (≥ 1) the selection path estimates percentiles from a regular
    /// stride through the range so that its scratch copy stays bounded; the histogram path needs no copy
    /// and is always exact.
    static func compute<T: DisplayScalar>(
        _ values: UnsafeBufferPointer<T>, range: Range<Int>, low: Double, high: Double, sampleLimit: Int
    ) -> PercentileSummary? {
        // A NaN percentile means "unspecified": widest window on that side.
        let low = low.isNaN ? 0 : min(max(low, 0), 100)
        let high = high.isNaN ? 100 : min(max(high, 0), 100)
        if let histogramRange = T.histogramRange {
            return fromHistogram(values, range: range, histogramRange: histogramRange, low: low, high: high)
        }
        return bySelection(values, range: range, low: low, high: high, sampleLimit: max(sampleLimit, 1))
    }

    /// The interpolation position of percentile `p` among `count` sorted values: (index, fraction).
    static func position(of p: Double, count: Int) -> (index: Int, fraction: Double) {
        let h = Double(count - 1) * p / 100
        let index = min(max(Int(h.rounded(.down)), 0), count - 1)
        return (index, min(max(h - Double(index), 0), 1))
    }

    /// Linear interpolation written so that equal endpoints return exactly that value.
    static func interpolate(_ a: Double, _ b: Double, _ t: Double) -> Double {
        t == 0 || a == b ? a : a + (b - a) * t
    }

    // MARK: Histogram path

    /// Exact percentiles of a ≤ 16-bit integer range from one counting pass (512 KiB of bins at most).
    private static func fromHistogram<T: DisplayScalar>(
        _ values: UnsafeBufferPointer<T>, range: Range<Int>, histogramRange: ClosedRange<Int>,
        low: Double, high: Double
    ) -> PercentileSummary? {
        guard !range.isEmpty else { return nil }
        let offset = histogramRange.lowerBound
        var counts = [Int](repeating: 0, count: histogramRange.count)
        for index in range {
            // Integers of ≤ 16 bits convert to Double exactly, and back.
            counts[Int(values[index].displayValue) - offset] += 1
        }
        let total = range.count
        let lowPosition = position(of: low, count: total)
        let highPosition = position(of: high, count: total)
        // Every rank the interpolation needs, read off in one cumulative pass.
        let ranks = [
            lowPosition.index, min(lowPosition.index + 1, total - 1),
            highPosition.index, min(highPosition.index + 1, total - 1),
        ]
        let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
        var found = [Double](repeating: 0, count: ranks.count)
        var next = 0
        var seen = 0
        var minimum = Double.nan
        var maximum = Double.nan
        for (bin, count) in counts.enumerated() where count > 0 {
            let value = Double(bin + offset)
            if minimum.isNaN { minimum = value }
            maximum = value
            seen += count
            while next < order.count && ranks[order[next]] < seen {
                found[order[next]] = value
                next += 1
            }
        }
        return PercentileSummary(
            low: interpolate(found[0], found[1], lowPosition.fraction),
            high: interpolate(found[2], found[3], highPosition.fraction),
            minimum: minimum, maximum: maximum)
    }

    // MARK: Selection path

    /// Percentiles by quickselect on a copy of the finite values (subsampled past `sampleLimit`).
    private static func bySelection<T: DisplayScalar>(
        _ values: UnsafeBufferPointer<T>, range: Range<Int>, low: Double, high: Double, sampleLimit: Int
    ) -> PercentileSummary? {
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var sample: [Double] = []
        // Stride so that at most `sampleLimit` elements are copied (ceiling division).
        let step = range.count > sampleLimit ? (range.count - 1) / sampleLimit + 1 : 1
        sample.reserveCapacity(min(range.count, sampleLimit))
        if step == 1 {
            for index in range {
                let value = values[index].displayValue
                guard value.isFinite else { continue }
                minimum = min(minimum, value)
                maximum = max(maximum, value)
                sample.append(value)
            }
        } else {
            // Extremes from every element, percentiles from the regular subsample.
            for index in range {
                let value = values[index].displayValue
                guard value.isFinite else { continue }
                minimum = min(minimum, value)
                maximum = max(maximum, value)
            }
            for index in stride(from: range.lowerBound, to: range.upperBound, by: step) {
                let value = values[index].displayValue
                if value.isFinite { sample.append(value) }
            }
        }
        guard minimum <= maximum else { return nil }
        if sample.isEmpty { return PercentileSummary(low: minimum, high: maximum, minimum: minimum, maximum: maximum) }
        let count = sample.count
        let lowPosition = position(of: low, count: count)
        let highPosition = position(of: high, count: count)
        return sample.withUnsafeMutableBufferPointer { buffer in
            // Percentiles are monotonic, so select the smaller rank first and the larger one only in the
            // part above it; each "next value" is the minimum of the part above its rank.
            let (first, second) = lowPosition.index <= highPosition.index
                ? (lowPosition, highPosition) : (highPosition, lowPosition)
            select(buffer, rank: first.index, in: 0..<count)
            let firstValue = buffer[first.index]
            let firstNext = first.index + 1 < count
                ? smallest(in: buffer, range: (first.index + 1)..<count) : firstValue
            var secondValue = firstValue
            if second.index > first.index {
                select(buffer, rank: second.index, in: (first.index + 1)..<count)
                secondValue = buffer[second.index]
            }
            let secondNext = second.index + 1 < count
                ? smallest(in: buffer, range: (second.index + 1)..<count) : secondValue
            let firstResult = interpolate(firstValue, firstNext, first.fraction)
            let secondResult = interpolate(secondValue, secondNext, second.fraction)
            let swapped = lowPosition.index > highPosition.index
            return PercentileSummary(
                low: swapped ? secondResult : firstResult, high: swapped ? firstResult : secondResult,
                minimum: minimum, maximum: maximum)
        }
    }

    /// The smallest value in `buffer[range]` (the value of the next rank after a selection).
    private static func smallest(in buffer: UnsafeMutableBufferPointer<Double>, range: Range<Int>) -> Double {
        var result = Double.infinity
        for index in range { result = min(result, buffer[index]) }
        return result
    }

    /// Quickselect: afterwards `buffer[rank]` holds the value of that rank within `range`, with smaller or
    /// equal values before it and larger or equal after. Three-way partitioning keeps runs of equal
    /// values (the zero sky of sparse astronomy frames) linear, pivots are medians of three pseudo-random
    /// elements so sorted or periodic data cannot force quadratic time, and after a generous number of
    /// rounds the remaining part is sorted, which bounds the worst case at O(n log n).
    static func select(_ buffer: UnsafeMutableBufferPointer<Double>, rank: Int, in range: Range<Int>) {
        guard range.contains(rank) else { return }
        var lower = range.lowerBound
        var upper = range.upperBound - 1
        var rounds = 4 * (Int.bitWidth - range.count.leadingZeroBitCount) + 16
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: range.count))
        while lower < upper {
            if rounds == 0 {
                var rest = UnsafeMutableBufferPointer(rebasing: buffer[lower...upper])
                rest.sort()
                return
            }
            rounds -= 1
            let span = UInt64(upper - lower + 1)
            let a = buffer[lower + Int(random.next() % span)]
            let b = buffer[lower + Int(random.next() % span)]
            let c = buffer[lower + Int(random.next() % span)]
            let pivot = max(min(a, b), min(max(a, b), c))
            // Dijkstra's three-way partition: [lower, less) < pivot, [less, index) == pivot, (greater, upper] > pivot.
            var less = lower
            var index = lower
            var greater = upper
            while index <= greater {
                let value = buffer[index]
                if value < pivot {
                    buffer.swapAt(less, index)
                    less += 1
                    index += 1
                } else if value > pivot {
                    buffer.swapAt(index, greater)
                    greater -= 1
                } else {
                    index += 1
                }
            }
            if rank < less {
                upper = less - 1
            } else if rank > greater {
                lower = greater + 1
            } else {
                return
            }
        }
    }
}
