/// Deflate's length symbols and distance codes (RFC 1951 §3.2.5).
enum DeflateTables {
    /// Base length of symbols 257…285.
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    /// Extra bits of symbols 257…285.
    static let lengthExtraBits: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// The symbol of every match length 0…258 (entries below 3 unused).
    static let lengthSymbol: [UInt16] = {
        var table = [UInt16](repeating: 257, count: 259)
        for length in 3...258 {
            var symbol = 28
            while Int(lengthBase[symbol]) > length { symbol -= 1 }
            table[length] = UInt16(257 + symbol)
        }
        return table
    }()

    /// The code of `distance` (1…32768), with the count and value of its extra bits.
    @inline(__always)
    static func distanceCode(_ distance: Int) -> (code: Int, extraBits: Int, extra: Int) {
        let offset = distance - 1
        if offset < 4 { return (offset, 0, 0) }
        // Two codes per power of two: the bit below the leading one picks between them.
        let extraBits = Int.bitWidth - 2 - offset.leadingZeroBitCount
        return (2 * extraBits + 2 + ((offset >> extraBits) & 1), extraBits, offset & ((1 << extraBits) - 1))
    }

    /// Extra bits of distance code `code` (0…29).
    static func distanceExtraBits(_ code: Int) -> Int { code < 4 ? 0 : (code - 2) / 2 }
}
