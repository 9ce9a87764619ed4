/// One pixel of 1–4 bytes as a comparable value, for finding runs of equal pixels.
protocol PixelValue: Equatable {
    /// Bytes per pixel.
    static var byteCount: Int { get }
    /// The pixel at `pointer` (may read up to 4 bytes; buffers are padded).
    static func load(_ pointer: UnsafeMutablePointer<UInt8>) -> Self
    /// Whether every byte of the pixel at `pointer` is the same.
    static func isGrey(_ pointer: UnsafeMutablePointer<UInt8>) -> Bool
}

extension UInt8: PixelValue {
    static var byteCount: Int { 1 }
    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<UInt8>) -> UInt8 { pointer[0] }
    @inline(__always) static func isGrey(_ pointer: UnsafeMutablePointer<UInt8>) -> Bool { true }
}

extension UInt16: PixelValue {
    static var byteCount: Int { 2 }
    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<UInt8>) -> UInt16 {
        UnsafeRawPointer(pointer).loadUnaligned(as: UInt16.self)
    }
    @inline(__always) static func isGrey(_ pointer: UnsafeMutablePointer<UInt8>) -> Bool { pointer[0] == pointer[1] }
}

extension UInt32: PixelValue {
    static var byteCount: Int { 4 }
    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<UInt8>) -> UInt32 {
        UnsafeRawPointer(pointer).loadUnaligned(as: UInt32.self)
    }
    @inline(__always) static func isGrey(_ pointer: UnsafeMutablePointer<UInt8>) -> Bool {
        let value = load(pointer)
        return value == (value & 0xFF) &* 0x0101_0101
    }
}

/// A 3-byte pixel, loaded as 4 bytes with the fourth masked off.
struct Pixel24: PixelValue {
    var value: UInt32
    static var byteCount: Int { 3 }
    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<UInt8>) -> Pixel24 {
        Pixel24(value: UnsafeRawPointer(pointer).loadUnaligned(as: UInt32.self) & 0x00FF_FFFF)
    }
    @inline(__always) static func isGrey(_ pointer: UnsafeMutablePointer<UInt8>) -> Bool {
        let value = load(pointer).value
        return value == (value & 0xFF) &* 0x01_0101
    }
}
