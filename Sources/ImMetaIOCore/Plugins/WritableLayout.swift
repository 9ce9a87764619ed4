import NDArrayModule

/// One kind of image a format plugin writes, and what its reader returns for the file.
///
/// Plugins list these in ``ImageFormat/writableLayouts``; the package's conformance tests write
/// an image of every listed layout with the default options and check what comes back, so a
/// new plugin is covered by declaring its layouts.
public struct WritableLayout: Sendable, Hashable, CustomStringConvertible {
    /// The written array's dtype; the reader returns the same dtype.
    public var dtype: DType
    /// The size of the written array's channel axis (H×W×C), or `nil` for an H×W array.
    public var channels: Int?
    /// The channel axis the reader returns for such a file: its size, or `nil` for H×W.
    ///
    /// Gray read back as colour repeats the gray value in every colour channel, an alpha channel
    /// the file did not have reads as opaque, and channels the format drops (a video's alpha) are
    /// gone.
    public var readChannels: Int?
    /// The largest root-mean-square difference, in the dtype's units, between a smooth opaque
    /// image written with the default options and what is read back; 0 when the layout is kept
    /// exactly.
    public var maximumRMSError: Double

    /// A layout read back with the channels it was written with.
    public init(_ dtype: DType, channels: Int?, maximumRMSError: Double = 0) {
        self.init(dtype, channels: channels, readChannels: channels, maximumRMSError: maximumRMSError)
    }

    /// A layout whose reader returns another channel axis (gray read as RGB, for example).
    public init(_ dtype: DType, channels: Int?, readChannels: Int?, maximumRMSError: Double = 0) {
        self.dtype = dtype
        self.channels = channels
        self.readChannels = readChannels
        self.maximumRMSError = maximumRMSError
    }

    /// Every combination of `dtypes` and `channels`, each written and read back exactly.
    public static func lossless(_ dtypes: [DType], channels: [Int?]) -> [WritableLayout] {
        dtypes.flatMap { dtype in channels.map { WritableLayout(dtype, channels: $0) } }
    }

    /// Whether the read-back equals the written image.
    public var isLossless: Bool { maximumRMSError == 0 }

    /// `uint8 H×W×3 → H×W×4, RMS ≤ 4`.
    public var description: String {
        func shape(_ channels: Int?) -> String { channels.map { "H×W×\($0)" } ?? "H×W" }
        let read = readChannels == channels ? "" : " → \(shape(readChannels))"
        return "\(dtype) \(shape(channels))\(read)" + (isLossless ? "" : ", RMS ≤ \(maximumRMSError)")
    }
}
