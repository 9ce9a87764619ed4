import ImMetaIOCore

/// A window of a microscopy image: one range per axis of `TZCYX`. A `nil` range means the whole
/// axis. Samples (`S`) are always read whole.
///
/// ```swift
/// let window = MicroscopyRegion(c: 1..<2, y: 0..<1024, x: 0..<1024)
/// ```
public struct MicroscopyRegion: Sendable, Hashable {
    /// Time points, or `nil` for all.
    public var t: Range<Int>?
    /// Focal planes, or `nil` for all.
    public var z: Range<Int>?
    /// Channels, or `nil` for all.
    public var c: Range<Int>?
    /// Rows, or `nil` for all.
    public var y: Range<Int>?
    /// Columns, or `nil` for all.
    public var x: Range<Int>?

    /// Creates a region; omitted axes are whole.
    public init(t: Range<Int>? = nil, z: Range<Int>? = nil, c: Range<Int>? = nil, y: Range<Int>? = nil, x: Range<Int>? = nil) {
        self.t = t
        self.z = z
        self.c = c
        self.y = y
        self.x = x
    }

    /// The whole image.
    public static let all = MicroscopyRegion()

    /// The range given for an axis (`nil` for `S`, which is always whole).
    public subscript(axis: MicroscopyAxis) -> Range<Int>? {
        switch axis {
        case .t: t
        case .z: z
        case .c: c
        case .y: y
        case .x: x
        case .s: nil
        }
    }

    /// The region's ranges against a level's shape (in `TZCYX[S]` order): omitted axes become
    /// whole. Throws when a range is empty or outside the shape, naming the axis.
    public func resolved(against shape: [Int], file: String? = nil) throws(ImMetaIOError) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for (index, axis) in MicroscopyAxis.allCases.enumerated() where index < shape.count {
            let extent = shape[index]
            guard let range = self[axis] else { result.append(0..<extent); continue }
            guard range.lowerBound >= 0, range.upperBound <= extent, !range.isEmpty else {
                throw ImMetaIOError(
                    .invalidArgument, "the \(axis) range \(range.lowerBound)..<\(range.upperBound) is outside the axis (0..<\(extent))",
                    file: file)
            }
            result.append(range)
        }
        return result
    }
}
