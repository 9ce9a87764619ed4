/// Precomputed sampling of one axis for `scipy.ndimage.zoom(..., grid_mode=True, mode='mirror')`:
/// for every output position, the `order + 1` input indices it reads (already mirrored at the
/// edges) and their spline weights.
///
/// Computed once per (input length, output length, order) so that resizing many planes of the
/// same size costs only the multiply-adds.
struct ZoomAxis: Sendable {
    /// Number of input samples each output sample reads (`order + 1`).
    let taps: Int
    /// Input indices, `taps` per output position, row after row.
    let indices: [Int]
    /// Spline weights matching `indices` (all 1 for order 0, where they are not used).
    let weights: [Double]

    /// Builds the table for resampling `inputLength` samples onto `outputLength` samples.
    ///
    /// Both lengths must be at least 1 and `order` in 0…5 (checked by `PlaneResizer`).
    init(inputLength: Int, outputLength: Int, order: Int) {
        let taps = order + 1
        // zoom() with grid_mode divides the shapes: pixel k's centre k + 0.5 in output units
        // lands on (k + 0.5) * in / out in input units.
        let scale = Double(inputLength) / Double(outputLength)
        var indices = [Int](repeating: 0, count: outputLength * taps)
        var weights = [Double](repeating: 1, count: outputLength * taps)
        weights.withUnsafeMutableBufferPointer { allWeights in
            for k in 0..<outputLength {
                // Same three roundings as scipy: add, multiply, subtract.
                var coordinate = Double(k)
                coordinate += 0.5
                coordinate *= scale
                coordinate -= 0.5
                coordinate = MirrorBoundary.coordinate(coordinate, length: inputLength)
                let first = BSplineWeights.firstTap(coordinate: coordinate, order: order)
                for h in 0..<taps {
                    indices[k * taps + h] = MirrorBoundary.index(first + h, length: inputLength)
                }
                if order > 0, let base = allWeights.baseAddress {
                    BSplineWeights.fill(
                        coordinate: coordinate, order: order,
                        into: UnsafeMutableBufferPointer(start: base + k * taps, count: taps))
                }
            }
        }
        self.taps = taps
        self.indices = indices
        self.weights = weights
    }
}
