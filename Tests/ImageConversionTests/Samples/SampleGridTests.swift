@testable import ImageConversion
import Testing

@Suite struct SampleGridTests {
    private func solid(_ width: Int, _ height: Int, _ grey: UInt8 = 200) throws -> RGB8Image {
        try RGB8Image(width: width, height: height, fill: RGB8Color(grey: grey))
    }

    @Test(arguments: 1...9)
    func gridDimensionsFollowTheCount(count: Int) throws {
        // 32×32 images: cell 128 (the minimum), font scale 1 → label strip 10 + 4, padding 8.
        let tiles = try (0..<count).map { SampleGrid.Tile(image: try solid(32, 32), index: $0) }
        let image = try SampleGrid().render(tiles)
        let columns = min(count, 4)
        let rows = (count + 3) / 4
        #expect(image.width == 8 + columns * (128 + 8))
        #expect(image.height == 8 + rows * (128 + 14 + 8))
        // Hand-computed corners of the table.
        let expected = [1: (144, 158), 4: (552, 158), 5: (552, 308), 9: (552, 458)]
        if let (width, height) = expected[count] {
            #expect(image.width == width && image.height == height)
        }
    }

    @Test func mixedSizesShareOneCellAndAreScaledToIt() throws {
        let images = try [solid(28, 28, 10), solid(300, 100, 20), solid(0, 0), solid(10000, 1, 30), solid(1, 1, 40)]
        let grid = SampleGrid()
        let layout = grid.layout(for: images)
        #expect(layout.cellSide == 256)
        #expect(layout.font.scale == 2)
        #expect(layout.columns == 4 && layout.rows == 2)
        #expect(layout.width == 8 + 4 * (256 + 8))
        #expect(layout.height == 8 + 2 * (256 + 24 + 8))  // strip: 20 (line at scale 2) + 4
        let sizes = images.map { SampleGrid.displaySize(width: $0.width, height: $0.height, cellSide: 256) }
        #expect(sizes.map(\.width) == [252, 256, 0, 256, 256])
        #expect(sizes.map(\.height) == [252, 85, 0, 1, 256])

        let canvas = try grid.render(images.enumerated().map { SampleGrid.Tile(image: $1, index: $0) })
        #expect(canvas.width == layout.width && canvas.height == layout.height)
        // Centres of the cells (the 256×1 line sits on row (256 − 1) / 2 = 127).
        for (position, grey) in [(0, 10), (1, 20), (3, 30), (4, 40)] as [(Int, UInt8)] {
            let origin = layout.cellOrigin(of: position, labelPosition: .below)
            #expect(canvas.pixel(x: origin.x + 128, y: origin.y + 127) == RGB8Color(grey: grey))
        }
        let line = layout.cellOrigin(of: 3, labelPosition: .below)
        #expect(canvas.pixel(x: line.x + 128, y: line.y + 126) == grid.background)
        // The 300×100 image is centred vertically: above it is background.
        let second = layout.cellOrigin(of: 1, labelPosition: .below)
        #expect(canvas.pixel(x: second.x + 128, y: second.y + 10) == grid.background)
    }

    @Test func smallCellsKeepIntegerUpscaling() {
        #expect(SampleGrid.displaySize(width: 28, height: 28, cellSide: 128) == (112, 112))
        #expect(SampleGrid.displaySize(width: 28, height: 14, cellSide: 128) == (112, 56))
        #expect(SampleGrid.displaySize(width: 100, height: 100, cellSide: 128) == (100, 100))
        #expect(SampleGrid.displaySize(width: 1, height: 1, cellSide: 128) == (128, 128))
        #expect(SampleGrid.displaySize(width: 5, height: 0, cellSide: 128) == (0, 0))
    }

    @Test func labelsAreClippedToTheirCell() throws {
        let grid = SampleGrid(maximumColumns: 2, maximumCellSide: 40, minimumCellSide: 40, padding: 8)
        let tiles = try [
            SampleGrid.Tile(
                image: solid(40, 40), index: Int.min, caption: String(repeating: "long_name_", count: 1000)),
            SampleGrid.Tile(image: solid(40, 40), index: 1, caption: "é🙂\u{0}\t"),
        ]
        let canvas = try grid.render(tiles)
        let layout = grid.layout(for: tiles.map(\.image))
        // The gap between the two cells stays background over the full height: nothing spilt over.
        for y in 0..<canvas.height {
            for x in (8 + 40)..<(8 + 40 + 8) {
                #expect(canvas.pixel(x: x, y: y) == grid.background)
            }
        }
        #expect(canvas.width == layout.width)
        // Tiny cells with a huge font, labels above, and a title do not crash either.
        let tiny = SampleGrid(maximumCellSide: 2, padding: 0, labelPosition: .above, fontScale: 64, title: "t")
        let small = try tiny.render(tiles)
        #expect(small.width == 4)
    }

    @Test func longCaptionsKeepTheIndexAndLoseTheirMiddle() throws {
        let grid = SampleGrid(maximumCellSide: 128, minimumCellSide: 128, padding: 0)
        let tile = SampleGrid.Tile(image: try solid(128, 128), index: 42, caption: "hsc_cutout_g_band_000123.fits")
        // 128 px at scale 1 holds 21 characters: "42: " plus 17 of the caption, i.e. 4 + "..." + 10.
        let withCaption = try grid.render([tile])
        let expectedText = "42: " + BitmapFont().truncated(tile.caption ?? "", toWidth: 128 - 24, at: .middle)
        #expect(expectedText == "42: hsc_...00123.fits")
        // Strip: one 10 px line + 2 px of air (padding 0); text centred:
        // x = (128 − 126 + 1) / 2, y = (12 − 10 + 1) / 2.
        var reference = try RGB8Image(width: 128, height: 12, fill: grid.background)
        BitmapFont().draw(expectedText, into: &reference, x: 1, y: 1, color: .white)
        let strip = Array(withCaption.pixels[(128 * 128 * 3)...])
        let matches = strip == reference.pixels  // compared outside #expect: a failure would print 5000 bytes
        #expect(matches)
    }

    @Test func emptyAndOversizedRequests() throws {
        let none = try SampleGrid().render([])
        #expect(none.width == 8 && none.height == 8)
        let titled = try SampleGrid(title: "Nothing").render([])
        #expect(titled.height == 8 + 10 + 8)
        let tile = SampleGrid.Tile(image: try solid(1, 1), index: 0)
        #expect(throws: SampleRenderingError.tooManyTiles(count: 65, limit: 64)) {
            try SampleGrid().render(Array(repeating: tile, count: 65))
        }
        // All-empty images still get a cell (minimum side) with "empty" written in it.
        let empties = try SampleGrid().render([SampleGrid.Tile(image: try solid(0, 0), index: 3)])
        #expect(empties.width == 144)
        #expect(empties.pixels.contains(128))
    }
}
