/// Correctly rounded conversion of a decimal number to `Double`, from digits already checked.
///
/// Correct rounding (IEEE round-half-even, as Swift's `Double(String)` and pandas 3.1's default
/// fast_float parser give) is computed exactly with 128-bit integer arithmetic when the number has
/// at most 19 significant digits and a decimal exponent within ±27: that covers the numbers found
/// in real files and costs no allocation. Other numbers go through `Double(String)` on a short
/// canonical spelling.
enum CSVDecimalParser {
    /// The largest decimal exponent (in magnitude) of the exact path; 5^27 still fits in 63 bits.
    static let maximumExactExponent = 27
    /// The most significant digits the exact path accepts (10^19 still fits in 64 bits).
    static let maximumExactDigits = 19

    /// 5^0 ... 5^27.
    private static let powersOfFive: [UInt64] = {
        var powers: [UInt64] = [1]
        for _ in 0..<maximumExactExponent { powers.append((powers.last ?? 1) * 5) }
        return powers
    }()

    /// `mantissa × 10^exponent`, correctly rounded; requires `mantissa > 0` and
    /// `|exponent| <= maximumExactExponent`.
    ///
    /// 10^e is 5^e·2^e, and the power of two is exact in binary, so only the product or quotient
    /// by 5^|e| needs care: it is computed to at least 63 significant bits, remembering whether
    /// anything nonzero was cut off, which is enough to round to 53 bits exactly.
    static func exactDouble(mantissa: UInt64, exponent: Int) -> Double {
        if exponent >= 0 {
            let product = mantissa.multipliedFullWidth(by: powersOfFive[exponent])
            return rounded(high: product.high, low: product.low, sticky: false, binaryExponent: exponent)
        }
        let divisor = powersOfFive[-exponent]
        // Shift the mantissa left so that the quotient has 63 or 64 bits: enough bits for
        // rounding, and few enough for one 128-by-64-bit division.
        let mantissaBits = 64 - mantissa.leadingZeroBitCount
        let divisorBits = 64 - divisor.leadingZeroBitCount
        let shift = 63 + divisorBits - mantissaBits
        let high: UInt64
        let low: UInt64
        if shift >= 64 {
            high = mantissa << UInt64(shift - 64)
            low = 0
        } else if shift == 0 {
            high = 0
            low = mantissa
        } else {
            high = mantissa >> UInt64(64 - shift)
            low = mantissa << UInt64(shift)
        }
        let (quotient, remainder) = divisor.dividingFullWidth((high: high, low: low))
        return rounded(high: 0, low: quotient, sticky: remainder != 0, binaryExponent: exponent - shift)
    }

    /// Rounds `(high·2^64 + low) · 2^binaryExponent` (not zero; `sticky` tells whether nonzero
    /// bits below `low` were dropped) to the nearest double, ties to even.
    private static func rounded(high: UInt64, low: UInt64, sticky: Bool, binaryExponent: Int) -> Double {
        var high = high
        var low = low
        let leadingZeros = high != 0 ? high.leadingZeroBitCount : 64 + low.leadingZeroBitCount
        if leadingZeros >= 64 {
            high = low << UInt64(leadingZeros - 64)
            low = 0
        } else if leadingZeros > 0 {
            high = (high << UInt64(leadingZeros)) | (low >> UInt64(64 - leadingZeros))
            low <<= UInt64(leadingZeros)
        }
        // The top 53 bits are the significand; the next 11 and everything below decide rounding.
        var significand = high >> 11
        let rest = high & 0x7FF
        let half: UInt64 = 0x400
        if rest > half || (rest == half && (sticky || low != 0 || significand & 1 == 1)) {
            significand += 1
        }
        // Both conversions are exact: the significand has at most 53 bits (or is 2^53 after
        // rounding up), and the inputs of the exact path keep the result, and so the power of two,
        // far inside the normal range, where a power of two is just a biased exponent.
        let scale = Double(bitPattern: UInt64(1023 + 75 - leadingZeros + binaryExponent) << 52)
        return Double(significand) * scale
    }

    /// The fallback for any number the exact path does not take.
    ///
    /// - Parameters:
    ///   - digits: the significant digits, without leading zeros (not empty).
    ///   - exponent: the value is `digits × 10^exponent`.
    ///
    /// Digits past the 800th are replaced by one `1` when any of them is nonzero: a double's
    /// rounding is decided within 768 significant digits, so this keeps the result and bounds
    /// the work on absurdly long numbers.
    static func fallbackDouble(digits: [UInt8], exponent: Int, negative: Bool) -> Double {
        let kept = 800
        var text: [UInt8] = negative ? [CSVByte.minus] : []
        var exponent = exponent
        if digits.count > kept {
            text.append(contentsOf: digits[0..<kept])
            exponent += digits.count - kept
            if digits[kept...].contains(where: { $0 != CSVByte.zero }) {
                text.append(CSVByte.zero + 1)
                exponent -= 1
            }
        } else {
            text.append(contentsOf: digits)
        }
        text.append(UInt8(ascii: "e"))
        text.append(contentsOf: String(exponent).utf8)
        // The text is a plain decimal, which Double(String) always accepts; it returns ±inf or
        // ±0 beyond the range, as pandas does.
        let value = Double(String(decoding: text, as: UTF8.self)) ?? .nan
        return value
    }
}
