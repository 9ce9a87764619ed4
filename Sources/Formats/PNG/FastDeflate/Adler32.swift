/// Adler-32 arithmetic (RFC 1950) for joining the checksums of independently compressed parts.
enum Adler32 {
    private static let modulus: UInt64 = 65521

    /// The Adler-32 of A followed by B, from the Adler-32 of A, that of B and B's length.
    static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        let m = modulus
        let length = UInt64(secondLength) % m
        let a1 = UInt64(first & 0xFFFF), b1 = UInt64(first >> 16)
        let a2 = UInt64(second & 0xFFFF), b2 = UInt64(second >> 16)
        // a = a1 + a2 - 1; b = b1 + b2 + length × (a1 - 1)  (all mod 65521)
        let a = (a1 + a2 + m - 1) % m
        let b = (b1 + b2 + (length * ((a1 + m - 1) % m)) % m) % m
        return UInt32(b << 16 | a)
    }
}
