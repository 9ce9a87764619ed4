/// The two-dimensional Haar-like wavelet of OpenEXR's PIZ compression, transformed in place.
///
/// Values are 16-bit words after PIZ's range reduction. When the largest is below 2^14 the
/// transform uses plain signed averages and differences, which Huffman-code best; otherwise
/// it works modulo 2^16 so that any word survives. Either way the decoder must repeat the
/// encoder's arithmetic bit for bit, so both directions live here side by side.
enum PIZWavelet {
    /// Transforms one plane of `width`×`height` words whose neighbours in x are `xStride` words
    /// apart and in y `yStride` words apart.
    static func encode(
        _ plane: UnsafeMutablePointer<UInt16>, width: Int, xStride: Int, height: Int, yStride: Int, maxValue: UInt16
    ) {
        if maxValue < 1 << 14 {
            transform(plane, width, xStride, height, yStride, inverse: false, pair: encode14)
        } else {
            transform(plane, width, xStride, height, yStride, inverse: false, pair: encode16)
        }
    }

    /// Undoes ``encode(_:width:xStride:height:yStride:maxValue:)``.
    static func decode(
        _ plane: UnsafeMutablePointer<UInt16>, width: Int, xStride: Int, height: Int, yStride: Int, maxValue: UInt16
    ) {
        if maxValue < 1 << 14 {
            transform(plane, width, xStride, height, yStride, inverse: true, pair: decode14)
        } else {
            transform(plane, width, xStride, height, yStride, inverse: true, pair: decode16)
        }
    }

    // MARK: - The level loop, shared by both directions

    /// Walks the levels (fine to coarse when encoding, coarse to fine when decoding). At each
    /// level every 2×2 block of samples `p` apart is transformed as rows then columns (columns
    /// then rows when undoing), and a leftover odd column or row in one dimension only.
    @inline(__always)
    private static func transform(
        _ base: UnsafeMutablePointer<UInt16>, _ width: Int, _ xStride: Int, _ height: Int, _ yStride: Int,
        inverse: Bool, pair: (UInt16, UInt16) -> (UInt16, UInt16)
    ) {
        let smaller = min(width, height)
        guard smaller >= 2 else { return }
        var levels: [Int] = []
        var step = 1
        while step * 2 <= smaller {
            levels.append(step)
            step *= 2
        }
        if inverse { levels.reverse() }
        for p in levels {
            let p2 = p * 2
            let dx = xStride * p, dy = yStride * p
            let fullColumns = width / p2, fullRows = height / p2
            for row in 0..<fullRows {
                let line = base + row * p2 * yStride
                var x = line
                for _ in 0..<fullColumns {
                    let p01 = x + dx, p10 = x + dy, p11 = p10 + dx
                    if inverse {
                        let (i00, i10) = pair(x.pointee, p10.pointee)
                        let (i01, i11) = pair(p01.pointee, p11.pointee)
                        (x.pointee, p01.pointee) = pair(i00, i01)
                        (p10.pointee, p11.pointee) = pair(i10, i11)
                    } else {
                        let (i00, i01) = pair(x.pointee, p01.pointee)
                        let (i10, i11) = pair(p10.pointee, p11.pointee)
                        (x.pointee, p10.pointee) = pair(i00, i10)
                        (p01.pointee, p11.pointee) = pair(i01, i11)
                    }
                    x += xStride * p2
                }
                if width & p != 0 {
                    let p10 = x + dy
                    (x.pointee, p10.pointee) = pair(x.pointee, p10.pointee)
                }
            }
            if height & p != 0 {
                var x = base + fullRows * p2 * yStride
                for _ in 0..<fullColumns {
                    let p01 = x + dx
                    (x.pointee, p01.pointee) = pair(x.pointee, p01.pointee)
                    x += xStride * p2
                }
            }
        }
    }

    // MARK: - Pair transforms

    /// Average and difference of two signed 14-bit values.
    @inline(__always)
    static func encode14(_ a: UInt16, _ b: UInt16) -> (UInt16, UInt16) {
        let a = Int32(Int16(bitPattern: a)), b = Int32(Int16(bitPattern: b))
        return (UInt16(truncatingIfNeeded: (a &+ b) >> 1), UInt16(truncatingIfNeeded: a &- b))
    }

    @inline(__always)
    static func decode14(_ low: UInt16, _ high: UInt16) -> (UInt16, UInt16) {
        let l = Int32(Int16(bitPattern: low)), h = Int32(Int16(bitPattern: high))
        let a = l &+ (h & 1) &+ (h >> 1)
        return (UInt16(truncatingIfNeeded: a), UInt16(truncatingIfNeeded: a &- h))
    }

    /// Average and difference modulo 2^16, offset so that the average stays in range.
    @inline(__always)
    static func encode16(_ a: UInt16, _ b: UInt16) -> (UInt16, UInt16) {
        let offsetA = (Int32(a) &+ 0x8000) & 0xFFFF
        var mean = (offsetA &+ Int32(b)) >> 1
        let difference = offsetA &- Int32(b)
        if difference < 0 { mean = (mean &+ 0x8000) & 0xFFFF }
        return (UInt16(truncatingIfNeeded: mean), UInt16(truncatingIfNeeded: difference))
    }

    @inline(__always)
    static func decode16(_ low: UInt16, _ high: UInt16) -> (UInt16, UInt16) {
        let m = Int32(low), d = Int32(high)
        let b = (m &- (d >> 1)) & 0xFFFF
        let a = (d &+ b &- 0x8000) & 0xFFFF
        return (UInt16(truncatingIfNeeded: a), UInt16(truncatingIfNeeded: b))
    }
}
