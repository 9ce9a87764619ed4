/// Turns one C×H×W frame of any numeric dtype into a viewable H×W RGB image by stretching a robust
/// value range (by default the 0.5th–99.5th percentiles of the finite values) over 0…255.
///
/// Rules, chosen so that every frame of a mixed dataset is visible:
/// - **Channels.** 1 → grey. 2 → channel 0 as grey (the second is usually alpha or an unrelated band).
///   3 → RGB. ≥ 4 → channels 0–2 as RGB; the rest (alpha, extra bands) are ignored rather than
///   composited, because an alpha channel's scale depends on the dtype and transparent regions still hold
///   data worth seeing. 0 channels → a black image of the frame's size.
/// - **Scope.** ``Scope/joint`` (default) takes one window over all displayed channels, which keeps the
///   colour balance of RGB photographs; ``Scope/perChannel`` stretches each displayed channel alone,
///   which suits multi-band astronomy frames whose bands differ by orders of magnitude. Ignored
///   channels never influence the window.
/// - **Non-finite values** (NaN, ±infinity) are left out of the statistics and drawn black.
/// - **Flat windows.** When both percentiles coincide (a mostly-empty frame with a few bright sources),
///   the window widens to the finite minimum…maximum so the sources stay visible; when those coincide too
///   (a constant image) every finite pixel is mid-grey (128), like `images_to_zarr`'s display helper.
///   A scope with no finite value is black.
/// - **Cost.** O(n): histograms for integer types of ≤ 16 bits, otherwise quickselect on a copy of the
///   finite values; above 2^22 values per scope the percentiles come from a regular subsample
///   so that the copy stays at most 32 MiB.
///
/// Unlike the Python tool, ``flipVertically`` defaults to false: row 0 is drawn at the top, as it is
/// stored (matplotlib's `origin="lower"` puts it at the bottom, the FITS convention).
public struct DisplayNormalization: Sendable, Equatable {
    /// How the window is chosen.
    public enum Bounds: Sendable, Equatable {
        /// Percentiles of the finite values, each in 0…100 (NaN means 0 for `low`, 100 for `high`).
        case percentiles(low: Double, high: Double)
        /// A fixed value range for every image, e.g. 0…255 to show uint8 data as stored.
        case fixed(low: Double, high: Double)
    }

    /// Which values share a window.
    public enum Scope: Sendable, Equatable {
        /// One window for all displayed channels of an image.
        case joint
        /// One window per displayed channel.
        case perChannel
    }

    /// The default: 0.5th–99.5th percentiles. Hot pixels and cosmic rays are clipped so that they do not
    /// flatten the rest of a frame, while less of a bright source saturates than with the 1st–99th
    /// percentiles `images_to_zarr` uses for floats. (It shows uint8 and uint16 at their full dtype range
    /// instead; ``Bounds/fixed(low:high:)`` with 0…255 or 0…65535 reproduces that.)
    public static let defaultBounds = Bounds.percentiles(low: 0.5, high: 99.5)

    /// How the window is chosen (default ``defaultBounds``).
    public var bounds: Bounds
    /// Which values share a window (default ``Scope/joint``).
    public var scope: Scope
    /// Draw the last row at the top (the FITS / matplotlib `origin="lower"` convention).
    public var flipVertically: Bool
    /// When set (≥ 1), frames whose larger side exceeds it are reduced by nearest neighbour while they are
    /// rendered, so that a 10000×10000 frame costs a cell-sized output instead of 300 MB of RGB. The
    /// statistics still use the whole frame.
    public var maximumOutputSide: Int?
    /// Values per scope beyond which percentiles are estimated from a regular subsample (selection path
    /// only): 2^22 doubles, 32 MiB of scratch.
    var sampleLimit = 1 << 22

    /// A normaliser; the defaults suit arbitrary scientific data.
    public init(
        bounds: Bounds = Self.defaultBounds, scope: Scope = .joint, flipVertically: Bool = false,
        maximumOutputSide: Int? = nil
    ) {
        self.bounds = bounds
        self.scope = scope
        self.flipVertically = flipVertically
        self.maximumOutputSide = maximumOutputSide
    }

    /// How many of `channels` are drawn: 0, 1 (grey) or 3 (RGB).
    public static func displayedChannels(of channels: Int) -> Int {
        switch channels {
        case ..<1: 0
        case 1, 2: 1
        default: 3
        }
    }

    /// The window of each displayed channel (one entry for grey, three for RGB, none for 0 channels);
    /// nil where a channel has no finite value. With ``Scope/joint`` all entries are equal.
    /// - Parameters:
    ///   - values: `channels × height × width` values, channel planes one after another.
    ///   - channels: the frame's channel count.
    ///   - height: the frame's height.
    ///   - width: the frame's width.
    /// - Throws: ``SampleRenderingError`` when the count does not match the shape.
    public func windows<T: DisplayScalar>(
        _ values: UnsafeBufferPointer<T>, channels: Int, height: Int, width: Int
    ) throws(SampleRenderingError) -> [DisplayWindow?] {
        let planeSize = try Self.checkShape(count: values.count, channels: channels, height: height, width: width)
        let displayed = Self.displayedChannels(of: channels)
        guard displayed > 0 else { return [] }
        switch scope {
        case .joint:
            let window = window(values, range: 0..<(displayed * planeSize))
            return Array(repeating: window, count: displayed)
        case .perChannel:
            return (0..<displayed).map { window(values, range: ($0 * planeSize)..<(($0 + 1) * planeSize)) }
        }
    }

