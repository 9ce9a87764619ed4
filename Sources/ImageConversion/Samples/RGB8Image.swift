/// An 8-bit RGB raster, row-major and pixel-interleaved (H×W×3, the layout PNG encoders and PPM take), which is
/// what display normalisation produces, the bitmap font draws into and the sample grid assembles.
///
/// Zero-sized images (0×N, N×0, 0×0) are valid and have no pixels. The size is capped by
/// ``maximumPixelCount`` so that a bogus shape fails with an error instead of exhausting memory.
public struct RGB8Image: Sendable, Equatable {
    /// Largest accepted `width × height`: 64 Mi pixels (192 MiB of RGB), far beyond any sample grid.
    public static let maximumPixelCount = 1 << 26

    /// Width in pixels (≥ 0).
    public let width: Int
    /// Height in pixels (≥ 0).
    public let height: Int
    /// `height × width × 3` bytes: row 0 first, each pixel red, green, blue.
    public internal(set) var pixels: [UInt8]

    /// An image filled with one colour.
    /// - Throws: ``SampleRenderingError`` for a negative or too large size.
    public init(width: Int, height: Int, fill: RGB8Color = .black) throws(SampleRenderingError) {
        let count = try Self.byteCount(width: width, height: height)
        self.width = width
        self.height = height
        if fill.red == fill.green && fill.green == fill.blue {
            pixels = [UInt8](repeating: fill.red, count: count)
        } else {
            pixels = [UInt8](repeating: 0, count: count)
            for offset in stride(from: 0, to: count, by: 3) {
                pixels[offset] = fill.red
                pixels[offset + 1] = fill.green
                pixels[offset + 2] = fill.blue
            }
        }
    }

    /// An image over existing H×W×3 bytes.
    /// - Throws: ``SampleRenderingError`` when `pixels.count` is not `width × height × 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(SampleRenderingError) {
        let count = try Self.byteCount(width: width, height: height)
        guard pixels.count == count else { throw .countMismatch(expected: count, actual: pixels.count) }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Size-checked construction for code that has already validated the size (internal callers only).
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// `width × height × 3`, refusing negative sizes, overflow and more than ``maximumPixelCount`` pixels.
    static func byteCount(width: Int, height: Int) throws(SampleRenderingError) -> Int {
        guard width >= 0 else { throw .negativeDimension("width \(width)") }
        guard height >= 0 else { throw .negativeDimension("height \(height)") }
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= maximumPixelCount else { throw .tooLarge(width: width, height: height) }
        return pixelCount * 3
    }

    /// True when the image has no pixels.
    public var isEmpty: Bool { width == 0 || height == 0 }

    /// The colour at (x, y), or nil outside the image.
    public func pixel(x: Int, y: Int) -> RGB8Color? {
        guard x >= 0, x < width, y >= 0, y < height else { return nil }
        let offset = (y * width + x) * 3
        return RGB8Color(red: pixels[offset], green: pixels[offset + 1], blue: pixels[offset + 2])
    }

    /// Fills the part of a rectangle that lies inside the image; the rest is ignored, so callers can draw
    /// without clipping arithmetic of their own.
    mutating func fillRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: RGB8Color) {
        // Clamp in Int with saturating adds so that huge or negative rectangles cannot overflow.
        let x0 = max(x, 0)
        let y0 = max(y, 0)
        let x1 = min(width, Self.saturatingAdd(x, max(rectWidth, 0)))
        let y1 = min(height, Self.saturatingAdd(y, max(rectHeight, 0)))
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            var offset = (row * width + x0) * 3
            for _ in x0..<x1 {
                pixels[offset] = color.red
                pixels[offset + 1] = color.green
                pixels[offset + 2] = color.blue
                offset += 3
            }
        }
    }

    /// Copies `source` with its top-left corner at (x, y), dropping whatever falls outside this image.
    mutating func draw(_ source: RGB8Image, x: Int, y: Int) {
        let x0 = max(x, 0)
        let y0 = max(y, 0)
        let x1 = min(width, Self.saturatingAdd(x, source.width))
        let y1 = min(height, Self.saturatingAdd(y, source.height))
        guard x0 < x1, y0 < y1 else { return }
        let rowBytes = (x1 - x0) * 3
        for row in y0..<y1 {
            let target = (row * width + x0) * 3
            let from = ((row - y) * source.width + (x0 - x)) * 3
            pixels.replaceSubrange(target..<(target + rowBytes), with: source.pixels[from..<(from + rowBytes)])
        }
    }

    /// This image resampled to `newWidth × newHeight` by nearest neighbour: blocky upscales keep single
    /// pixels of tiny images (28×28 digits) crisp, and downscales stay cheap. Returns an empty image when
    /// either size is zero or this image is empty.
    func resized(width newWidth: Int, height newHeight: Int) -> RGB8Image {
        guard newWidth > 0, newHeight > 0, !isEmpty,
              let count = try? Self.byteCount(width: newWidth, height: newHeight)
        else { return RGB8Image(uncheckedWidth: 0, height: 0, pixels: []) }
        if newWidth == width && newHeight == height { return self }
        let columns = (0..<newWidth).map { Self.nearestSource($0, of: newWidth, in: width) * 3 }
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        for row in 0..<newHeight {
            let sourceRow = Self.nearestSource(row, of: newHeight, in: height) * width * 3
            for column in columns {
                out[offset] = pixels[sourceRow + column]
                out[offset + 1] = pixels[sourceRow + column + 1]
                out[offset + 2] = pixels[sourceRow + column + 2]
                offset += 3
            }
        }
        return RGB8Image(uncheckedWidth: newWidth, height: newHeight, pixels: out)
    }

    /// The source index whose centre is nearest to the centre of destination index `index` when
    /// `sourceCount` samples are stretched over `destinationCount` (both > 0). Centre alignment keeps a
    /// downscale symmetric instead of dropping the last rows; integer arithmetic keeps it exact.
    static func nearestSource(_ index: Int, of destinationCount: Int, in sourceCount: Int) -> Int {
        // (2i + 1) · S / (2D), floored; computed in a wide type because i·S can overflow for huge sizes.
        let numerator = (2 * index + 1).multipliedFullWidth(by: sourceCount)
        let (quotient, _) = (2 * destinationCount).dividingFullWidth(numerator)
        return min(max(quotient, 0), sourceCount - 1)
    }

    /// `a + b` clamped to `Int.max` (b ≥ 0), for clipping maths on caller-supplied coordinates.
    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }
}
