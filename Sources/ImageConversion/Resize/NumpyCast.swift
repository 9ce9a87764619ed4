/// Converts resize results (float64) to the plane's original element type the way
/// `ndarray.astype(dtype)` does for in-range values, without ever trapping.
///
/// numpy casts float → int with C's truncation toward zero. Out-of-range and NaN casts are
/// undefined in C (numpy returns platform-specific garbage), so here they saturate to the type's
/// bounds and NaN becomes 0; after skimage's clip step those cases cannot arise anyway.
///
/// The generic functions are `@inlinable` so that callers in other modules get code
/// specialised for their integer type instead of slow protocol-witness calls per pixel.
@usableFromInline enum NumpyCast {
    /// `Double` → integer type: truncation toward zero, saturating, NaN → 0.
    @inlinable static func integer<T: FixedWidthInteger>(_ value: Double, as _: T.Type = T.self) -> T {
        if value.isNaN { return 0 }
        // Double(T.min) is exact (zero or a power of two); Double(T.max) may round up to
        // 2^bits, hence ">=". Values strictly between convert in range, and the integer
        // conversion itself truncates toward zero.
        if value <= Double(T.min) { return T.min }
        if value >= Double(T.max) { return T.max }
        // Go through a concrete 64-bit conversion (one cvttsd2si); the generic
        // `T(_: BinaryFloatingPoint)` decodes the float bit by bit and is several times slower.
        if T.bitWidth < 64 || (T.bitWidth == 64 && T.isSigned) { return T(truncatingIfNeeded: Int64(value)) }
        if T.bitWidth == 64 { return T(truncatingIfNeeded: UInt64(value)) }
        return T(value)
    }

    /// `Double` → `Float` with round-to-nearest-even, as numpy's float64 → float32 cast.
    static func float32(_ value: Double) -> Float { Float(value) }

    /// `Double` → `Bool`: numpy maps every non-zero value (NaN included) to true.
    static func bool(_ value: Double) -> Bool { value != 0 }

    /// Converts a whole buffer to an integer type; copies `min(source.count, destination.count)`.
    @inlinable static func convert<T: FixedWidthInteger>(
        _ source: UnsafeBufferPointer<Double>, into destination: UnsafeMutableBufferPointer<T>
    ) {
        for k in 0..<min(source.count, destination.count) { destination[k] = integer(source[k], as: T.self) }
    }

    /// Converts a whole buffer to `Float`; copies `min(source.count, destination.count)`.
    static func convert(_ source: UnsafeBufferPointer<Double>, into destination: UnsafeMutableBufferPointer<Float>) {
        for k in 0..<min(source.count, destination.count) { destination[k] = Float(source[k]) }
    }
}
