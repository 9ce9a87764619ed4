/// Composites GIF frames into full RGBA canvases the way Pillow does (its default loading
/// strategy), so that decodes agree with the images Python users see:
///
/// - The first frame is a palette image: pixels outside its rectangle take the transparent
///   index (or 0); its transparent index reads as alpha 0.
/// - From the second frame on, the canvas is RGB, or RGBA when the first frame had
///   transparency. Each frame is drawn over it through its own transparency.
/// - Disposal applies to the frame's rectangle before the next frame: 2 fills it with the
///   transparent colour (alpha 0) or else the background colour, 3 restores what was there
///   before the frame. A frame without a disposal method keeps the previous frame's.
/// - Palettes that are the grey ramp count as "no palette" (grey values), and colour indices past
///   the palette read as colour 0 where Pillow falls back to it.
struct GIFCompositor {
    let width: Int
    let height: Int
    let globalPalette: [UInt8]?
    let background: Int?

    private enum Mode { case indexed, rgb, rgba }
    private var mode = Mode.indexed
    /// Indices (first frame) or RGBA pixels (later frames).
    private var indices: [UInt8]
    private var canvas: [UInt8]
    private var firstPalette: [UInt8]?
    private var firstTransparency: Int?
    private var disposalMethod = 0
    private var pending: (fill: [UInt8]?, copy: [UInt8]?, x: Int, y: Int, width: Int, height: Int)?
    private var frameIndex = 0

    init(width: Int, height: Int, globalPalette: [UInt8]?, background: Int?) {
        self.width = width
        self.height = height
        self.globalPalette = Self.needed(globalPalette)
        self.background = background
        indices = [UInt8](repeating: 0, count: width * height)
        canvas = []
    }

    /// A palette, unless it is the grey ramp (then grey values are the indices themselves).
    static func needed(_ palette: [UInt8]?) -> [UInt8]? {
        guard let palette else { return nil }
        for i in stride(from: 0, to: palette.count - 2, by: 3) where !(palette[i] == i / 3 && palette[i + 1] == i / 3 && palette[i + 2] == i / 3) {
            return palette
        }
        return nil
    }

    private static func rgb(_ index: Int, _ palette: [UInt8]?) -> (UInt8, UInt8, UInt8) {
        guard let palette else { return (UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index)) }
        let i = index * 3 + 3 > palette.count ? 0 : index
        guard i * 3 + 2 < palette.count else { return (0, 0, 0) }
        return (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
    }

