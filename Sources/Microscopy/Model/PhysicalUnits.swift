/// A unit of length as OME-XML spells it (`UnitsLength` of the 2016-06 schema), with its size in
/// metres and its UDUNITS name for OME-Zarr.
///
/// ```swift
/// let size = Length(0.65, .micrometer)
/// size.converted(to: .nanometer).value   // 650
/// ```
public enum LengthUnit: String, Sendable, Hashable, CaseIterable, Codable {
    case yottameter = "Ym", zettameter = "Zm", exameter = "Em", petameter = "Pm", terameter = "Tm"
    case gigameter = "Gm", megameter = "Mm", kilometer = "km", hectometer = "hm", decameter = "dam"
    case meter = "m", decimeter = "dm", centimeter = "cm", millimeter = "mm", micrometer = "µm"
    case nanometer = "nm", picometer = "pm", femtometer = "fm", attometer = "am", zeptometer = "zm"
    case yoctometer = "ym", angstrom = "Å", thou = "thou", line = "li", inch = "in", foot = "ft"
    case yard = "yd", mile = "mi", astronomicalUnit = "ua", lightYear = "ly", parsec = "pc"
    case point = "pt", pixel = "pixel", referenceFrame = "reference frame"

    /// The OME-XML symbol (`µm`, `nm` …).
    public var symbol: String { rawValue }

    /// Metres per unit, or `nil` for `pixel` and `reference frame`, which have no physical size.
    public var meters: Double? {
        switch self {
        case .yottameter: 1e24
        case .zettameter: 1e21
        case .exameter: 1e18
        case .petameter: 1e15
        case .terameter: 1e12
        case .gigameter: 1e9
        case .megameter: 1e6
        case .kilometer: 1e3
        case .hectometer: 1e2
        case .decameter: 1e1
        case .meter: 1
        case .decimeter: 1e-1
        case .centimeter: 1e-2
        case .millimeter: 1e-3
        case .micrometer: 1e-6
        case .nanometer: 1e-9
        case .picometer: 1e-12
        case .femtometer: 1e-15
        case .attometer: 1e-18
        case .zeptometer: 1e-21
        case .yoctometer: 1e-24
        case .angstrom: 1e-10
        case .thou: 2.54e-5
        case .line: 2.54e-2 / 12
        case .inch: 2.54e-2
        case .foot: 0.3048
        case .yard: 0.9144
        case .mile: 1609.344
        case .astronomicalUnit: 149_597_870_700
        case .lightYear: 9_460_730_472_580_800
        case .parsec: 3.085_677_581_491_367e16
        case .point: 2.54e-2 / 72
        case .pixel, .referenceFrame: nil
        }
    }

    /// The UDUNITS-2 name OME-Zarr uses for the unit (`micrometer`), or `nil` when it has none.
    public var udunitsName: String? {
        switch self {
        case .yottameter: "yottameter"
        case .zettameter: "zettameter"
        case .exameter: "exameter"
        case .petameter: "petameter"
        case .terameter: "terameter"
        case .gigameter: "gigameter"
        case .megameter: "megameter"
        case .kilometer: "kilometer"
        case .hectometer: "hectometer"
        case .decameter: "decameter"
        case .meter: "meter"
        case .decimeter: "decimeter"
        case .centimeter: "centimeter"
        case .millimeter: "millimeter"
        case .micrometer: "micrometer"
        case .nanometer: "nanometer"
        case .picometer: "picometer"
        case .femtometer: "femtometer"
        case .attometer: "attometer"
        case .zeptometer: "zeptometer"
        case .yoctometer: "yoctometer"
        case .angstrom: "angstrom"
        case .inch: "inch"
        case .foot: "foot"
        case .yard: "yard"
        case .mile: "mile"
        case .parsec: "parsec"
        case .point: "point"
        case .thou, .line, .astronomicalUnit, .lightYear, .pixel, .referenceFrame: nil
        }
    }

    /// Parses an OME symbol (`µm`), the ASCII spellings files use for it (`um`, `micron`,
    /// `\u{3bc}m` with the Greek mu), or a UDUNITS name (`micrometer`). Case matters for symbols
    /// (`Mm` is not `mm`); names are matched case-insensitively.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces
        if let exact = LengthUnit(rawValue: trimmed) { self = exact; return }
        switch trimmed.lowercased() {
        case "um", "\u{3bc}m", "micron", "microns", "micrometre", "micrometers", "micrometres": self = .micrometer; return
        case "nanometre", "nanometers": self = .nanometer; return
        case "millimetre", "millimeters": self = .millimeter; return
        case "metre", "meters": self = .meter; return
        case "a", "angstroms", "ångström": self = .angstrom; return
        case "pixels", "px": self = .pixel; return
        default: break
        }
        let lower = trimmed.lowercased()
        if let named = LengthUnit.allCases.first(where: { $0.udunitsName == lower }) { self = named; return }
        return nil
    }
}

