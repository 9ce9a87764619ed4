/// Deflate's length symbols (RFC 1951 §3.2.5).
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
}
