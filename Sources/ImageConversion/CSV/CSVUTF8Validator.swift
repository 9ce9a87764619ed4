/// Checks that bytes are well-formed UTF-8, as Python's strict decoder (which pandas uses) does.
///
/// The whole input is checked once, up front: every byte of a CSV file belongs to a field or is
/// an ASCII separator, so this rejects the same files as decoding each field would, and it lets
/// the later stages build Strings without handling errors.
enum CSVUTF8Validator {
    /// Returns the offset of the first byte of the first ill-formed sequence, or `nil` if all of
    /// `bytes` is well-formed (surrogates, overlong forms and values above U+10FFFF are ill-formed).
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            // Most CSV bytes are ASCII: test eight at a time for a set high bit.
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte (Unicode Table 3-7);
            // later continuation bytes are always 0x80...0xBF.
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = base[index + 1]
            guard second >= secondLow && second <= secondHigh else { return index }
            var offset = 2
            while offset < length {
                guard base[index + offset] & 0xC0 == 0x80 else { return index }
                offset += 1
            }
            index += length
        }
        return nil
    }
}
