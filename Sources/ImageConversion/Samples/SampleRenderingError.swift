/// Why a sample image or grid could not be made. Odd but valid inputs (0×0 images, 1×N strips, NaN-only
/// frames) are not errors: only shapes that contradict their data or would need unbounded memory are.
public enum SampleRenderingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A dimension was negative.
    case negativeDimension(String)
    /// The element count implied by the dimensions differs from the count supplied.
    case countMismatch(expected: Int, actual: Int)
    /// The pixel count overflows `Int` or exceeds ``RGB8Image/maximumPixelCount``.
    case tooLarge(width: Int, height: Int)
    /// More tiles than ``SampleGrid/maximumTiles`` were given.
    case tooManyTiles(count: Int, limit: Int)

    /// A one-line explanation for command-line output.
    public var description: String {
        switch self {
        case .negativeDimension(let what): "negative dimension: \(what)"
        case .countMismatch(let expected, let actual): "expected \(expected) values, got \(actual)"
        case .tooLarge(let width, let height): "image too large to render: \(width)×\(height)"
        case .tooManyTiles(let count, let limit): "\(count) sample images requested; at most \(limit) fit in one grid"
        }
    }
}
