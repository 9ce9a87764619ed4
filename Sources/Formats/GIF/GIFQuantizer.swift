/// Reduces a frame to at most 256 colours for GIF: exact when the frame has few enough colours,
/// otherwise median cut on a 5-bit-per-channel histogram, refined by two k-means passes over the
/// histogram, then mapped through a lazily filled 32768-entry nearest-colour table, with optional
/// Floyd–Steinberg dithering. Pixels whose alpha is below 128 get a reserved transparent index.
enum GIFQuantizer {
    struct Result {
        /// RGB triples, at most 256 colours.
        var palette: [UInt8]
        /// One palette index per pixel.
        var indices: [UInt8]
        var transparentIndex: Int?
    }

    /// `pixels` holds `count` pixels of `channels` (1, 3 or 4) bytes each.
    static func quantize(_ pixels: UnsafeRawBufferPointer, count: Int, channels: Int, width: Int, paletteSize: Int, dither: Bool) -> Result {
        func rgb(_ i: Int) -> (Int, Int, Int) {
            let at = i * channels
            return channels < 3 ? (Int(pixels[at]), Int(pixels[at]), Int(pixels[at])) : (Int(pixels[at]), Int(pixels[at + 1]), Int(pixels[at + 2]))
        }
        func transparent(_ i: Int) -> Bool { channels == 4 && pixels[i * channels + 3] < 128 }
        let hasTransparency = channels == 4 && (0..<count).contains { transparent($0) }
        let slots = paletteSize - (hasTransparency ? 1 : 0)

        // Exact: few enough distinct colours.
        var distinct: [UInt32: UInt8] = [:]
        var exact = true
        for i in 0..<count where !transparent(i) {
            let (r, g, b) = rgb(i)
            let key = UInt32(r << 16 | g << 8 | b)
            if distinct[key] == nil {
                if distinct.count == slots {
                    exact = false
                    break
                }
                distinct[key] = UInt8(distinct.count)
            }
        }
        let transparentIndex = hasTransparency ? (exact ? distinct.count : slots) : nil
        if exact {
            var palette = [UInt8](repeating: 0, count: (distinct.count + (hasTransparency ? 1 : 0)) * 3)
            for (key, index) in distinct {
                palette[3 * Int(index)] = UInt8(key >> 16)
                palette[3 * Int(index) + 1] = UInt8((key >> 8) & 0xFF)
                palette[3 * Int(index) + 2] = UInt8(key & 0xFF)
            }
            var indices = [UInt8](repeating: 0, count: count)
            for i in 0..<count {
                if transparent(i) {
                    indices[i] = UInt8(transparentIndex ?? 0)
                } else {
                    let (r, g, b) = rgb(i)
                    indices[i] = distinct[UInt32(r << 16 | g << 8 | b)] ?? 0
                }
            }
            return Result(palette: palette, indices: indices, transparentIndex: transparentIndex)
        }

        // Histogram of 5-bit colours with sums for the means.
        var counts = [Int](repeating: 0, count: 32768)
        var sums = [Int](repeating: 0, count: 32768 * 3)
        for i in 0..<count where !transparent(i) {
            let (r, g, b) = rgb(i)
            let bin = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
            counts[bin] += 1
            sums[3 * bin] += r
            sums[3 * bin + 1] += g
            sums[3 * bin + 2] += b
        }
        let bins = (0..<32768).filter { counts[$0] > 0 }
        var palette = medianCut(bins, counts: counts, sums: sums, colors: slots)
        // k-means refinement over the histogram's bins.
        for _ in 0..<2 {
            var totals = [Int](repeating: 0, count: palette.count / 3 * 4)
            for bin in bins {
                let n = counts[bin]
                let color = (sums[3 * bin] / n, sums[3 * bin + 1] / n, sums[3 * bin + 2] / n)
                let nearest = Self.nearest(color, palette)
                totals[4 * nearest] += n
                totals[4 * nearest + 1] += sums[3 * bin]
                totals[4 * nearest + 2] += sums[3 * bin + 1]
                totals[4 * nearest + 3] += sums[3 * bin + 2]
            }
            for entry in 0..<(palette.count / 3) where totals[4 * entry] > 0 {
                for c in 0..<3 { palette[3 * entry + c] = UInt8(totals[4 * entry + 1 + c] / totals[4 * entry]) }
            }
        }
        if hasTransparency { palette += [0, 0, 0] }

        // Mapping through a lazily filled nearest-colour table.
        var table = [Int16](repeating: -1, count: 32768)
        func lookup(_ r: Int, _ g: Int, _ b: Int) -> UInt8 {
            let bin = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
            if table[bin] < 0 { table[bin] = Int16(nearest((r | 4, g | 4, b | 4), palette, limit: slots)) }
            return UInt8(table[bin])
        }
        var indices = [UInt8](repeating: 0, count: count)
        if !dither {
            for i in 0..<count {
                if transparent(i) {
                    indices[i] = UInt8(transparentIndex ?? 0)
                } else {
                    let (r, g, b) = rgb(i)
                    indices[i] = lookup(r, g, b)
                }
            }
        } else {
            // Floyd–Steinberg: errors carried to the right and to the next row.
            var current = [Int](repeating: 0, count: (width + 2) * 3), next = current
            for i in 0..<count {
                let x = i % width
                if x == 0, i > 0 {
                    current = next
                    next = [Int](repeating: 0, count: (width + 2) * 3)
                }
                if transparent(i) {
                    indices[i] = UInt8(transparentIndex ?? 0)
                    continue
                }
                let (r0, g0, b0) = rgb(i)
                let wanted = [r0 + current[3 * (x + 1)] / 16, g0 + current[3 * (x + 1) + 1] / 16, b0 + current[3 * (x + 1) + 2] / 16]
                    .map { min(255, max(0, $0)) }
                let index = Int(lookup(wanted[0], wanted[1], wanted[2]))
                indices[i] = UInt8(index)
                for c in 0..<3 {
                    let error = wanted[c] - Int(palette[3 * index + c])
                    current[3 * (x + 2) + c] += error * 7
                    next[3 * x + c] += error * 3
                    next[3 * (x + 1) + c] += error * 5
                    next[3 * (x + 2) + c] += error
                }
            }
        }
        return Result(palette: palette, indices: indices, transparentIndex: transparentIndex)
    }

