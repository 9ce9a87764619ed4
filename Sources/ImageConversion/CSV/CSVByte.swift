/// The ASCII bytes that CSV syntax and pandas' number rules care about.
enum CSVByte {
    /// `\n`, a line end.
    static let lineFeed: UInt8 = 0x0A
    /// `\r`, a line end alone or before `\n`.
    static let carriageReturn: UInt8 = 0x0D
    /// `,`, the field separator.
    static let comma: UInt8 = 0x2C
    /// `"`, the quote character.
    static let quote: UInt8 = 0x22
    /// ` `.
    static let space: UInt8 = 0x20
    /// `\t`.
    static let tab: UInt8 = 0x09
    /// `+`, a number's optional sign.
    static let plus: UInt8 = 0x2B
    /// `-`, a number's sign.
    static let minus: UInt8 = 0x2D
    /// `.`, the decimal point.
    static let period: UInt8 = 0x2E
    /// `0`; digits are `zero...zero + 9`.
    static let zero: UInt8 = 0x30

    /// C's `isspace` in the "C" locale (space, \t, \n, \v, \f, \r): what pandas skips around numbers.
    @inline(__always)
    static func isNumberSpace(_ byte: UInt8) -> Bool {
        byte == space || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Space or tab: what pandas treats as a blank line's content (its `IS_WHITESPACE`).
    @inline(__always)
    static func isBlankLineSpace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }
}
