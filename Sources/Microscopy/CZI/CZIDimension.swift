/// A dimension of CZI's subblock coordinates, by its letter in the file.
///
/// `X` and `Y` place a subblock in the plane; `T`, `Z` and `C` become the image's axes; `S` picks
/// the scene (one ``CZIImage`` each) and `M` numbers the tiles of a mosaic. `R`, `I`, `H`, `V` and
/// `B` have no axis in the shared model: a reader reads one index of each (the first, unless
/// ``CZIFile/init(path:limits:selecting:)`` picks another).
public enum CZIDimension: Character, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Columns.
    case x = "X"
    /// Rows.
    case y = "Y"
    /// Focal planes.
    case z = "Z"
    /// Channels.
    case c = "C"
    /// Time points.
    case t = "T"
    /// Rotations.
    case r = "R"
    /// Scenes.
    case s = "S"
    /// Illuminations.
    case i = "I"
    /// Phases (Airyscan detector elements, for example).
    case h = "H"
    /// Views.
    case v = "V"
    /// Blocks (acquisition blocks of an experiment).
    case b = "B"
    /// Mosaic tiles.
    case m = "M"

    /// The dimension's letter.
    public var description: String { String(rawValue) }

    /// The dimensions that have no axis in the shared model and are read at one index.
    public static let selectable: [CZIDimension] = [.r, .i, .h, .v, .b]

    /// The dimension named by a directory entry's 4-byte field (`"Z\0\0\0"`), or `nil`.
    init?(field: UInt8) {
        guard let dimension = CZIDimension(rawValue: Character(Unicode.Scalar(field))) else { return nil }
        self = dimension
    }

    /// A slot per non-spatial dimension, for the fixed-size coordinate arrays of directory entries.
    var slot: Int? {
        switch self {
        case .x, .y: nil
        case .z: 0
        case .c: 1
        case .t: 2
        case .r: 3
        case .s: 4
        case .i: 5
        case .h: 6
        case .v: 7
        case .b: 8
        case .m: 9
        }
    }

    static let slotCount = 10
}