/// A unit of time as OME-XML spells it (`UnitsTime` of the 2016-06 schema).
public enum TimeUnit: String, Sendable, Hashable, CaseIterable, Codable {
    case yottasecond = "Ys", zettasecond = "Zs", exasecond = "Es", petasecond = "Ps", terasecond = "Ts"
    case gigasecond = "Gs", megasecond = "Ms", kilosecond = "ks", hectosecond = "hs", decasecond = "das"
    case second = "s", decisecond = "ds", centisecond = "cs", millisecond = "ms", microsecond = "µs"
    case nanosecond = "ns", picosecond = "ps", femtosecond = "fs", attosecond = "as", zeptosecond = "zs"
    case yoctosecond = "ys", minute = "min", hour = "h", day = "d"

    /// The OME-XML symbol (`s`, `ms` …).
    public var symbol: String { rawValue }

    /// Seconds per unit.
    public var seconds: Double {
        switch self {
        case .yottasecond: 1e24
        case .zettasecond: 1e21
        case .exasecond: 1e18
        case .petasecond: 1e15
        case .terasecond: 1e12
        case .gigasecond: 1e9
        case .megasecond: 1e6
        case .kilosecond: 1e3
        case .hectosecond: 1e2
        case .decasecond: 1e1
        case .second: 1
        case .decisecond: 1e-1
        case .centisecond: 1e-2
        case .millisecond: 1e-3
        case .microsecond: 1e-6
        case .nanosecond: 1e-9
        case .picosecond: 1e-12
        case .femtosecond: 1e-15
        case .attosecond: 1e-18
        case .zeptosecond: 1e-21
        case .yoctosecond: 1e-24
        case .minute: 60
        case .hour: 3600
        case .day: 86400
        }
    }

    /// The UDUNITS-2 name OME-Zarr uses for the unit (`second`, `millisecond` …).
    public var udunitsName: String {
        switch self {
        case .yottasecond: "yottasecond"
        case .zettasecond: "zettasecond"
        case .exasecond: "exasecond"
        case .petasecond: "petasecond"
        case .terasecond: "terasecond"
        case .gigasecond: "gigasecond"
        case .megasecond: "megasecond"
        case .kilosecond: "kilosecond"
        case .hectosecond: "hectosecond"
        case .decasecond: "decasecond"
        case .second: "second"
        case .decisecond: "decisecond"
        case .centisecond: "centisecond"
        case .millisecond: "millisecond"
        case .microsecond: "microsecond"
        case .nanosecond: "nanosecond"
        case .picosecond: "picosecond"
        case .femtosecond: "femtosecond"
        case .attosecond: "attosecond"
        case .zeptosecond: "zeptosecond"
        case .yoctosecond: "yoctosecond"
        case .minute: "minute"
        case .hour: "hour"
        case .day: "day"
        }
    }

    /// Parses an OME symbol (`ms`), a common spelling (`sec`, `us`), or a UDUNITS name.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces
        if let exact = TimeUnit(rawValue: trimmed) { self = exact; return }
        switch trimmed.lowercased() {
        case "sec", "secs", "seconds": self = .second; return
        case "msec", "milliseconds": self = .millisecond; return
        case "us", "\u{3bc}s", "microseconds": self = .microsecond; return
        case "minutes", "mins": self = .minute; return
        case "hours", "hr", "hrs": self = .hour; return
        case "days": self = .day; return
        default: break
        }
        let lower = trimmed.lowercased()
        if let named = TimeUnit.allCases.first(where: { $0.udunitsName == lower }) { self = named; return }
        return nil
    }
}

/// A length with its unit, kept as the file gave it (a size in nm stays in nm).
public struct Length: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number, in ``unit``.
    public var value: Double
    /// The unit of ``value``.
    public var unit: LengthUnit

    /// Creates a length.
    public init(_ value: Double, _ unit: LengthUnit = .micrometer) {
        self.value = value
        self.unit = unit
    }

    /// The same length in another unit, or `nil` when either unit has no physical size.
    public func converted(to other: LengthUnit) -> Length? {
        guard let from = unit.meters, let to = other.meters else { return unit == other ? self : nil }
        return Length(value * from / to, other)
    }

    /// `0.65 µm`.
    public var description: String { "\(value.shortDescription) \(unit.symbol)" }
}

/// A duration with its unit, kept as the file gave it.
public struct TimeQuantity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number, in ``unit``.
    public var value: Double
    /// The unit of ``value``.
    public var unit: TimeUnit

    /// Creates a duration.
    public init(_ value: Double, _ unit: TimeUnit = .second) {
        self.value = value
        self.unit = unit
    }

    /// The same duration in another unit.
    public func converted(to other: TimeUnit) -> TimeQuantity {
        TimeQuantity(value * unit.seconds / other.seconds, other)
    }

    /// `2.5 s`.
    public var description: String { "\(value.shortDescription) \(unit.symbol)" }
}

extension Double {
    /// `2` for 2.0, `0.65` for 0.65: the shortest text that reads back as the same number.
    var shortDescription: String {
        if self == rounded(), abs(self) < 1e15 { return String(Int64(self)) }
        return "\(self)"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines (cheaper than Foundation's
    /// `trimmingCharacters`, and available without it).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
