/// How a CZI subblock's pixels are stored, as the file codes it. Unknown codes keep their number.
public struct CZICompression: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code in the file.
    public var rawValue: Int32

    /// Wraps a code.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Raw pixels.
    public static let uncompressed = CZICompression(rawValue: 0)
    /// A JPEG file.
    public static let jpeg = CZICompression(rawValue: 1)
    /// LZW; not read.
    public static let lzw = CZICompression(rawValue: 2)
    /// A JPEG XR file.
    public static let jpegXR = CZICompression(rawValue: 4)
    /// A Zstandard frame of the raw pixels.
    public static let zstd0 = CZICompression(rawValue: 5)
    /// A small header (optionally announcing hi-lo byte packing), then a Zstandard frame.
    public static let zstd1 = CZICompression(rawValue: 6)

    /// `zstd1`, `JPEG XR`, or `compression <code>`.
    public var description: String {
        switch rawValue {
        case 0: "uncompressed"
        case 1: "JPEG"
        case 2: "LZW"
        case 4: "JPEG XR"
        case 5: "zstd0"
        case 6: "zstd1"
        default: rawValue >= 1000 ? "system RAW \(rawValue)" : rawValue >= 100 ? "camera-specific compression \(rawValue)" : "compression \(rawValue)"
        }
    }
}
