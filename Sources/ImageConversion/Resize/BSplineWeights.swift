/// Interpolation weights of the centred B-spline of degree 1…5 for one sample coordinate.
///
/// The polynomial pieces are evaluated in the same algebraic form scipy.ndimage uses
/// (`get_spline_interpolation_weights`), and the last weight is `1 − Σ others` as there;
/// a different but mathematically equal form would drift by an ulp and flip integer
/// truncations after `astype`.
enum BSplineWeights {
    /// The first input sample the spline of `order` touches for `coordinate`
    /// (`order + 1` consecutive samples start there, before boundary mapping).
    static func firstTap(coordinate: Double, order: Int) -> Int {
        // Odd degrees have knots at integers, even degrees at half-integers.
        let anchor = order % 2 == 1 ? coordinate.rounded(.down) : (coordinate + 0.5).rounded(.down)
        return Int(anchor) - order / 2
    }

    /// Writes the `order + 1` weights for `coordinate` into `weights[0...order]`.
    ///
    /// `order` must be 1…5 (order 0 uses no weights: the nearest sample is copied).
    static func fill(coordinate: Double, order: Int, into weights: UnsafeMutableBufferPointer<Double>) {
        // Distance to the middle knot: [0, 1) for odd degrees, (-0.5, 0.5] for even ones.
        let x = coordinate - (order % 2 == 1 ? coordinate : coordinate + 0.5).rounded(.down)
        switch order {
        case 1:
            weights[0] = 1.0 - x
        case 2:
            weights[1] = 0.75 - x * x
            let y = 0.5 - x
            weights[0] = 0.5 * y * y
        case 3:
            let z = 1.0 - x
            weights[1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0
            weights[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0
            weights[0] = z * z * z / 6.0
        case 4:
            let t = x * x
            weights[2] = t * (t * 0.25 - 0.625) + 115.0 / 192.0
            let y = 1.0 + x
            weights[1] = y * (y * (y * (5.0 - y) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0
            let z = 1.0 - x
            weights[3] = z * (z * (z * (5.0 - z) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0
            let u = 0.5 - x
            let uu = u * u
            weights[0] = uu * uu / 24.0
        case 5:
            var t = x * x
            weights[2] = t * (t * (0.25 - x / 12.0) - 0.5) + 0.55
            let z = 1.0 - x
            t = z * z
            weights[3] = t * (t * (0.25 - z / 12.0) - 0.5) + 0.55
            let y1 = x + 1.0
            weights[1] = y1 * (y1 * (y1 * (y1 * (y1 / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
            let z1 = z + 1.0
            weights[4] = z1 * (z1 * (z1 * (z1 * (z1 / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
            let u = 1.0 - x
            t = u * u
            weights[0] = u * t * t / 120.0
        default:
            // Unreachable: PlaneResizer validates the order. Keep the buffer well-defined.
            for i in 0..<order { weights[i] = 0 }
        }
        // The weights sum to one, so the last is derived from the others.
        var last = 1.0
        for i in 0..<order { last -= weights[i] }
        weights[order] = last
    }
}
