/// An opaque 8-bit RGB colour.
public struct RGB8Color: Sendable, Equatable, Hashable {
    /// Red, 0…255.
    public var red: UInt8
    /// Green, 0…255.
    public var green: UInt8
    /// Blue, 0…255.
    public var blue: UInt8

    /// A colour from its three components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A grey level (all three components equal).
    public init(grey: UInt8) {
        self.init(red: grey, green: grey, blue: grey)
    }

    /// Pure white: label text.
    public static let white = RGB8Color(grey: 255)
    /// Pure black: non-finite pixels and empty images.
    public static let black = RGB8Color(grey: 0)
}
