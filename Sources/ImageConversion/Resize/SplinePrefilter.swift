#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns samples into B-spline coefficients for orders 2…5, as
/// `scipy.ndimage.spline_filter(..., mode='mirror')` does before zoom interpolates.
///
/// Each pole is a causal then an anticausal first-order recursion (Unser, Aldroubi & Eden 1991);
/// the mirror boundary fixes how the two recursions start. The arithmetic follows scipy's
/// order of operations so that coefficients, and hence interpolated values, agree to the bit.
struct SplinePrefilter: Sendable {
    /// The filter poles of the spline degree (order / 2 of them).
    let poles: [Double]
    /// The gain that makes the recursive filter interpolating: Π (1 − z)(1 − 1/z).
    let gain: Double

    /// The prefilter for `order` (2…5), or nil for orders 0 and 1 that need none.
    init?(order: Int) {
        // Roots of the B-spline's discrete transfer function, as literals so they are exactly
        // the doubles scipy uses (closed forms in the comments).
        switch order {
        case 2: poles = [-0.171572875253809902396622551580603843]  // √8 − 3
        case 3: poles = [-0.267949192431122706472553658494127633]  // √3 − 2
        case 4:
            poles = [
                -0.361341225900220177092212841325675255,  // √(664 − √438976) + √304 − 19
                -0.013725429297339121360331226939128204,  // √(664 + √438976) − √304 − 19
            ]
        case 5:
            poles = [
                -0.430575347099973791851434783493520110,  // √(67.5 − √4436.25) + √26.25 − 6.5
                -0.043096288203264653822712376822550182,  // √(67.5 + √4436.25) − √26.25 − 6.5
            ]
        default: return nil
        }
        var gain = 1.0
        for z in poles { gain *= (1.0 - z) * (1.0 - 1.0 / z) }
        self.gain = gain
    }

    /// Rows transposed together by `filterRows`; their samples sit side by side in the scratch.
    static let rowBlock = 16

    /// Filters every row (axis 1) of a `height × width` plane in place; `scratch` must hold
    /// `rowBlock * width` values.
    func filterRows(_ plane: UnsafeMutablePointer<Double>, height: Int, width: Int, scratch: UnsafeMutablePointer<Double>) {
        guard width > 1 else { return }
        // The recursions are serial along a row. Transposing a block of rows makes the same
        // sample of every row adjacent in memory, so one recursion step runs on all of them at
        // once (vectorised), exactly as the column pass does.
        var top = 0
        while top < height {
            let lines = min(Self.rowBlock, height - top)
            for r in 0..<lines {
                let row = plane + (top + r) * width
                for i in 0..<width { scratch[i * lines + r] = row[i] }
            }
            filter(scratch, count: width, pitch: lines, lines: lines)
            for r in 0..<lines {
                let row = plane + (top + r) * width
                for i in 0..<width { row[i] = scratch[i * lines + r] }
            }
            top += lines
        }
    }

    /// Filters every column (axis 0) of a `height × width` plane in place.
    func filterColumns(_ plane: UnsafeMutablePointer<Double>, height: Int, width: Int) {
        // Strips of columns keep the working set (strip × height) in cache across the passes.
        let strip = 64
        var left = 0
        while left < width {
            filter(plane + left, count: height, pitch: width, lines: min(strip, width - left))
            left += strip
        }
    }

    /// Filters `lines` side-by-side lines of `count` samples in place: sample `i` of line `l` is
    /// at `base[i * pitch + l]`. Every sample sees scipy's per-line sequence of operations.
    private func filter(_ base: UnsafeMutablePointer<Double>, count n: Int, pitch: Int, lines: Int) {
        // scipy leaves single-sample lines untouched (not even the gain is applied).
        guard n > 1 else { return }
        func sample(_ i: Int) -> UnsafeMutablePointer<Double> { base + i * pitch }
        for i in 0..<n {
            let c = sample(i)
            for l in 0..<lines { c[l] *= gain }
        }
        for z in poles {
            // Causal start: the infinite sum over the mirrored signal, folded onto the line.
            let zLast = pow(z, Double(n - 1))
            let first = sample(0)
            let last = sample(n - 1)
            for l in 0..<lines { first[l] += zLast * last[l] }
            var zi = z
            var i = 1
            while i < n - 1 {
                let a = sample(i)
                let b = sample(n - 1 - i)
                for l in 0..<lines { first[l] += zi * (a[l] + zLast * b[l]) }
                zi *= z
                i += 1
            }
            let denominator = 1 - zLast * zLast
            for l in 0..<lines { first[l] /= denominator }
            // Causal recursion.
            for i in 1..<n {
                let current = sample(i)
                let previous = sample(i - 1)
                for l in 0..<lines { current[l] += z * previous[l] }
            }
            // Anticausal start for a mirrored signal, then the anticausal recursion.
            let beforeLast = sample(n - 2)
            let scale = z * z - 1
            for l in 0..<lines { last[l] = (z * beforeLast[l] + last[l]) * z / scale }
            var j = n - 2
            while j >= 0 {
                let current = sample(j)
                let next = sample(j + 1)
                for l in 0..<lines { current[l] = z * (next[l] - current[l]) }
                j -= 1
            }
        }
    }
}
