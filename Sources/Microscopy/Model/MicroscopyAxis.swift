/// One axis of a microscopy image. Every image opens in the canonical order `TZCYX`, with `S`
/// (samples of an RGB pixel) appended when the pixels are colour.
public enum MicroscopyAxis: Character, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Time points.
    case t = "T"
    /// Focal planes.
    case z = "Z"
    /// Channels (fluorophores, detectors, lasers).
    case c = "C"
    /// Rows.
    case y = "Y"
    /// Columns.
    case x = "X"
    /// Samples of one pixel (the R, G, B of a colour camera), innermost.
    case s = "S"

    /// The axis letter.
    public var description: String { String(rawValue) }

    /// The five canonical axes, `TZCYX`.
    public static let canonical: [MicroscopyAxis] = [.t, .z, .c, .y, .x]

    /// The axes string (`"TZCYX"`, or `"TZCYXS"` for colour pixels).
    public static func string(samples: Bool) -> String { samples ? "TZCYXS" : "TZCYX" }
}

/// A channel: what was imaged in it.
public struct MicroscopyChannel: Sendable, Hashable, Codable {
    /// The channel's name (`DAPI`, `GFP`, `Ch1-T1`), when the file gives one.
    public var name: String?
    /// The display colour as RGBA, when the file gives one.
    public var color: RGBAColor?
    /// The excitation wavelength.
    public var excitationWavelength: Length?
    /// The emission wavelength.
    public var emissionWavelength: Length?
    /// Samples per pixel in this channel (3 for an RGB camera channel).
    public var samplesPerPixel: Int?

    /// Creates a channel description.
    public init(
        name: String? = nil, color: RGBAColor? = nil, excitationWavelength: Length? = nil, emissionWavelength: Length? = nil,
        samplesPerPixel: Int? = nil
    ) {
        self.name = name
        self.color = color
        self.excitationWavelength = excitationWavelength
        self.emissionWavelength = emissionWavelength
        self.samplesPerPixel = samplesPerPixel
    }
}

/// An RGBA colour, 8 bits per component. OME-XML stores it as one signed 32-bit integer
/// (`0xRRGGBBAA`); OME-Zarr's `omero` block as hex `RRGGBB`.
public struct RGBAColor: Sendable, Hashable, Codable {
    /// Red.
    public var red: UInt8
    /// Green.
    public var green: UInt8
    /// Blue.
    public var blue: UInt8
    /// Alpha (255: opaque).
    public var alpha: UInt8

    /// Creates a colour.
    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// The colour from OME-XML's signed 32-bit `RRGGBBAA` integer.
    public init(omeInteger: Int32) {
        let bits = UInt32(bitPattern: omeInteger)
        self.init(red: UInt8(bits >> 24), green: UInt8(truncatingIfNeeded: bits >> 16), blue: UInt8(truncatingIfNeeded: bits >> 8),
            alpha: UInt8(truncatingIfNeeded: bits))
    }

    /// OME-XML's signed 32-bit `RRGGBBAA` integer.
    public var omeInteger: Int32 {
        Int32(bitPattern: UInt32(red) << 24 | UInt32(green) << 16 | UInt32(blue) << 8 | UInt32(alpha))
    }

    /// `RRGGBB` in upper-case hex, as OME-Zarr's `omero.channels[].color`.
    public var hexRGB: String {
        let digits = Array("0123456789ABCDEF")
        return [red, green, blue].map { "\(digits[Int($0 >> 4)])\(digits[Int($0 & 15)])" }.joined()
    }

    /// Parses `RRGGBB` or `RRGGBBAA` hex, with or without a leading `#`.
    public init?(hex text: String) {
        var digits = Substring(text.trimmingSpaces)
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        guard digits.count == 6 || digits.count == 8, let value = UInt32(digits, radix: 16) else { return nil }
        let full = digits.count == 6 ? value << 8 | 0xFF : value
        self.init(omeInteger: Int32(bitPattern: full))
    }
}