    /// ``windows(_:channels:height:width:)`` for an array.
    public func windows<T: DisplayScalar>(
        _ values: [T], channels: Int, height: Int, width: Int
    ) throws(SampleRenderingError) -> [DisplayWindow?] {
        let result = values.withUnsafeBufferPointer { buffer in
            Result { () throws(SampleRenderingError) in
                try windows(buffer, channels: channels, height: height, width: width)
            }
        }
        return try result.get()
    }

    /// Renders a frame as an RGB image (grey frames have three equal components).
    /// - Parameters:
    ///   - values: `channels × height × width` values, channel planes one after another.
    ///   - channels: the frame's channel count.
    ///   - height: the frame's height.
    ///   - width: the frame's width.
    /// - Returns: `height × width` pixels, or less when ``maximumOutputSide`` applies; each side stays ≥ 1
    ///   unless the frame's own side is 0.
    /// - Throws: ``SampleRenderingError`` when the count does not match the shape, or when the output would
    ///   exceed ``RGB8Image/maximumPixelCount`` (set ``maximumOutputSide`` for frames that large).
    public func render<T: DisplayScalar>(
        _ values: UnsafeBufferPointer<T>, channels: Int, height: Int, width: Int
    ) throws(SampleRenderingError) -> RGB8Image {
        let planeSize = try Self.checkShape(count: values.count, channels: channels, height: height, width: width)
        let (outWidth, outHeight) = Self.reducedSize(width: width, height: height, maximumSide: maximumOutputSide)
        var image = try RGB8Image(width: outWidth, height: outHeight)
        let windows = try windows(values, channels: channels, height: height, width: width)
        guard !image.isEmpty, !windows.isEmpty else { return image }
        // Source column and row of every output pixel (identity unless reduced or flipped).
        let columns = (0..<outWidth).map { RGB8Image.nearestSource($0, of: outWidth, in: width) }
        let rows = (0..<outHeight).map { row in
            let source = RGB8Image.nearestSource(row, of: outHeight, in: height)
            return flipVertically ? height - 1 - source : source
        }
        image.pixels.withUnsafeMutableBufferPointer { out in
            for (channel, window) in windows.enumerated() {
                let mapping = window.map(DisplayWindow.ByteMapping.init)
                let plane = channel * planeSize
                // Grey output writes its one channel into all three components.
                let targets = windows.count == 1 ? [0, 1, 2] : [channel]
                for (outRow, sourceRow) in rows.enumerated() {
                    let rowStart = plane + sourceRow * width
                    var offset = outRow * outWidth * 3
                    for column in columns {
                        let byte = mapping?.byte(for: values[rowStart + column].displayValue) ?? 0
                        for target in targets { out[offset + target] = byte }
                        offset += 3
                    }
                }
            }
        }
        return image
    }

    /// ``render(_:channels:height:width:)`` for an array.
    public func render<T: DisplayScalar>(
        _ values: [T], channels: Int, height: Int, width: Int
    ) throws(SampleRenderingError) -> RGB8Image {
        let result = values.withUnsafeBufferPointer { buffer in
            Result { () throws(SampleRenderingError) in
                try render(buffer, channels: channels, height: height, width: width)
            }
        }
        return try result.get()
    }

    /// The size a `width × height` frame is drawn at when its larger side may not exceed `maximumSide`:
    /// scaled down keeping the aspect ratio, each side rounded and at least 1 (a 10000×1 strip becomes
    /// 256×1). Sizes within the limit, zero sides and a nil or non-positive limit are unchanged.
    public static func reducedSize(width: Int, height: Int, maximumSide: Int?) -> (width: Int, height: Int) {
        guard let maximumSide, maximumSide >= 1, width > 0, height > 0 else { return (width, height) }
        let longest = max(width, height)
        guard longest > maximumSide else { return (width, height) }
        func scaled(_ side: Int) -> Int {
            // round(side · maximumSide / longest) in floating point: exact enough, and cannot overflow.
            let value = (Double(side) * Double(maximumSide) / Double(longest)).rounded()
            return min(max(Int(value), 1), maximumSide)
        }
        return (scaled(width), scaled(height))
    }

    /// Validates the shape against the element count and returns the plane size `height × width`.
    private static func checkShape(
        count: Int, channels: Int, height: Int, width: Int
    ) throws(SampleRenderingError) -> Int {
        guard channels >= 0 else { throw .negativeDimension("channels \(channels)") }
        guard height >= 0 else { throw .negativeDimension("height \(height)") }
        guard width >= 0 else { throw .negativeDimension("width \(width)") }
        let (planeSize, overflow1) = height.multipliedReportingOverflow(by: width)
        let (total, overflow2) = planeSize.multipliedReportingOverflow(by: channels)
        guard !overflow1, !overflow2 else { throw .tooLarge(width: width, height: height) }
        guard total == count else { throw .countMismatch(expected: total, actual: count) }
        return planeSize
    }

    /// The window for `values[range]` under ``bounds``, widened or degenerate as the type documents.
    private func window<T: DisplayScalar>(_ values: UnsafeBufferPointer<T>, range: Range<Int>) -> DisplayWindow? {
        switch bounds {
        case .fixed(let low, let high):
            // Still nil for an all-NaN scope, so such frames are black rather than grey.
            guard range.contains(where: { values[$0].displayValue.isFinite }) else { return nil }
            return DisplayWindow(low: low, high: high)
        case .percentiles(let low, let high):
            guard let summary = PercentileSummary.compute(
                values, range: range, low: low, high: high, sampleLimit: sampleLimit)
            else { return nil }
            if summary.low == summary.high && summary.minimum < summary.maximum {
                return DisplayWindow(low: summary.minimum, high: summary.maximum)
            }
            return DisplayWindow(low: summary.low, high: summary.high)
        }
    }
}
