/// Halves a block of a pyramid level (`t, c, z, y, x`, C order) in `y` and `x`, and in `z` when
/// asked: the next level's pixels for that block.
///
/// A halved axis of `n` pixels becomes `⌈n/2⌉`: the last pixel of an odd axis is averaged with
/// no partner. Means of integers are rounded to the nearest integer, halves upwards
/// (`⌊sum/n + ½⌋`, exact for every width: `n` is always 1, 2, 4 or 8, so the division is a
/// shift); floats are summed in double precision; float16 goes through float32.
enum PyramidDownsampler {
    /// The shape of the downsampled block.
    static func outputShape(_ shape: [Int], halvesZ: Bool) -> [Int] {
        [shape[0], shape[1], halvesZ ? (shape[2] + 1) / 2 : shape[2], (shape[3] + 1) / 2, (shape[4] + 1) / 2]
    }

    static func downsample(_ block: NDArray, halvesZ: Bool, method: OMEZarrDownsampling) -> NDArray {
        let shape = block.shape
        let geometry = Geometry(shape: shape, halvesZ: halvesZ)
        let output = outputShape(shape, halvesZ: halvesZ)
        if method == .nearest || block.dtype == .bool {
            return NDArray(unsafeUninitializedShape: output, dtype: block.dtype) { out in
                block.withUnsafeBytes { source in
                    switch block.dtype.itemSize {
                    case 1: nearest(source, out, geometry, as: UInt8.self)
                    case 2: nearest(source, out, geometry, as: UInt16.self)
                    case 4: nearest(source, out, geometry, as: UInt32.self)
                    default: nearest(source, out, geometry, as: UInt64.self)
                    }
                }
            }
        }
        if block.dtype == .float16 {
            return downsample(block.astype(.float32), halvesZ: halvesZ, method: method).astype(.float16)
        }
        return NDArray(unsafeUninitializedShape: output, dtype: block.dtype) { out in
            block.withUnsafeBytes { source in
                switch block.dtype {
                case .uint8: meanOfSmallIntegers(source, out, geometry, as: UInt8.self)
                case .uint16: meanOfSmallIntegers(source, out, geometry, as: UInt16.self)
                case .uint32: meanOfSmallIntegers(source, out, geometry, as: UInt32.self)
                case .int8: meanOfSmallIntegers(source, out, geometry, as: Int8.self)
                case .int16: meanOfSmallIntegers(source, out, geometry, as: Int16.self)
                case .int32: meanOfSmallIntegers(source, out, geometry, as: Int32.self)
                case .uint64: meanOfWideIntegers(source, out, geometry, as: UInt64.self)
                case .int64: meanOfWideIntegers(source, out, geometry, as: Int64.self)
                case .float32: meanOfFloats(source, out, geometry, as: Float.self)
                default: meanOfFloats(source, out, geometry, as: Double.self)
                }
            }
        }
    }

    /// The block's extents and the rows that make each output row.
    struct Geometry {
        let planes: Int
        let depth: Int, height: Int, width: Int
        let outDepth: Int, outHeight: Int, outWidth: Int
        let halvesZ: Bool

        init(shape: [Int], halvesZ: Bool) {
            planes = shape[0] * shape[1]
            depth = shape[2]
            height = shape[3]
            width = shape[4]
            outDepth = halvesZ ? (depth + 1) / 2 : depth
            outHeight = (height + 1) / 2
            outWidth = (width + 1) / 2
            self.halvesZ = halvesZ
        }

        /// Calls `body` for every output row with its index (in output elements / outWidth) and
        /// the source rows (element offsets) it averages.
        func forEachOutputRow(_ body: (_ outputRow: Int, _ sourceRows: [Int]) -> Void) {
            var rows: [Int] = []
            rows.reserveCapacity(4)
            var outputRow = 0
            for plane in 0..<planes {
                for oz in 0..<outDepth {
                    let z0 = halvesZ ? 2 * oz : oz
                    let zCount = halvesZ ? min(2, depth - z0) : 1
                    for oy in 0..<outHeight {
                        let y0 = 2 * oy
                        let yCount = min(2, height - y0)
                        rows.removeAll(keepingCapacity: true)
                        for dz in 0..<zCount {
                            for dy in 0..<yCount { rows.append(((plane * depth + z0 + dz) * height + y0 + dy) * width) }
                        }
                        body(outputRow, rows)
                        outputRow += 1
                    }
                }
            }
        }
    }

