/// The element type of OME pixels (`PixelType` of the 2016-06 schema).
public enum OMEPixelType: String, Sendable, Hashable, CaseIterable {
    case int8, int16, int32, uint8, uint16, uint32, float, double, bit
    /// A pair of 32-bit floats.
    case complex
    /// A pair of 64-bit floats.
    case doubleComplex = "double-complex"

    /// The array element type, or `nil` for the complex types, which `DType` does not have.
    /// `bit` decodes to `bool`.
    public var dtype: DType? {
        switch self {
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .float: .float32
        case .double: .float64
        case .bit: .bool
        case .complex, .doubleComplex: nil
        }
    }

    /// The OME type of an array element type, or `nil` for types OME cannot describe (64-bit
    /// integers, half floats).
    public init?(_ dtype: DType) {
        switch dtype {
        case .int8: self = .int8
        case .int16: self = .int16
        case .int32: self = .int32
        case .uint8: self = .uint8
        case .uint16: self = .uint16
        case .uint32: self = .uint32
        case .float32: self = .float
        case .float64: self = .double
        case .bool: self = .bit
        case .int64, .uint64, .float16: return nil
        }
    }

    /// Bits per element as stored (1 for `bit`).
    public var bitsPerElement: Int {
        switch self {
        case .bit: 1
        case .int8, .uint8: 8
        case .int16, .uint16: 16
        case .int32, .uint32, .float: 32
        case .double, .complex: 64
        case .doubleComplex: 128
        }
    }
}

/// The order in which the planes of OME pixels follow each other (`XYZCT`: Z varies fastest,
/// then C, then T).
public enum OMEDimensionOrder: String, Sendable, Hashable, CaseIterable {
    case xyzct = "XYZCT"
    case xyztc = "XYZTC"
    case xyctz = "XYCTZ"
    case xyczt = "XYCZT"
    case xytcz = "XYTCZ"
    case xytzc = "XYTZC"

    /// The three plane axes, fastest first (`[.z, .c, .t]` for `XYZCT`).
    public var planeAxes: [MicroscopyAxis] {
        rawValue.dropFirst(2).compactMap { MicroscopyAxis(rawValue: $0) }
    }
}