    /// The palette entry nearest to `color` (squared RGB distance) among the first `limit`.
    static func nearest(_ color: (Int, Int, Int), _ palette: [UInt8], limit: Int = .max) -> Int {
        var best = 0, bestDistance = Int.max
        for entry in 0..<min(limit, palette.count / 3) {
            let dr = color.0 - Int(palette[3 * entry]), dg = color.1 - Int(palette[3 * entry + 1]), db = color.2 - Int(palette[3 * entry + 2])
            let distance = dr * dr + dg * dg + db * db
            if distance < bestDistance {
                bestDistance = distance
                best = entry
            }
        }
        return best
    }

    /// Median cut over histogram bins: the box with the most pixels times its widest side is split
    /// at its pixel median along that side, until there are `colors` boxes; each box's colour is
    /// its pixels' mean.
    static func medianCut(_ bins: [Int], counts: [Int], sums: [Int], colors: Int) -> [UInt8] {
        func component(_ bin: Int, _ axis: Int) -> Int { (bin >> (10 - 5 * axis)) & 31 }
        var boxes: [[Int]] = [bins]
        while boxes.count < colors {
            var best = -1, bestScore = 0, bestAxis = 0
            for (index, box) in boxes.enumerated() where box.count > 1 {
                var score = 0, axis = 0
                var total = 0
                for bin in box { total += counts[bin] }
                for a in 0..<3 {
                    var low = 31, high = 0
                    for bin in box {
                        let v = component(bin, a)
                        low = min(low, v)
                        high = max(high, v)
                    }
                    if (high - low) * total > score {
                        score = (high - low) * total
                        axis = a
                    }
                }
                if score > bestScore {
                    bestScore = score
                    best = index
                    bestAxis = axis
                }
            }
            guard best >= 0 else { break }
            let sorted = boxes[best].sorted { component($0, bestAxis) < component($1, bestAxis) }
            let half = sorted.reduce(0) { $0 + counts[$1] } / 2
            var running = 0, split = 1
            for (position, bin) in sorted.enumerated() {
                running += counts[bin]
                if running >= half {
                    split = max(1, min(sorted.count - 1, position + 1))
                    break
                }
            }
            boxes[best] = Array(sorted[..<split])
            boxes.append(Array(sorted[split...]))
        }
        var palette: [UInt8] = []
        for box in boxes {
            var n = 0, r = 0, g = 0, b = 0
            for bin in box {
                n += counts[bin]
                r += sums[3 * bin]
                g += sums[3 * bin + 1]
                b += sums[3 * bin + 2]
            }
            palette += n == 0 ? [0, 0, 0] : [UInt8(r / n), UInt8(g / n), UInt8(b / n)]
        }
        return palette
    }
}
