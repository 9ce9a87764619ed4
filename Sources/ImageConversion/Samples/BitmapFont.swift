/// A built-in bitmap font for labelling sample grids without a font library: ASCII 32–126 as 5×9 pixel
/// glyphs (capitals and digits 7 pixels tall, two rows of descenders) on a 6×10 cell, drawn at an integer
/// scale. Characters outside printable ASCII are drawn as `?`, one per `Character`, so that every label
/// has a predictable width.
public struct BitmapFont: Sendable, Equatable {
    /// Glyph width in font pixels.
    static let glyphWidth = 5
    /// Glyph height in font pixels (7 above the baseline, 2 below).
    static let glyphHeight = 9
    /// Font pixels from one glyph's left edge to the next (one blank column between glyphs).
    static let cellWidth = 6
    /// Font pixels from one line's top to the next (one blank row below descenders).
    static let cellHeight = 10
    /// The largest scale accepted; larger requests are clamped so that widths cannot overflow.
    public static let maximumScale = 64

    /// Output pixels per font pixel, 1…``maximumScale``.
    public let scale: Int

    /// A font drawn at `scale` output pixels per font pixel, clamped to 1…``maximumScale``.
    public init(scale: Int = 1) {
        self.scale = min(max(scale, 1), Self.maximumScale)
    }

    /// Horizontal advance of one character in output pixels.
    public var characterWidth: Int { Self.cellWidth * scale }

    /// Height of one line of text in output pixels, descenders and the gap below them included.
    public var lineHeight: Int { Self.cellHeight * scale }

    /// Width of `text` in output pixels: one ``characterWidth`` per `Character`, including the blank
    /// column after the last glyph (so a label of width w needs w pixels, gap included).
    public func width(of text: String) -> Int {
        text.count * characterWidth
    }

    /// How many characters fit in `width` output pixels (0 for non-positive widths).
    public func characterCount(fitting width: Int) -> Int {
        max(width, 0) / characterWidth
    }

    /// Where a too-long string loses characters.
    public enum Truncation: Sendable, Equatable {
        /// Keep the start: `"galaxy_cutout..."`.
        case end
        /// Keep both ends, a third of the room for the start and two thirds for the end, which keeps file
        /// names' frame numbers and extensions: `"galaxy_cutout_0042.fits"` in 15 characters is
        /// `"gala...042.fits"`.
        case middle
    }

    /// `text` shortened with `"..."` (ASCII, because the font has no `…`) so that it fits in `width`
    /// output pixels; unchanged when it fits. When not even the ellipsis plus one character fits, the
    /// first characters that fit are returned without an ellipsis (possibly none).
    public func truncated(_ text: String, toWidth width: Int, at position: Truncation = .end) -> String {
        let available = characterCount(fitting: width)
        let characters = Array(text)
        guard characters.count > available else { return text }
        let ellipsis = "..."
        let kept = available - ellipsis.count
        guard kept >= 1 else { return String(characters.prefix(available)) }
        switch position {
        case .end:
            return String(characters.prefix(kept)) + ellipsis
        case .middle:
            // Two thirds go to the tail: file names differ in their frame numbers and extensions, and
            // usually share a prefix.
            let head = kept / 3
            return String(characters.prefix(head)) + ellipsis + String(characters.suffix(kept - head))
        }
    }

    /// Draws `text` in one line with the top-left corner of its first cell at (x, y). Everything falling
    /// outside `image` is clipped, so any coordinates (negative, huge) and any text length are safe. Only
    /// glyph pixels are written; the background shows through.
    public func draw(_ text: String, into image: inout RGB8Image, x: Int, y: Int, color: RGB8Color) {
        guard !image.isEmpty, y < image.height, RGB8Image.saturatingAdd(y, lineHeight) > 0 else { return }
        var originX = x
        for character in text {
            if originX >= image.width { break }  // the rest of the line is off the right edge
            if RGB8Image.saturatingAdd(originX, characterWidth) > 0 {
                drawGlyph(Self.glyphIndex(of: character), into: &image, x: originX, y: y, color: color)
            }
            originX = RGB8Image.saturatingAdd(originX, characterWidth)
        }
    }

    /// Draws glyph number `glyph` (0 = space) with its cell's top-left corner at (x, y), clipped.
    private func drawGlyph(_ glyph: Int, into image: inout RGB8Image, x: Int, y: Int, color: RGB8Color) {
        let base = glyph * Self.glyphHeight
        for row in 0..<Self.glyphHeight {
            let bits = Self.glyphRows[base + row]
            guard bits != 0 else { continue }
            for column in 0..<Self.glyphWidth where bits & (0x10 >> column) != 0 {
                image.fillRect(
                    x: x + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
            }
        }
    }

    /// The glyph number of a character: its ASCII code − 32, or that of `?` for anything else (control
    /// characters, non-ASCII letters, emoji, multi-scalar clusters).
    static func glyphIndex(of character: Character) -> Int {
        let question = Int(UInt8(ascii: "?")) - 32
        guard let ascii = character.asciiValue, (32...126).contains(ascii) else { return question }
        return Int(ascii) - 32
    }

    /// The rows of one glyph (``glyphHeight`` bytes, bit 4 = leftmost column), for inspection and tests.
    static func rows(of character: Character) -> ArraySlice<UInt8> {
        let start = glyphIndex(of: character) * glyphHeight
        return glyphRows[start..<(start + glyphHeight)]
    }
}
