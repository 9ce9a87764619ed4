import NDArrayModule

/// Bounds on what one decode may allocate, checked from the header before any pixel memory is
/// allocated, so a crafted file cannot make the process allocate gigabytes.
///
/// The default allows 2^30 pixels (a 32768×32768 image) and 4 GiB per decoded array, plenty for
/// 16-bit microscopy tiles while stopping malicious headers. Pass other limits per call:
/// ```swift
/// let image = try readImage(from: "huge.png", limits: DecodeLimits(maxPixels: 1 << 34, maxBytes: 1 << 36))
/// ```
public struct DecodeLimits: Sendable, Hashable {
    /// The most pixels (height × width × frames; channels not counted) one decode may produce.
    public var maxPixels: Int
    /// The most bytes one decoded array may occupy.
    public var maxBytes: Int

    /// Creates limits.
    public init(maxPixels: Int = DecodeLimits.default.maxPixels, maxBytes: Int = DecodeLimits.default.maxBytes) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
    }

    /// 2^30 pixels and 4 GiB.
    public static let `default` = DecodeLimits(uncheckedPixels: 1 << 30, bytes: 1 << 32)

    /// No limits (for trusted input only).
    public static let unlimited = DecodeLimits(uncheckedPixels: .max, bytes: .max)

    private init(uncheckedPixels: Int, bytes: Int) {
        maxPixels = uncheckedPixels
        maxBytes = bytes
    }

    /// Throws ``ImMetaIOError/Code/limitExceeded`` (or `corruptData` for an impossible shape) unless
    /// an array of `shape` and `dtype` with `pixels` pixels fits these limits.
    public func check(pixels: Int, shape: [Int], dtype: DType, file: String?) throws(ImMetaIOError) {
        guard let count = NDArray.checkedElementCount(shape),
            case let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize), !overflow
        else {
            throw ImMetaIOError(.corruptData, "image shape \(shape) is impossibly large", file: file)
        }
        if pixels > maxPixels {
            throw ImMetaIOError(
                .limitExceeded, "image of \(pixels) pixels (shape \(shape)) exceeds the limit of \(maxPixels) pixels",
                file: file)
        }
        if bytes > maxBytes {
            throw ImMetaIOError(
                .limitExceeded, "image of \(bytes) bytes (shape \(shape), \(dtype)) exceeds the limit of \(maxBytes) bytes",
                file: file)
        }
    }

    /// Checks an image whose pixels are the product of all axes but a trailing channel axis.
    public func check(imageShape shape: [Int], dtype: DType, hasChannelAxis: Bool, file: String?) throws(ImMetaIOError) {
        let spatial = hasChannelAxis ? Array(shape.dropLast()) : shape
        let pixels = NDArray.checkedElementCount(spatial) ?? .max
        try check(pixels: pixels, shape: shape, dtype: dtype, file: file)
    }
}
