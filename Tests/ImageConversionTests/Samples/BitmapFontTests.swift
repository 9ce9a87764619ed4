@testable import ImageConversion
import Testing

@Suite struct BitmapFontTests {
    /// `text` drawn white on black in an image exactly as wide as the font says.
    private func rendered(_ text: String, scale: Int = 1) throws -> RGB8Image {
        let font = BitmapFont(scale: scale)
        var image = try RGB8Image(width: font.width(of: text), height: font.lineHeight)
        font.draw(text, into: &image, x: 0, y: 0, color: .white)
        return image
    }

    @Test func digitsAreDistinctAndNonEmpty() throws {
        let digits = try "0123456789".map { try rendered(String($0)) }
        for (digit, image) in zip("0123456789", digits) {
            #expect(image.pixels.contains(255), "digit \(digit) draws nothing")
        }
        #expect(Set(digits.map(\.pixels)).count == 10)
        // Drawn side by side they land in their own cells.
        let line = try rendered("0123456789")
        for (position, image) in digits.enumerated() {
            for y in 0..<image.height {
                for x in 0..<image.width {
                    #expect(line.pixel(x: position * 6 + x, y: y) == image.pixel(x: x, y: y))
                }
            }
        }
    }

    @Test func everyPrintableGlyphIsDistinctAndInsideItsCell() {
        #expect(BitmapFont.glyphRows.count == 95 * BitmapFont.glyphHeight)
        let glyphs = (32...126).map { BitmapFont.rows(of: Character(Unicode.Scalar(UInt8($0)))) }
        #expect(Set(glyphs.map(Array.init)).count == 95)
        // Five columns only: bits above bit 4 would be cut off.
        #expect(BitmapFont.glyphRows.allSatisfy { $0 < 0x20 })
        #expect(glyphs.dropFirst().allSatisfy { $0.contains { $0 != 0 } })  // all but the space draw ink
    }

    @Test func scalesByWholeFactors() throws {
        let one = try rendered("7")
        let three = try rendered("7", scale: 3)
        #expect(three.width == 18 && three.height == 30)
        for y in 0..<three.height {
            for x in 0..<three.width {
                #expect(three.pixel(x: x, y: y) == one.pixel(x: x / 3, y: y / 3))
            }
        }
        #expect(BitmapFont(scale: 0).scale == 1)
        #expect(BitmapFont(scale: 1000).scale == BitmapFont.maximumScale)
    }

    @Test func unsupportedCharactersDrawAsQuestionMarks() throws {
        #expect(try rendered("é").pixels == rendered("?").pixels)
        #expect(try rendered("🙂\n").pixels == rendered("??").pixels)
        #expect(BitmapFont().width(of: "é🙂") == 12)
    }

    @Test func drawingIsClippedAnywhere() throws {
        var image = try RGB8Image(width: 7, height: 5)
        let font = BitmapFont(scale: 2)
        for (x, y) in [(-3, -4), (5, 3), (Int.min, Int.min), (Int.max, 0), (0, Int.max), (-20, 0)] {
            font.draw("Wide 0123456789 text", into: &image, x: x, y: y, color: .white)
        }
        font.draw(String(repeating: "x", count: 10_000), into: &image, x: -59_990, y: 0, color: .white)
        #expect(image.pixels.count == 7 * 5 * 3)
        var empty = try RGB8Image(width: 0, height: 0)
        font.draw("text", into: &empty, x: 0, y: 0, color: .white)
        #expect(empty.pixels.isEmpty)
    }

    @Test func truncatesAtEndOrMiddle() {
        let font = BitmapFont()
        #expect(font.truncated("short", toWidth: 30) == "short")
        #expect(font.truncated("galaxy_cutout_0042.fits", toWidth: 60) == "galaxy_...")
        #expect(font.truncated("galaxy_cutout_0042.fits", toWidth: 90, at: .middle) == "gala...042.fits")
        #expect(font.truncated("abcdef", toWidth: 18) == "abc")  // no room for "x..."
        #expect(font.truncated("abcdef", toWidth: -5) == "")
        #expect(font.characterCount(fitting: 11) == 1)
    }
}
