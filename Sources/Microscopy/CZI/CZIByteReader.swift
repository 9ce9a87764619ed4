/// Little-endian fields of a CZI structure, read from a window of the file's bytes. Every read is
/// bounds-checked against the window; a field outside it reads as `nil`.
struct CZIByteReader {
    /// The window's bytes.
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func int32(at offset: Int) -> Int? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        return Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    }

    func int64(at offset: Int) -> Int? {
        guard offset >= 0, offset <= bytes.count - 8 else { return nil }
        return Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
    }

    func float32(at offset: Int) -> Float? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    func float64(at offset: Int) -> Double? {
        guard offset >= 0, offset <= bytes.count - 8 else { return nil }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }

    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[offset]
    }

    /// `count` bytes from `offset`, or `nil` when they are not all in the window.
    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// A NUL-padded ASCII field (a segment id, an attachment name) as text, up to its first NUL.
    func text(_ offset: Int, _ count: Int) -> String? {
        guard let field = slice(offset, count) else { return nil }
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A 16-byte GUID in the registry format (`{…}` without braces), Windows byte order.
    func guid(at offset: Int) -> String? {
        guard let field = slice(offset, 16) else { return nil }
        let digits = Array("0123456789abcdef")
        func hex(_ indices: [Int]) -> String {
            indices.map { "\(digits[Int(field[$0] >> 4)])\(digits[Int(field[$0] & 15)])" }.joined()
        }
        return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex(Array(10..<16))].joined(separator: "-")
    }
}
