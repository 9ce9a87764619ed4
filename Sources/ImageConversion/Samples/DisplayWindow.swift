/// The value range one displayed channel is stretched over: `low` maps to 0, `high` to 255, values
/// outside are clamped. `low > high` is allowed and inverts the ramp.
public struct DisplayWindow: Sendable, Equatable {
    /// Value drawn black.
    public var low: Double
    /// Value drawn white.
    public var high: Double

    /// A window from its two ends.
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// True when the window cannot spread values (equal or non-finite ends); every finite pixel is then
    /// drawn mid-grey (128), as matplotlib-based tools do for constant images.
    public var isDegenerate: Bool { !low.isFinite || !high.isFinite || low == high }

    /// The byte a finite-or-not value maps to: non-finite values are black, a degenerate window gives
    /// 128, otherwise `round(255 · (value − low) / (high − low))` clamped to 0…255.
    public func byte(for value: Double) -> UInt8 {
        ByteMapping(self).byte(for: value)
    }

    /// ``DisplayWindow/byte(for:)`` with its divisions hoisted out of the per-pixel loop.
    struct ByteMapping {
        private let halfLow: Double
        private let scale: Double
        private let threshold: Double
        private let mode: Mode

        /// How values are mapped: the linear ramp, mid-grey everywhere, or a threshold at `high`.
        private enum Mode { case linear, constant, step }

        /// The mapping of `window`, choosing how degenerate spans are drawn once instead of per pixel.
        init(_ window: DisplayWindow) {
            // Work in halves: `high − low` can overflow to infinity for windows spanning ±1e308.
            halfLow = window.low * 0.5
            let halfSpan = window.high * 0.5 - halfLow
            scale = 255 / halfSpan
            threshold = window.high
            if window.isDegenerate {
                mode = .constant
            } else if scale.isFinite {
                mode = .linear
            } else {
                // A span so small that 255/span overflows (subnormal): below `high` is black, the rest white.
                mode = .step
            }
        }

        /// The byte for one value, as ``DisplayWindow/byte(for:)`` documents.
        @inline(__always)
        func byte(for value: Double) -> UInt8 {
            guard value.isFinite else { return 0 }
            switch mode {
            case .constant:
                return 128
            case .step:
                return value >= threshold ? 255 : 0
            case .linear:
                let scaled = (value * 0.5 - halfLow) * scale
                if scaled <= 0 { return 0 }
                if scaled >= 255 { return 255 }
                return UInt8(scaled + 0.5)
            }
        }
    }
}
