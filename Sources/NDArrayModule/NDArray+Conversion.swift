extension NDArray {
    /// A copy converted to another dtype.
    ///
    /// The rules, chosen so that no conversion wraps around or is undefined (numpy's `astype`
    /// wraps integers and leaves out-of-range floats undefined):
    /// - float → integer: rounded to nearest, ties to even; values outside the target range are
    ///   clipped to its minimum or maximum; NaN becomes 0.
    /// - integer → narrower or other-signed integer: clipped (saturated) to the target range.
    /// - integer or float → float: nearest representable value (ties to even); values beyond the
    ///   float16/float32 range become ±infinity.
    /// - anything → bool: `true` for every non-zero value (NaN included); bool → number: 0 or 1.
    ///
    /// Converting to the array's own dtype returns the array itself without copying.
    public func astype(_ target: DType) -> NDArray {
        if target == dtype { return self }
        return withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: shape, dtype: target) { destination in
                switch target {
                case .bool: Self.cast(source, dtype, into: destination, as: Bool.self)
                case .uint8: Self.cast(source, dtype, into: destination, as: UInt8.self)
                case .uint16: Self.cast(source, dtype, into: destination, as: UInt16.self)
                case .uint32: Self.cast(source, dtype, into: destination, as: UInt32.self)
                case .uint64: Self.cast(source, dtype, into: destination, as: UInt64.self)
                case .int8: Self.cast(source, dtype, into: destination, as: Int8.self)
                case .int16: Self.cast(source, dtype, into: destination, as: Int16.self)
                case .int32: Self.cast(source, dtype, into: destination, as: Int32.self)
                case .int64: Self.cast(source, dtype, into: destination, as: Int64.self)
                case .float16: Self.cast(source, dtype, into: destination, as: HalfBits.self)
                case .float32: Self.cast(source, dtype, into: destination, as: Float.self)
                case .float64: Self.cast(source, dtype, into: destination, as: Double.self)
                }
            }
        }
    }

    private static func cast<Target: CastTarget>(
        _ source: UnsafeRawBufferPointer, _ sourceType: DType,
        into raw: UnsafeMutableRawBufferPointer, as: Target.Type
    ) {
        let destination = raw.bindMemory(to: Target.self)
        func integers<Source: FixedWidthInteger>(_ type: Source.Type) {
            let values = source.bindMemory(to: Source.self)
            for i in values.indices { destination[i] = Target(castingInteger: values[i]) }
        }
        switch sourceType {
        case .bool:
            let values = source.bindMemory(to: UInt8.self)
            for i in values.indices { destination[i] = Target(castingInteger: values[i] != 0 ? 1 : 0) }
        case .uint8: integers(UInt8.self)
        case .uint16: integers(UInt16.self)
        case .uint32: integers(UInt32.self)
        case .uint64: integers(UInt64.self)
        case .int8: integers(Int8.self)
        case .int16: integers(Int16.self)
        case .int32: integers(Int32.self)
        case .int64: integers(Int64.self)
        case .float16:
            let values = source.bindMemory(to: UInt16.self)
            for i in values.indices { destination[i] = Target(castingFloat: Double(Half.float(fromBits: values[i]))) }
        case .float32:
            let values = source.bindMemory(to: Float.self)
            for i in values.indices { destination[i] = Target(castingFloat: Double(values[i])) }
        case .float64:
            let values = source.bindMemory(to: Double.self)
            for i in values.indices { destination[i] = Target(castingFloat: values[i]) }
        }
    }
}

/// A destination element type of ``NDArray/astype(_:)``. Every float source is exact in `Double`,
/// and every integer source goes through `BinaryInteger`, so no conversion loses precision on the way.
private protocol CastTarget {
    init<Source: BinaryInteger>(castingInteger value: Source)
    init(castingFloat value: Double)
}

/// The storage of a float16 element (its bit pattern), for conversions.
private struct HalfBits: CastTarget {
    var bits: UInt16
    init<Source: BinaryInteger>(castingInteger value: Source) { bits = Half.bits(from: Double(value)) }
    init(castingFloat value: Double) { bits = Half.bits(from: value) }
}

extension Bool: CastTarget {
    fileprivate init<Source: BinaryInteger>(castingInteger value: Source) { self = value != 0 }
    fileprivate init(castingFloat value: Double) { self = value != 0 }
}

extension Float: CastTarget {
    fileprivate init<Source: BinaryInteger>(castingInteger value: Source) { self.init(value) }
    fileprivate init(castingFloat value: Double) { self.init(value) }
}

extension Double: CastTarget {
    fileprivate init<Source: BinaryInteger>(castingInteger value: Source) { self.init(value) }
    fileprivate init(castingFloat value: Double) { self = value }
}

private protocol ClippingInteger: FixedWidthInteger, CastTarget {}

extension ClippingInteger {
    init<Source: BinaryInteger>(castingInteger value: Source) { self.init(clamping: value) }
    init(castingFloat value: Double) {
        if value.isNaN {
            self = 0
            return
        }
        let rounded = value.rounded(.toNearestOrEven)
        // Double(max) rounds up to a power of two for 32/64-bit types, so compare with >=.
        if rounded >= Double(Self.max) {
            self = .max
        } else if rounded <= Double(Self.min) {
            self = .min
        } else {
            self.init(rounded)
        }
    }
}

extension UInt8: ClippingInteger {}
extension UInt16: ClippingInteger {}
extension UInt32: ClippingInteger {}
extension UInt64: ClippingInteger {}
extension Int8: ClippingInteger {}
extension Int16: ClippingInteger {}
extension Int32: ClippingInteger {}
extension Int64: ClippingInteger {}
