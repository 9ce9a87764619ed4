/// What one field's text is, by pandas' `read_csv` rules, before its column's type is chosen.
enum CSVCell: Equatable {
    /// A default missing-value string (see ``CSVNullValues``), or an empty field.
    case null
    /// An integer that fits Int64.
    case integer(Int64)
    /// An integer outside Int64 (pandas reads these as uint64 or Python ints).
    case bigInteger
    /// A number with a fraction, an exponent, or an infinity.
    case double(Double)
    /// `true` or `false`, in any case.
    case boolean(Bool)
    /// Anything else.
    case text

    /// Classifies the `count` bytes at `bytes` (when `count > 0`, `bytes` must point to them).
    ///
    /// The rules, each checked against pandas 3.1:
    /// - Integers: optional spaces (C `isspace`: space, \t, \n, \v, \f, \r), an optional `+`/`-`,
    ///   decimal digits (leading zeros allowed), optional spaces. No thousands separators,
    ///   underscores or hex.
    /// - Floats: as integers, with digits that may hold one `.` (`5.` and `.5` are numbers, `.`
    ///   is not) and an optional exponent `e`/`E`, optional sign, at least one digit.
    /// - Infinities: exactly `inf` or `infinity`, any case, optionally signed, without spaces.
    ///   `nan` in other spellings than the missing-value strings (`NAN`, `+nan`) is text.
    /// - Booleans: exactly `true` or `false`, any case, without spaces.
    static func classify(_ bytes: UnsafePointer<UInt8>, count: Int) -> CSVCell {
        if CSVNullValues.isNull(bytes, count: count) { return .null }
        if let number = number(bytes, count: count) { return number }
        if let infinity = infinity(bytes, count: count) { return .double(infinity) }
        if let boolean = boolean(bytes, count: count) { return .boolean(boolean) }
        return .text
    }

    /// The field as an integer or float, or `nil` if it is not one.
    private static func number(_ bytes: UnsafePointer<UInt8>, count: Int) -> CSVCell? {
        var index = 0
        while index < count && CSVByte.isNumberSpace(bytes[index]) { index += 1 }
        var negative = false
        if index < count && (bytes[index] == CSVByte.plus || bytes[index] == CSVByte.minus) {
            negative = bytes[index] == CSVByte.minus
            index += 1
        }
        let digitsStart = index
        // The digits without leading zeros, as one integer while there are at most 19 of them.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0
        var sawPoint = false
        var digitCount = 0
        while index < count {
            let byte = bytes[index]
            let digit = byte &- CSVByte.zero
            if digit < 10 {
                digitCount += 1
                if sawPoint { fractionDigits += 1 }
                if significantDigits > 0 || digit != 0 {
                    significantDigits += 1
                    if significantDigits <= CSVDecimalParser.maximumExactDigits {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                    }
                }
            } else if byte == CSVByte.period && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard digitCount > 0 else { return nil }
        let digitsEnd = index
        var sawExponent = false
        var exponent = 0
        if index < count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count && (bytes[index] == CSVByte.plus || bytes[index] == CSVByte.minus) {
                exponentNegative = bytes[index] == CSVByte.minus
                index += 1
            }
            let exponentStart = index
            while index < count {
                let digit = bytes[index] &- CSVByte.zero
                guard digit < 10 else { break }
                // Far beyond any double's range, more digits cannot matter; capping keeps the sum
                // below from overflowing on adversarial input.
                if exponent < 1_000_000_000_000 { exponent = exponent * 10 + Int(digit) }
                index += 1
            }
            // `1e` and `1e+` are text in pandas.
            guard index > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
            sawExponent = true
        }
        while index < count && CSVByte.isNumberSpace(bytes[index]) { index += 1 }
        guard index == count else { return nil }

        if !sawPoint && !sawExponent {
            if significantDigits > CSVDecimalParser.maximumExactDigits { return .bigInteger }
            if negative {
                // -2^63 is the one magnitude that fits only when negative.
                if mantissa > UInt64(Int64.max) + 1 { return .bigInteger }
                return .integer(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
            if mantissa > UInt64(Int64.max) { return .bigInteger }
            return .integer(Int64(mantissa))
        }
        let magnitude: Double
        let decimalExponent = exponent - fractionDigits
        if significantDigits == 0 {
            magnitude = 0
        } else if significantDigits <= CSVDecimalParser.maximumExactDigits
            && abs(decimalExponent) <= CSVDecimalParser.maximumExactExponent
        {
            magnitude = CSVDecimalParser.exactDouble(mantissa: mantissa, exponent: decimalExponent)
        } else {
            var digits: [UInt8] = []
            for position in digitsStart..<digitsEnd where bytes[position] != CSVByte.period {
                if digits.isEmpty && bytes[position] == CSVByte.zero { continue }
                digits.append(bytes[position])
            }
            return .double(CSVDecimalParser.fallbackDouble(digits: digits, exponent: decimalExponent, negative: negative))
        }
        return .double(negative ? -magnitude : magnitude)
    }

    /// Whether an integer's text has a minus sign (after any leading spaces): tells `-0` from `0`.
    static func hasMinusSign(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in text where !CSVByte.isNumberSpace(byte) { return byte == CSVByte.minus }
        return false
    }

    /// The value of an integer's text (one classified ``bigInteger``) as the nearest double.
    static func integerAsDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        var digits: [UInt8] = []
        for byte in text where byte &- CSVByte.zero < 10 {
            if digits.isEmpty && byte == CSVByte.zero { continue }
            digits.append(byte)
        }
        if digits.isEmpty { return 0 }
        return CSVDecimalParser.fallbackDouble(digits: digits, exponent: 0, negative: hasMinusSign(text))
    }

    /// ±infinity for pandas' spellings (`inf`, `infinity`, any case, optional sign), else `nil`.
    private static func infinity(_ bytes: UnsafePointer<UInt8>, count: Int) -> Double? {
        guard count >= 3 && count <= 9 else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == CSVByte.plus || bytes[0] == CSVByte.minus {
            negative = bytes[0] == CSVByte.minus
            index = 1
        }
        let rest = count - index
        guard rest == 3 || rest == 8 else { return nil }
        guard matchesLowercase(bytes + index, count: rest, "infinity") else { return nil }
        return negative ? -.infinity : .infinity
    }

    /// `true`/`false` in any case, else `nil`.
    private static func boolean(_ bytes: UnsafePointer<UInt8>, count: Int) -> Bool? {
        if count == 4 && matchesLowercase(bytes, count: 4, "true") { return true }
        if count == 5 && matchesLowercase(bytes, count: 5, "false") { return false }
        return nil
    }

    /// Whether the `count` bytes equal the first `count` bytes of `word` (ASCII letters),
    /// ignoring case.
    private static func matchesLowercase(_ bytes: UnsafePointer<UInt8>, count: Int, _ word: StaticString) -> Bool {
        guard count <= word.utf8CodeUnitCount else { return false }
        let letters = word.utf8Start
        for index in 0..<count {
            // Setting bit 5 lowercases an ASCII letter; the only bytes that it maps onto a given
            // lowercase letter are that letter and its capital, so nothing else matches.
            guard bytes[index] | 0x20 == letters[index] else { return false }
        }
        return true
    }
}
