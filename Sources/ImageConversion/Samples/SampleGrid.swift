/// Lays out sample images (already normalised, see ``DisplayNormalization``) in a labelled grid: the
/// picture `immetaio samples` writes, after `images_to_zarr`'s `display_sample_images`.
///
/// Layout, in output pixels:
/// - Tiles fill rows of at most ``maximumColumns`` (default 4), left to right, top to bottom.
/// - Every tile has a square cell of one common side: the largest side among the images, clamped to
///   ``minimumCellSide``…``maximumCellSide`` (default 128…256).
/// - An image larger than the cell is reduced by nearest neighbour to fit (aspect kept, each side ≥ 1 px,
///   so a 10000×1 strip becomes a 256×1 line); a smaller one is enlarged by the largest integer factor
///   that fits, so 28×28 digits show as crisp 112×112 blocks. It is centred in its cell.
/// - A label strip under (or over) each cell reads `"<index>"` or `"<index>: <caption>"`, centred. A
///   caption too long for the cell loses its middle to `"..."`; if nothing of it fits it is dropped, and an
///   index wider than the cell is clipped at the cell's edges. An empty image (0×N) shows `"empty"` in its
///   cell instead of pixels.
/// - ``padding`` separates cells from each other and from the border; an optional ``title`` sits on top.
/// - The background is dark grey, text white.
public struct SampleGrid: Sendable, Equatable {
    /// One image of the grid and what its label says.
    public struct Tile: Sendable, Equatable {
        /// The picture, any size (0×0 included).
        public var image: RGB8Image
        /// Index of the image in its array, always shown.
        public var index: Int
        /// Optional text after the index, e.g. the source file name.
        public var caption: String?

        /// A tile showing `image` labelled with `index` and, if given, `caption`.
        public init(image: RGB8Image, index: Int, caption: String? = nil) {
            self.image = image
            self.index = index
            self.caption = caption
        }
    }

    /// Where the label strip goes relative to its image.
    public enum LabelPosition: Sendable, Equatable {
        /// Under the image (default).
        case below
        /// Over the image, like matplotlib subplot titles.
        case above
    }

    /// The most tiles one grid takes, which bounds its memory (64 cells of 256 px ≈ 15 MB of RGB).
    public static let maximumTiles = 64

    /// Most tiles per row (clamped to 1…16; default 4).
    public var maximumColumns: Int
    /// Largest cell side in pixels (clamped to 1…2048; default 256).
    public var maximumCellSide: Int
    /// Smallest cell side, reached by integer upscaling of small images (clamped to 1…``maximumCellSide``;
    /// default 128).
    public var minimumCellSide: Int
    /// Gap between cells and around the grid (clamped to 0…256; default 8).
    public var padding: Int
    /// Side of the label strip.
    public var labelPosition: LabelPosition
    /// Font scale of labels and title; nil (default) picks 2 for cells of at least 192 px, else 1.
    public var fontScale: Int?
    /// Optional heading drawn across the top (truncated to the grid's width).
    public var title: String?
    /// Background colour (default grey 40).
    public var background: RGB8Color
    /// Text colour (default white).
    public var textColor: RGB8Color

    /// A grid layout; the defaults give at most 4 columns of 128–256 px cells with labels below.
    public init(
        maximumColumns: Int = 4, maximumCellSide: Int = 256, minimumCellSide: Int = 128, padding: Int = 8,
        labelPosition: LabelPosition = .below, fontScale: Int? = nil, title: String? = nil,
        background: RGB8Color = RGB8Color(grey: 40), textColor: RGB8Color = .white
    ) {
        self.maximumColumns = maximumColumns
        self.maximumCellSide = maximumCellSide
        self.minimumCellSide = minimumCellSide
        self.padding = padding
        self.labelPosition = labelPosition
        self.fontScale = fontScale
        self.title = title
        self.background = background
        self.textColor = textColor
    }

    /// The geometry of one grid, computed before any drawing.
    public struct Layout: Sendable, Equatable {
        /// Tiles per row.
        public var columns: Int
        /// Number of rows.
        public var rows: Int
        /// Side of every square image cell.
        public var cellSide: Int
        /// Height of each label strip.
        public var labelHeight: Int
        /// Height of the title band (0 without a title).
        public var titleHeight: Int
        /// Gap between cells and around the grid.
        public var padding: Int
        /// Font used for labels and title.
        public var font: BitmapFont
        /// Width of the whole grid.
        public var width: Int
        /// Height of the whole grid.
        public var height: Int

        /// Top-left corner of tile `position`'s image cell (row-major order).
        public func cellOrigin(of position: Int, labelPosition: LabelPosition) -> (x: Int, y: Int) {
            let column = position % max(columns, 1)
            let row = position / max(columns, 1)
            let x = padding + column * (cellSide + padding)
            let top = titleHeight + padding + row * (cellSide + labelHeight + padding)
            return (x, labelPosition == .above ? top + labelHeight : top)
        }
    }

