/// numpy's floating-point `sum` of a contiguous float64 array, reproduced for its rounding.
///
/// scipy normalises the Gaussian kernel with `phi.sum()`; numpy adds with eight interleaved
/// accumulators and halves long arrays recursively, so a plain left-to-right sum can differ by
/// an ulp, which is enough to move an interpolated value across an integer after `astype`.
enum NumpySum {
    /// The sum numpy's `add.reduce` returns: identity 0 plus the pairwise sum of all values.
    static func pairwise(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { buffer in 0.0 + pairwise(buffer[...]) }
    }

    /// Pairwise summation of one slice (numpy's block size: 128, unrolled by 8).
    private static func pairwise(_ values: Slice<UnsafeBufferPointer<Double>>) -> Double {
        let count = values.count
        let start = values.startIndex
        if count < 8 {
            var sum = 0.0
            for value in values { sum += value }
            return sum
        }
        if count <= 128 {
            var partial = (0..<8).map { values[start + $0] }
            let blockEnd = count - count % 8
            var i = 8
            while i < blockEnd {
                for lane in 0..<8 { partial[lane] += values[start + i + lane] }
                i += 8
            }
            var sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
                + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
            while i < count {
                sum += values[start + i]
                i += 1
            }
            return sum
        }
        // Split near the middle on a multiple of 8, as numpy does.
        var half = count / 2
        half -= half % 8
        return pairwise(values[start..<(start + half)]) + pairwise(values[(start + half)...])
    }
}
