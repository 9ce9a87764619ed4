import NDArrayModule

/// The pixel type of a CZI subblock, as the file codes it.
///
/// Colour types store their samples blue first; readers return them red first (`S` axis in RGB(A)
/// order). Unknown codes keep their number.
public struct CZIPixelType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code in the file.
    public var rawValue: Int32

    /// Wraps a code.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// 8-bit gray.
    public static let gray8 = CZIPixelType(rawValue: 0)
    /// 16-bit gray.
    public static let gray16 = CZIPixelType(rawValue: 1)
    /// 32-bit floating-point gray.
    public static let gray32Float = CZIPixelType(rawValue: 2)
    /// 8-bit blue, green, red.
    public static let bgr24 = CZIPixelType(rawValue: 3)
    /// 16-bit blue, green, red.
    public static let bgr48 = CZIPixelType(rawValue: 4)
    /// 32-bit floating-point blue, green, red.
    public static let bgr96Float = CZIPixelType(rawValue: 8)
    /// 8-bit blue, green, red, alpha.
    public static let bgra32 = CZIPixelType(rawValue: 9)
    /// Complex gray (two 32-bit floats); not read.
    public static let gray64ComplexFloat = CZIPixelType(rawValue: 10)
    /// Complex colour (six 32-bit floats); not read.
    public static let bgr192ComplexFloat = CZIPixelType(rawValue: 11)
    /// 32-bit integer gray; not read.
    public static let gray32 = CZIPixelType(rawValue: 12)
    /// 64-bit floating-point gray; not read.
    public static let gray64Float = CZIPixelType(rawValue: 13)

    /// The name ZEN gives the type (`Gray16`, `Bgr24`), or `pixel type <code>`.
    public var description: String {
        switch rawValue {
        case 0: "Gray8"
        case 1: "Gray16"
        case 2: "Gray32Float"
        case 3: "Bgr24"
        case 4: "Bgr48"
        case 8: "Bgr96Float"
        case 9: "Bgra32"
        case 10: "Gray64ComplexFloat"
        case 11: "Bgr192ComplexFloat"
        case 12: "Gray32"
        case 13: "Gray64Float"
        default: "pixel type \(rawValue)"
        }
    }

    /// The element type and samples per pixel readers return, or `nil` for a type they do not read.
    var layout: (dtype: DType, samples: Int)? {
        switch rawValue {
        case 0: (.uint8, 1)
        case 1: (.uint16, 1)
        case 2: (.float32, 1)
        case 3: (.uint8, 3)
        case 4: (.uint16, 3)
        case 8: (.float32, 3)
        case 9: (.uint8, 4)
        default: nil
        }
    }

    /// Bytes per pixel of a type readers read.
    var bytesPerPixel: Int? { layout.map { $0.dtype.itemSize * $0.samples } }
}
