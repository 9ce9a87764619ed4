/// The whole-sample mirror boundary (`d c b | a b c d | c b a`) that skimage's default resize
/// mode `'reflect'` becomes in scipy.ndimage (`'mirror'`).
///
/// Every step of the resize (Gaussian anti-aliasing, spline prefilter, interpolation) extends
/// the plane this way, so the rules live in one place. They follow scipy's `map_coordinate`
/// arithmetic step for step, because the mapped fractional coordinate feeds the spline weights
/// and must match to the last bit.
enum MirrorBoundary {
    /// Maps an integer sample index to the index it mirrors onto inside `0..<length`.
    ///
    /// The signal is periodic with period `2 * length - 2`; a single-sample line maps every
    /// index to 0 (scipy switches to edge replication there, which gives the same result).
    static func index(_ index: Int, length: Int) -> Int {
        if index >= 0 && index < length { return index }
        if length <= 1 { return 0 }
        let period = 2 * length - 2
        if index < 0 {
            // First fold into (-period, 0], then reflect about 0 or about the last sample.
            let folded = period * (-index / period) + index
            return folded <= 1 - length ? folded + period : -folded
        }
        let folded = index - period * (index / period)
        return folded >= length ? period - folded : folded
    }

    /// Folds a fractional coordinate that lies outside `[0, length - 1]` into `[0, length)`.
    ///
    /// Coordinates already inside are returned unchanged (scipy only maps those outside), and,
    /// as in scipy, positions between the last sample and `length` stay put: the mirrored spline
    /// taps give the same value there. The operation order mirrors scipy's, so results agree bit
    /// for bit.
    static func coordinate(_ coordinate: Double, length: Int) -> Double {
        let last = Double(length - 1)
        if coordinate >= 0 && coordinate <= last { return coordinate }
        if length <= 1 { return 0 }
        let period = 2 * length - 2
        let periodValue = Double(period)
        if coordinate < 0 {
            // Coordinates come from the output grid, so they are bounded by the plane size and
            // the integer conversions below cannot overflow.
            let folded = Double(period * Int(-coordinate / periodValue)) + coordinate
            return folded <= Double(1 - length) ? folded + periodValue : -folded
        }
        var folded = coordinate - Double(period * Int(coordinate / periodValue))
        if folded >= Double(length) { folded = periodValue - folded }
        return folded
    }
}
