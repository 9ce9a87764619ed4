/// The input plane's value range, used for skimage's `clip=True` step.
///
/// skimage takes `min`/`max` of the input (falling back to `nanmin`/`nanmax` when the minimum is
/// NaN) and applies `np.clip`, which keeps NaN outputs as NaN. Clipping is what keeps the later
/// float → integer `astype` inside the integer type's range.
struct ValueRange: Sendable {
    /// Smallest non-NaN input value (NaN when every value is NaN).
    let lower: Double
    /// Largest non-NaN input value (NaN when every value is NaN).
    let upper: Double

    /// Scans `count` values starting at `values`.
    init(_ values: UnsafePointer<Double>, count: Int) {
        // Four independent running bounds keep the loop from being one long dependency chain.
        // `v < low ? v : low` never picks NaN once `low` is a number, so NaNs are skipped;
        // starting from ±infinity, an all-NaN plane ends with lower > upper.
        var low = SIMD4<Double>(repeating: .infinity)
        var high = SIMD4<Double>(repeating: -.infinity)
        var k = 0
        while k + 4 <= count {
            let v = SIMD4(values[k], values[k + 1], values[k + 2], values[k + 3])
            low = low.replacing(with: v, where: v .< low)
            high = high.replacing(with: v, where: v .> high)
            k += 4
        }
        var lower = low.min()
        var upper = high.max()
        while k < count {
            let value = values[k]
            if value < lower { lower = value }
            if value > upper { upper = value }
            k += 1
        }
        if lower > upper {
            lower = .nan
            upper = .nan
        }
        self.lower = lower
        self.upper = upper
    }

    /// Clamps `count` values in place into `lower...upper`, leaving NaN values NaN and turning
    /// everything into NaN when the bounds are NaN, as `np.clip` does.
    func clip(_ values: UnsafeMutablePointer<Double>, count: Int) {
        if lower.isNaN || upper.isNaN {
            for k in 0..<count { values[k] = .nan }
            return
        }
        for k in 0..<count {
            let value = values[k]
            if value < lower {
                values[k] = lower
            } else if value > upper {
                values[k] = upper
            }
        }
    }
}
