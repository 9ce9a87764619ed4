#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The 1-D Gaussian that skimage's resize uses for anti-aliasing along one axis:
/// `scipy.ndimage.gaussian_filter1d(sigma, truncate=4.0, mode='mirror')`.
///
/// The kernel is built like scipy builds it (exp of `-0.5 / σ² · x²`, normalised by numpy's
/// pairwise sum), and applied with scipy's symmetric-kernel loop `(left + right) · w`, outer
/// taps first, so that sums round the same way.
///
/// `exp` is the C library's, as numpy's is on most machines. On AVX-512 CPUs numpy uses its own
/// SIMD exp, which differs in the last bit for a few arguments; the kernel then differs by an ulp
/// and float64 results by a few 1e-16 relative (measured; integer results were unaffected).
struct GaussianKernel: Sendable {
    /// Number of taps on each side of the centre (`int(4σ + 0.5)`).
    let radius: Int
    /// `weights[j]` is the weight at offset ±j, `j` in `0...radius`.
    let weights: [Double]

    /// The kernel for `sigma`, or nil when scipy would skip the axis (σ ≤ 1e-15).
    init?(sigma: Double) {
        guard sigma > 1e-15, sigma.isFinite else { return nil }
        let radius = Int(4.0 * sigma + 0.5)
        let exponentScale = -0.5 / (sigma * sigma)
        let full = (-radius...radius).map { offset in
            exp(exponentScale * Double(offset * offset))
        }
        let total = NumpySum.pairwise(full)
        self.radius = radius
        self.weights = (0...radius).map { full[radius + $0] / total }
    }

    /// Filters every column (axis 0) of a row-major `height × width` plane from `source` into
    /// `destination`, optionally rounding each result to `Float` as a float32 array would store it.
    ///
    /// Rows are combined whole so the inner loop runs along contiguous memory; each output
    /// element still sees exactly scipy's sequence of operations.
    func filterColumns(
        _ source: UnsafePointer<Double>, into destination: UnsafeMutablePointer<Double>,
        height: Int, width: Int, roundToFloat: Bool
    ) {
        let center = weights[0]
        for row in 0..<height {
            let out = destination + row * width
            let middle = source + row * width
            for column in 0..<width { out[column] = middle[column] * center }
            var offset = radius
            while offset > 0 {
                let above = source + MirrorBoundary.index(row - offset, length: height) * width
                let below = source + MirrorBoundary.index(row + offset, length: height) * width
                let weight = weights[offset]
                for column in 0..<width { out[column] += (above[column] + below[column]) * weight }
                offset -= 1
            }
            if roundToFloat {
                for column in 0..<width { out[column] = Double(Float(out[column])) }
            }
        }
    }

    /// Filters every row (axis 1) of a row-major `height × width` plane from `source` into
    /// `destination`; `line` is scratch space of at least `width + 2 * radius` elements.
    func filterRows(
        _ source: UnsafePointer<Double>, into destination: UnsafeMutablePointer<Double>,
        height: Int, width: Int, roundToFloat: Bool, line: UnsafeMutablePointer<Double>
    ) {
        let center = weights[0]
        let centre = line + radius
        for row in 0..<height {
            let input = source + row * width
            // A mirrored copy of the row lets the tap loop run without boundary checks.
            centre.update(from: input, count: width)
            var k = 1
            while k <= radius {
                centre[-k] = input[MirrorBoundary.index(-k, length: width)]
                centre[width - 1 + k] = input[MirrorBoundary.index(width - 1 + k, length: width)]
                k += 1
            }
            let out = destination + row * width
            // Tap by tap over the whole row (outer taps first, as scipy adds them), so the inner
            // loop is independent across columns.
            for column in 0..<width { out[column] = centre[column] * center }
            var offset = radius
            while offset > 0 {
                let left = centre - offset
                let right = centre + offset
                let weight = weights[offset]
                for column in 0..<width { out[column] += (left[column] + right[column]) * weight }
                offset -= 1
            }
            if roundToFloat {
                for column in 0..<width { out[column] = Double(Float(out[column])) }
            }
        }
    }
}