    /// Draws the next frame (its indices cover its rectangle) and returns the canvas as RGBA.
    mutating func draw(_ frame: GIFFrameInfo, pixels: [UInt8]) -> [UInt8] {
        let palette = frame.localPalette.map { Self.needed($0) } ?? globalPalette
        // The previous frame's disposal, then (from the second frame) the switch to RGB(A).
        if let dispose = pending { apply(dispose) }
        if frameIndex == 1, mode == .indexed, firstPalette != nil {
            convertToColour()
        }
        if frame.disposal != 0 { disposalMethod = frame.disposal }
        let box = clip(frame)
        // This frame's disposal, applied before the next one.
        pending = nil
        if box.width > 0, box.height > 0, disposalMethod >= 2 {
            if disposalMethod == 2 {
                let transparent = frameIndex == 0 ? (firstTransparency ?? frame.transparency) : frame.transparency
                if let transparent {
                    let (r, g, b) = Self.rgb(transparent, palette)
                    pending = (mode == .indexed ? [UInt8(truncatingIfNeeded: transparent)] : [r, g, b, 0], nil, box.x, box.y, box.width, box.height)
                } else {
                    let index = background ?? 0
                    let (r, g, b) = Self.rgb(index, palette)
                    pending = (mode == .indexed ? [UInt8(truncatingIfNeeded: index)] : [r, g, b, 255], nil, box.x, box.y, box.width, box.height)
                }
            } else if frameIndex > 0 {
                pending = (nil, region(box), box.x, box.y, box.width, box.height)
            } else if let transparent = frame.transparency {
                pending = ([UInt8(truncatingIfNeeded: transparent)], nil, box.x, box.y, box.width, box.height)
            }
        }
        if frameIndex == 0 {
            firstPalette = palette
            firstTransparency = frame.transparency
            if let transparent = frame.transparency {
                indices = [UInt8](repeating: UInt8(truncatingIfNeeded: transparent), count: width * height)
            }
            for y in 0..<box.height {
                for x in 0..<box.width {
                    indices[(box.y + y) * width + box.x + x] = pixels[(y + box.y - frame.y) * frame.width + x + box.x - frame.x]
                }
            }
        } else if mode == .indexed {
            // Grey images (no palette) stay grey; transparent pixels are not drawn.
            for y in 0..<box.height {
                for x in 0..<box.width {
                    let value = pixels[(y + box.y - frame.y) * frame.width + x + box.x - frame.x]
                    if Int(value) != frame.transparency { indices[(box.y + y) * width + box.x + x] = value }
                }
            }
        } else {
            for y in 0..<box.height {
                for x in 0..<box.width {
                    let value = Int(pixels[(y + box.y - frame.y) * frame.width + x + box.x - frame.x])
                    if value == frame.transparency { continue }
                    let (r, g, b) = Self.rgb(value, palette)
                    let at = ((box.y + y) * width + box.x + x) * 4
                    canvas[at] = r
                    canvas[at + 1] = g
                    canvas[at + 2] = b
                    canvas[at + 3] = 255
                }
            }
        }
        frameIndex += 1
        return output()
    }

    private func clip(_ frame: GIFFrameInfo) -> (x: Int, y: Int, width: Int, height: Int) {
        let x0 = min(frame.x, width), y0 = min(frame.y, height)
        return (x0, y0, max(0, min(frame.x + frame.width, width) - x0), max(0, min(frame.y + frame.height, height) - y0))
    }

    private func region(_ box: (x: Int, y: Int, width: Int, height: Int)) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<box.height {
            let start = ((box.y + y) * width + box.x) * 4
            out += canvas[start..<(start + box.width * 4)]
        }
        return out
    }

    private mutating func apply(_ dispose: (fill: [UInt8]?, copy: [UInt8]?, x: Int, y: Int, width: Int, height: Int)) {
        for y in 0..<dispose.height {
            for x in 0..<dispose.width {
                let pixel = (dispose.y + y) * width + dispose.x + x
                if mode == .indexed {
                    if let fill = dispose.fill { indices[pixel] = fill[0] }
                } else if let fill = dispose.fill {
                    // An RGBA fill pasted onto an RGB canvas keeps only its colour.
                    canvas[pixel * 4] = fill[0]
                    canvas[pixel * 4 + 1] = fill[1]
                    canvas[pixel * 4 + 2] = fill[2]
                    canvas[pixel * 4 + 3] = mode == .rgba ? fill[3] : 255
                } else if let copy = dispose.copy {
                    let from = (y * dispose.width + x) * 4
                    for c in 0..<4 { canvas[pixel * 4 + c] = copy[from + c] }
                }
            }
        }
    }

    private mutating func convertToColour() {
        mode = firstTransparency == nil ? .rgb : .rgba
        canvas = indexedRGBA()
    }

    private func output() -> [UInt8] { mode == .indexed ? indexedRGBA() : canvas }

    /// The indexed canvas through the first frame's palette; its transparent index is alpha 0.
    private func indexedRGBA() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 4)
        for pixel in 0..<(width * height) {
            let index = Int(indices[pixel])
            let (r, g, b) = Self.rgb(index, firstPalette)
            out[pixel * 4] = r
            out[pixel * 4 + 1] = g
            out[pixel * 4 + 2] = b
            out[pixel * 4 + 3] = index == firstTransparency ? 0 : 255
        }
        return out
    }
}
