/// Errors of array construction and conversion (programming mistakes with data-dependent values).
public enum NDArrayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The number of elements does not fit the shape.
    case shapeMismatch(expected: [Int], actual: [Int])
    /// A shape with a negative extent, more than one `-1`, or a byte count that overflows.
    case invalidShape([Int])
    /// The axes are not a permutation of the array's axes.
    case invalidAxes([Int], rank: Int)
    /// Arrays that must share a dtype do not.
    case dtypeMismatch(expected: DType, actual: DType)

    /// A sentence naming the problem and the values involved.
    public var description: String {
        switch self {
        case .shapeMismatch(let expected, let actual):
            "shape \(expected) does not match \(actual)"
        case .invalidShape(let shape): "invalid shape \(shape)"
        case .invalidAxes(let axes, let rank): "axes \(axes) are not a permutation of 0..<\(rank)"
        case .dtypeMismatch(let expected, let actual): "dtype \(actual) where \(expected) was expected"
        }
    }
}
