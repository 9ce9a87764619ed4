/// A numeric element type that ``DisplayNormalization`` can render: every Zarr numeric dtype except
/// float16, which callers widen to `Float` first (Swift's `Float16` does not exist on Intel macOS).
public protocol DisplayScalar: Sendable {
    /// The value as a `Double`; float NaN and ±infinity stay non-finite. 64-bit integers beyond 2^53 are
    /// rounded, which is invisible after quantising to 256 grey levels.
    var displayValue: Double { get }

    /// For integer types of at most 16 bits, every value the type can hold; percentiles are then read off
    /// a histogram in O(n) time with no copy of the data. `nil` (the default) selects on a copy instead.
    static var histogramRange: ClosedRange<Int>? { get }
}

extension DisplayScalar {
    /// No histogram: wide integers and floats use selection on a copy.
    public static var histogramRange: ClosedRange<Int>? { nil }
}

extension Double: DisplayScalar {
    /// The value itself.
    public var displayValue: Double { self }
}

extension Float: DisplayScalar {
    /// The value widened exactly.
    public var displayValue: Double { Double(self) }
}

extension UInt8: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
    /// 0…255.
    public static var histogramRange: ClosedRange<Int>? { 0...255 }
}

extension Int8: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
    /// −128…127.
    public static var histogramRange: ClosedRange<Int>? { -128...127 }
}

extension UInt16: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
    /// 0…65535.
    public static var histogramRange: ClosedRange<Int>? { 0...65535 }
}

extension Int16: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
    /// −32768…32767.
    public static var histogramRange: ClosedRange<Int>? { -32768...32767 }
}

extension UInt32: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
}

extension Int32: DisplayScalar {
    /// The value, exact.
    public var displayValue: Double { Double(self) }
}

extension UInt64: DisplayScalar {
    /// The value, rounded to 53 bits beyond 2^53.
    public var displayValue: Double { Double(self) }
}

extension Int64: DisplayScalar {
    /// The value, rounded to 53 bits beyond ±2^53.
    public var displayValue: Double { Double(self) }
}

extension Int: DisplayScalar {
    /// The value, rounded to 53 bits beyond ±2^53.
    public var displayValue: Double { Double(self) }
}