    private static func nearest<T>(_ source: UnsafeRawBufferPointer, _ out: UnsafeMutableRawBufferPointer, _ g: Geometry, as: T.Type) {
        let src = source.bindMemory(to: T.self)
        let dst = out.bindMemory(to: T.self)
        g.forEachOutputRow { outputRow, rows in
            let from = rows[0], to = outputRow * g.outWidth
            for ox in 0..<g.outWidth { dst[to + ox] = src[from + 2 * ox] }
        }
    }

    /// The shift dividing by `count` (1, 2, 4 or 8 pixels).
    private static func shift(_ count: Int) -> Int { count.trailingZeroBitCount }

    /// Integers of up to 32 bits: exact sums in Int64.
    private static func meanOfSmallIntegers<T: FixedWidthInteger>(
        _ source: UnsafeRawBufferPointer, _ out: UnsafeMutableRawBufferPointer, _ g: Geometry, as: T.Type
    ) {
        let src = source.bindMemory(to: T.self)
        let dst = out.bindMemory(to: T.self)
        var sums = [Int64](repeating: 0, count: g.width)
        sums.withUnsafeMutableBufferPointer { sums in
            g.forEachOutputRow { outputRow, rows in
                let first = rows[0]
                for x in 0..<g.width { sums[x] = Int64(src[first + x]) }
                for row in rows.dropFirst() {
                    for x in 0..<g.width { sums[x] += Int64(src[row + x]) }
                }
                let to = outputRow * g.outWidth
                let pairShift = Int64(shift(rows.count * 2)), pairHalf = Int64(rows.count)
                for ox in 0..<(g.width / 2) {
                    dst[to + ox] = T(truncatingIfNeeded: (sums[2 * ox] + sums[2 * ox + 1] + pairHalf) >> pairShift)
                }
                if g.width % 2 == 1 {
                    let count = rows.count
                    dst[to + g.outWidth - 1] = T(truncatingIfNeeded: (sums[g.width - 1] + Int64(count / 2)) >> Int64(shift(count)))
                }
            }
        }
    }

    /// 64-bit integers: the high and low 32 bits summed apart, so no sum overflows, and joined
    /// after the division (exact because the divisor is a power of two).
    private static func meanOfWideIntegers<T: FixedWidthInteger>(
        _ source: UnsafeRawBufferPointer, _ out: UnsafeMutableRawBufferPointer, _ g: Geometry, as: T.Type
    ) {
        let src = source.bindMemory(to: T.self)
        let dst = out.bindMemory(to: T.self)
        func mean(_ high: Int64, _ low: Int64, _ count: Int) -> T {
            let k = shift(count)
            // (high·2³² + low + count/2) >> k = high·2^(32−k) + (low + count/2) >> k.
            let upper = UInt64(bitPattern: high) &<< UInt64(32 - k)
            let lower = UInt64(bitPattern: (low + Int64(count / 2)) >> Int64(k))
            return T(truncatingIfNeeded: upper &+ lower)
        }
        g.forEachOutputRow { outputRow, rows in
            let to = outputRow * g.outWidth
            for ox in 0..<g.outWidth {
                var high: Int64 = 0, low: Int64 = 0, count = 0
                for row in rows {
                    for x in (2 * ox)..<min(2 * ox + 2, g.width) {
                        let bits = Int64(truncatingIfNeeded: src[row + x])
                        // Unsigned values above Int64.max have the top bit set: their high half is
                        // the unsigned one.
                        high += T.isSigned ? bits >> 32 : Int64(UInt64(bitPattern: bits) >> 32)
                        low += bits & 0xFFFF_FFFF
                        count += 1
                    }
                }
                dst[to + ox] = mean(high, low, count)
            }
        }
    }

    private static func meanOfFloats<T: BinaryFloatingPoint>(
        _ source: UnsafeRawBufferPointer, _ out: UnsafeMutableRawBufferPointer, _ g: Geometry, as: T.Type
    ) {
        let src = source.bindMemory(to: T.self)
        let dst = out.bindMemory(to: T.self)
        var sums = [Double](repeating: 0, count: g.width)
        sums.withUnsafeMutableBufferPointer { sums in
            g.forEachOutputRow { outputRow, rows in
                let first = rows[0]
                for x in 0..<g.width { sums[x] = Double(src[first + x]) }
                for row in rows.dropFirst() {
                    for x in 0..<g.width { sums[x] += Double(src[row + x]) }
                }
                let to = outputRow * g.outWidth
                let pairCount = Double(rows.count * 2)
                for ox in 0..<(g.width / 2) { dst[to + ox] = T((sums[2 * ox] + sums[2 * ox + 1]) / pairCount) }
                if g.width % 2 == 1 { dst[to + g.outWidth - 1] = T(sums[g.width - 1] / Double(rows.count)) }
            }
        }
    }
}
