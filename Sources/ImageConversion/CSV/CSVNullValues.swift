/// pandas' default missing-value strings (`pandas._libs.parsers.STR_NA_VALUES` in pandas 3.1).
///
/// A field is missing only when it equals one of these exactly: case and surrounding spaces
/// count (`" NA"` and `"none"` are text in pandas too). Quoting does not protect a value: the
/// tokenizer has already removed the quotes, as pandas' has.
enum CSVNullValues {
    /// The list, for documentation and tests; ``isNull(_:count:)`` is its fast form.
    static let strings: [String] = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    /// Whether the `count` bytes at `bytes` are one of ``strings``.
    ///
    /// No string is longer than eight bytes, so a field is packed into one little-endian word
    /// and compared with the packed strings of its length: this runs for every cell.
    @inline(__always)
    static func isNull(_ bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
        if count == 0 { return true }
        if count > 8 { return false }
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(bytes[index]) << UInt64(8 * index) }
        switch count {
        case 2:
            return word == 0x414E  // NA
        case 3:
            return word == 0x41_4E23  // #NA
                || word == 0x41_2F4E  // N/A
                || word == 0x4E_614E  // NaN
                || word == 0x61_2F6E  // n/a
                || word == 0x6E_616E  // nan
        case 4:
            return word == 0x412F_4E23  // #N/A
                || word == 0x4E61_4E2D  // -NaN
                || word == 0x6E61_6E2D  // -nan
                || word == 0x3E41_4E3C  // <NA>
                || word == 0x4C4C_554E  // NULL
                || word == 0x656E_6F4E  // None
                || word == 0x6C6C_756E  // null
        case 6:
            return word == 0x444E_4923_2E31  // 1.#IND
        case 7:
            return word == 0x44_4E49_232E_312D  // -1.#IND
                || word == 0x4E_414E_5123_2E31  // 1.#QNAN
        case 8:
            return word == 0x412F_4E20_412F_4E23  // #N/A N/A
                || word == 0x4E41_4E51_232E_312D  // -1.#QNAN
        default:
            return false
        }
    }
}
