/// IEEE 754 binary16 conversions written out in integer arithmetic, so that float16 arrays work on
/// every platform (Swift's `Float16` is missing on Intel macOS).
enum Half {
    /// The float32 value of a binary16 bit pattern (exact).
    static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The binary16 bit pattern nearest to a value (ties to even; overflow gives infinity; NaN
    /// stays NaN). Works from the double's bits so that a float64 source is rounded only once.
    static func bits(from value: Double) -> UInt16 {
        let raw = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (raw >> 48) & 0x8000)
        let exponent = Int((raw >> 52) & 0x7FF)
        var mantissa = raw & 0xF_FFFF_FFFF_FFFF
        if exponent == 0x7FF {  // infinity or NaN
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(truncatingIfNeeded: mantissa >> 42) : 0)
        }
        let halfExponent = exponent - 1023 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        let shift: UInt64
        if halfExponent <= 0 {
            // Subnormal half (or zero): the implicit bit joins the mantissa before the shift.
            if halfExponent < -10 { return sign }
            mantissa |= 1 << 52
            shift = UInt64(43 - halfExponent)
        } else {
            shift = 42
        }
        var half = mantissa >> shift
        let remainder = mantissa & ((1 << shift) - 1)
        let halfway: UInt64 = 1 << (shift - 1)
        if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
        if halfExponent > 0 { half += UInt64(halfExponent) << 10 }  // a mantissa carry rolls into the exponent: correct
        return sign | UInt16(truncatingIfNeeded: half)
    }
}
