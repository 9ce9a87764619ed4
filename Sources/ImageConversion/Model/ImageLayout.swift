import ImMetaIOCore
import NDArrayModule

/// How a decoded image's axes map onto C×H×W, by images_to_zarr's rule: H×W is one channel;
/// H×W×C with C ≤ 4 has its channels last; any other 3-D image (last axis over 4) is already
/// C×H×W. A 1-D image is one row; a 4-D image must hold one image (1×C×H×W).
public struct ImageLayout: Sendable, Hashable {
    /// Where the channels are in the decoded array.
    public enum Order: String, Sendable, Hashable {
        /// H×W (one channel).
        case gray
        /// H×W×C.
        case channelsLast
        /// C×H×W.
        case channelsFirst
    }

    /// The decoded axis order.
    public let order: Order
    /// Channels, height and width.
    public let channels: Int, height: Int, width: Int

    /// The layout of a decoded array of `shape`.
    /// - Throws: `unsupportedFeature` for shapes that hold no single image (5-D, or 4-D with
    ///   more than one image).
    public init(shape: [Int]) throws(ImMetaIOError) {
        switch shape.count {
        case 1: (order, channels, height, width) = (.gray, 1, 1, shape[0])
        case 2: (order, channels, height, width) = (.gray, 1, shape[0], shape[1])
        case 3 where shape[2] <= 4: (order, channels, height, width) = (.channelsLast, shape[2], shape[0], shape[1])
        case 3: (order, channels, height, width) = (.channelsFirst, shape[0], shape[1], shape[2])
        case 4 where shape[0] == 1: (order, channels, height, width) = (.channelsFirst, shape[1], shape[2], shape[3])
        default:
            throw ImMetaIOError(.unsupportedFeature, "an image of shape \(shape) is not one H×W, H×W×C or C×H×W image")
        }
    }

    /// A C×H×W layout.
    public init(channelsFirst channels: Int, height: Int, width: Int) {
        self.init(order: .channelsFirst, channels: channels, height: height, width: width)
    }

    /// A layout from its parts.
    public init(order: Order, channels: Int, height: Int, width: Int) {
        (self.order, self.channels, self.height, self.width) = (order, channels, height, width)
    }

    /// The C×H×W shape.
    public var chw: [Int] { [channels, height, width] }
}

/// The rules that turn mixed inputs into one array: channel counts and dtypes.
public enum PromotionRule {
    /// Whether an image of `channels` channels can be stored with `target` channels: equal;
    /// 1 (grey, replicated); 2 → 4 (grey + alpha as L, L, L, A); 3 → 4 (an opaque alpha added).
    public static func canWiden(_ channels: Int, to target: Int) -> Bool {
        channels == target || channels == 1 || (target == 4 && (channels == 2 || channels == 3))
    }

    /// The dtype that holds every value of both, as `numpy.result_type` gives it (uint8 and int16
    /// → int16, uint16 and int16 → int32, uint8 and float32 → float32, int32 and float32 →
    /// float64, bool and anything → the other).
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        switch (a.kind, b.kind) {
        case ("f", "f"): return a.itemSize >= b.itemSize ? a : b
        case ("f", _): return floatHolding(integer: b, float: a)
        case (_, "f"): return floatHolding(integer: a, float: b)
        case ("u", "u"), ("i", "i"): return a.itemSize >= b.itemSize ? a : b
        default:
            let (unsigned, signed) = a.kind == "u" ? (a, b) : (b, a)
            if signed.itemSize > unsigned.itemSize { return signed }
            switch unsigned.itemSize {
            case 1: return .int16
            case 2: return .int32
            case 4: return .int64
            default: return .float64
            }
        }
    }

    private static func floatHolding(integer: DType, float: DType) -> DType {
        switch integer.itemSize {
        case 1: return float
        case 2: return float == .float16 ? .float32 : float
        default: return .float64
        }
    }
}