    /// The layout for one tile per image (only the images' sizes matter). ``render(_:)`` additionally
    /// refuses more than ``maximumTiles``.
    public func layout(for images: [RGB8Image]) -> Layout {
        let columnLimit = min(max(maximumColumns, 1), 16)
        let largestCell = min(max(maximumCellSide, 1), 2048)
        let smallestCell = min(max(minimumCellSide, 1), largestCell)
        let gap = min(max(padding, 0), 256)
        let largestSide = images.lazy.filter { !$0.isEmpty }.map { max($0.width, $0.height) }.max() ?? 0
        let cellSide = min(max(largestSide, smallestCell), largestCell)
        let font = BitmapFont(scale: fontScale ?? (cellSide >= 192 ? 2 : 1))
        // The strip holds one line plus a little air between text and the neighbouring image.
        let labelHeight = font.lineHeight + max(gap / 2, 2)
        let titleHeight = title == nil ? 0 : font.lineHeight + gap
        let columns = min(columnLimit, images.count)  // 0 without tiles: the grid is just its border
        let rows = images.isEmpty ? 0 : (images.count - 1) / columns + 1
        let width = gap + columns * (cellSide + gap)
        let height = titleHeight + gap + rows * (cellSide + labelHeight + gap)
        return Layout(
            columns: columns, rows: rows, cellSide: cellSide, labelHeight: labelHeight, titleHeight: titleHeight,
            padding: gap, font: font, width: width, height: height)
    }

    /// The size an image of `width × height` is drawn at in a square cell of side `cellSide`: reduced to fit
    /// (aspect kept, sides ≥ 1) when larger, enlarged by the largest whole factor that fits when smaller,
    /// (0, 0) for an empty image.
    public static func displaySize(width: Int, height: Int, cellSide: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0, cellSide > 0 else { return (0, 0) }
        let longest = max(width, height)
        if longest > cellSide {
            return DisplayNormalization.reducedSize(width: width, height: height, maximumSide: cellSide)
        }
        let factor = cellSide / longest
        return (width * factor, height * factor)
    }

    /// The label text of a tile before truncation.
    public static func label(index: Int, caption: String?) -> String {
        guard let caption, !caption.isEmpty else { return "\(index)" }
        return "\(index): \(caption)"
    }

    /// Draws the grid.
    /// - Returns: an RGB image of ``Layout/width`` × ``Layout/height``; with no tiles, just the border
    ///   (and title).
    /// - Throws: ``SampleRenderingError/tooManyTiles(count:limit:)`` beyond ``maximumTiles``.
    public func render(_ tiles: [Tile]) throws(SampleRenderingError) -> RGB8Image {
        guard tiles.count <= Self.maximumTiles else {
            throw .tooManyTiles(count: tiles.count, limit: Self.maximumTiles)
        }
        let layout = layout(for: tiles.map(\.image))
        var canvas = try RGB8Image(width: layout.width, height: layout.height, fill: background)
        let font = layout.font
        if let title {
            let text = font.truncated(title, toWidth: layout.width - 2 * layout.padding)
            let x = (layout.width - font.width(of: text) + font.scale) / 2  // the last glyph's gap is not ink
            font.draw(text, into: &canvas, x: x, y: layout.padding, color: textColor)
        }
        for (position, tile) in tiles.enumerated() {
            let cell = layout.cellOrigin(of: position, labelPosition: labelPosition)
            let side = layout.cellSide
            let size = Self.displaySize(width: tile.image.width, height: tile.image.height, cellSide: side)
            if size.width > 0 && size.height > 0 {
                let scaled = tile.image.resized(width: size.width, height: size.height)
                canvas.draw(scaled, x: cell.x + (side - size.width) / 2, y: cell.y + (side - size.height) / 2)
            } else {
                let text = font.truncated("empty", toWidth: side)
                font.draw(
                    text, into: &canvas, x: cell.x + (side - font.width(of: text) + font.scale) / 2,
                    y: cell.y + (side - font.lineHeight + font.scale) / 2, color: RGB8Color(grey: 128))
            }
            let stripY = labelPosition == .below ? cell.y + side : cell.y - layout.labelHeight
            let strip = labelStrip(for: tile, width: side, height: layout.labelHeight, font: font)
            canvas.draw(strip, x: cell.x, y: stripY)
        }
        return canvas
    }

    /// The label of `tile` drawn on a strip of the cell's width, so that text can never spill into a
    /// neighbouring cell: a caption loses its middle first, and an over-long index is clipped by the strip.
    private func labelStrip(for tile: Tile, width: Int, height: Int, font: BitmapFont) -> RGB8Image {
        // Sizes come from a valid layout, so this cannot fail; an empty strip is the safe fallback.
        guard var strip = try? RGB8Image(width: width, height: height, fill: background) else {
            return RGB8Image(uncheckedWidth: 0, height: 0, pixels: [])
        }
        let indexText = "\(tile.index)"
        var text = Self.label(index: tile.index, caption: tile.caption)
        if font.width(of: text) > width {
            let prefix = indexText + ": "
            let captionRoom = width - font.width(of: prefix)
            let minimumCaption = 4  // one character and "..."; anything less says nothing
            if let caption = tile.caption, font.characterCount(fitting: captionRoom) >= minimumCaption {
                text = prefix + font.truncated(caption, toWidth: captionRoom, at: .middle)
            } else {
                text = indexText
            }
        }
        // Centre; a too-wide index starts at 0 so its leading digits stay visible.
        let x = max((width - font.width(of: text) + font.scale) / 2, 0)
        let y = (height - font.lineHeight + font.scale) / 2
        font.draw(text, into: &strip, x: x, y: y, color: textColor)
        return strip
    }
}
