import CDeflate
import ImMetaIOCore

/// A deflate compressor specialised for filtered PNG scanlines of 1–4 byte pixels (the method
/// fpng describes; our own code).
///
/// - Rows use the "up" filter (the first row of the image: none), computed on the fly.
/// - The only matches are runs: a filtered pixel equal to the one before it repeats it, coded
///   as a match at distance = bytes per pixel, lengths in whole pixels. A run of grey pixels (all
///   bytes equal, such as the zeros of unchanged areas) after a grey pixel is coded at distance 1
///   instead, starting at that pixel's second byte: its other bytes need no literals (7 % smaller
///   on a smooth render, where such runs start most rows).
/// - Two passes per band of rows: the first counts symbol frequencies, the second writes one
///   dynamic-Huffman block with codes built from those counts.
/// - Bands of rows are compressed independently and joined with a byte-aligning empty stored
///   block, so large images use several cores and still form one valid zlib stream.
struct PixelDeflate {
    let width: Int
    let height: Int
    /// Bytes per pixel, 1…4.
    let bytesPerPixel: Int
    var rowBytes: Int { width * bytesPerPixel }

    /// The shortest and longest run lengths in bytes that are whole pixels.
    private var minimumRun: Int { bytesPerPixel >= 3 ? bytesPerPixel : bytesPerPixel == 2 ? 4 : 3 }
    private var maximumRun: Int { 258 - 258 % bytesPerPixel }

    /// Compresses `pixels` (height × rowBytes, C order) into a zlib stream, handed to `emit` at
    /// once as consecutive pieces (one per band) straight from the compressor's buffers, each with
    /// the CRC-32 a PNG chunk of type `chunkType` holding it would have (computed in parallel too).
    /// The pieces are valid only during the call.
    ///
    /// - Parameter bands: how many row bands to compress in parallel (1 for one core).
    func compress(
        _ pixels: UnsafeRawBufferPointer, bands requested: Int, chunkType: String = "IDAT",
        emit: ([(bytes: UnsafeRawBufferPointer, crc: UInt32)]) throws -> Void
    ) rethrows {
        let typeCRC = Array(chunkType.utf8).withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        // More bands than cores keeps every core busy when bands differ in cost.
        let bands = requested <= 1 ? 1 : max(1, min(requested * 2, height / 64 + 1))
        let rowsPerBand = (height + bands - 1) / bands
        let source = pixels.bindMemory(to: UInt8.self)
        var pieces = [BandResult?](repeating: nil, count: bands)
        pieces.withUnsafeMutableBufferPointer { slots in
            ParallelLoop.run(bands) { band in
                let start = band * rowsPerBand
                let rows = start..<min(height, start + rowsPerBand)
                if !rows.isEmpty {
                    var result = compressBand(source, rows: rows, first: band == 0, final: rows.upperBound == height)
                    result.crc = result.writer.withUnsafeBytes { libdeflate_crc32(typeCRC, $0.baseAddress, $0.count) }
                    slots[band] = result
                }
            }
        }
        var adler: UInt32 = 1
        for piece in pieces.compactMap({ $0 }) { adler = Adler32.combine(adler, piece.adler, secondLength: piece.length) }
        defer { for index in pieces.indices { pieces[index]?.writer.release() } }
        guard let lastIndex = pieces.lastIndex(where: { $0 != nil }) else { return }
        let trailer: [UInt8] = [
            UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16), UInt8(truncatingIfNeeded: adler >> 8),
            UInt8(truncatingIfNeeded: adler),
        ]
        pieces[lastIndex]?.writer.writeBytes(trailer)
        pieces[lastIndex]?.writer.alignToByte()
        // CRC-32 continues over appended bytes.
        if let crc = pieces[lastIndex]?.crc {
            pieces[lastIndex]?.crc = trailer.withUnsafeBytes { libdeflate_crc32(crc, $0.baseAddress, $0.count) }
        }
        // The writers' buffers stay put until released (deferred above).
        try emit(pieces.compactMap { $0 }.map { piece in (piece.writer.withUnsafeBytes { $0 }, piece.crc) })
    }

    /// A compressed band and the checksum of its uncompressed bytes.
    private struct BandResult {
        var writer: BitWriter
        var adler: UInt32
        var length: Int
        var crc: UInt32 = 0
    }

    /// Writes the filter byte and the filtered row `y` into `out` (rowBytes + 1 bytes).
    @inline(__always)
    private func filterRow(_ source: UnsafeBufferPointer<UInt8>, _ y: Int, into out: UnsafeMutablePointer<UInt8>) {
        let n = rowBytes
        guard let base = source.baseAddress else { return }
        let current = base + y * n
        let target = out + 1
        if y == 0 {
            out[0] = 0
            target.update(from: current, count: n)
            return
        }
        out[0] = 2
        let above = current - n
        var i = 0
        while i + 16 <= n {
            let a = UnsafeRawPointer(current + i).loadUnaligned(as: SIMD16<UInt8>.self)
            let b = UnsafeRawPointer(above + i).loadUnaligned(as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: a &- b, as: SIMD16<UInt8>.self)
            i += 16
        }
        while i < n {
            target[i] = current[i] &- above[i]
            i += 1
        }
    }

    /// A run of pixels equal to the pixel before them, found by pass 1.
    private struct Run {
        /// The row (within the band) the run lies in.
        var row: Int
        /// Offset of the run's first byte in the filtered row (the filter byte is at 0).
        var offset: Int
        /// Length in bytes (may exceed 258 and is then split).
        var length: Int
        /// Whether this is a run of equal bytes coded at distance 1 (else distance = bytes per
        /// pixel, length a whole number of pixels).
        var bytewise = false
    }

    /// Splits a byte run coded at distance 1 into match lengths (3…258) without leaving a tail.
    @inline(__always)
    private static func bytewiseLengths(_ total: Int, _ body: (Int) -> Void) {
        var remaining = total
        while remaining >= 3 {
            var length = min(remaining, 258)
            if remaining - length > 0, remaining - length < 3 { length = remaining - 3 }
            body(length)
            remaining -= length
        }
    }

    /// Slots after the 4 × 256 literal tables and the 286 literal/length symbols in pass 1's counts.
    private static let bytewiseMatchesSlot = 4 * 256 + 286
    private static let countSlots = bytewiseMatchesSlot + 1

    /// Compresses a band of rows into deflate blocks: one dynamic block, then either the final
    /// bit or a byte-aligning empty stored block. The first band starts with the zlib header.
    private func compressBand(
        _ source: UnsafeBufferPointer<UInt8>, rows: Range<Int>, first: Bool, final: Bool
    ) -> BandResult {
        let stride = rowBytes + 1
        // One filtered row at a time, recomputed in pass 2, so the image is never copied; the
        // padding lets 4-byte pixel loads run past the last pixel.
        let row = UnsafeMutablePointer<UInt8>.allocate(capacity: stride + 16)
        defer { row.deallocate() }
        row.initialize(repeating: 0, count: stride + 16)

        // Pass 1: filter, checksum, runs and symbol frequencies, row by row.
        var runs: [Run] = []
        let counts = UnsafeMutablePointer<UInt32>.allocate(capacity: Self.countSlots)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: Self.countSlots)
        var adler: UInt32 = 1
        for (index, y) in rows.enumerated() {
            filterRow(source, y, into: row)
            adler = libdeflate_adler32(adler, row, stride)
            let first = runs.count
            switch bytesPerPixel {
            case 1: findRuns(row, pixel: UInt8.self, counts, &runs)
            case 2: findRuns(row, pixel: UInt16.self, counts, &runs)
            case 3: findRuns(row, pixel: Pixel24.self, counts, &runs)
            default: findRuns(row, pixel: UInt32.self, counts, &runs)
            }
            for k in first..<runs.count { runs[k].row = index }
        }
        var literalCounts = [UInt32](repeating: 0, count: 286)
        for symbol in 0..<256 {
            literalCounts[symbol] = counts[symbol] &+ counts[256 + symbol] &+ counts[512 + symbol] &+ counts[768 + symbol]
        }
        for symbol in 257..<286 { literalCounts[symbol] = counts[1024 + symbol] }
        literalCounts[256] = 1
        var distanceCounts = [UInt32](repeating: 0, count: 30)
        distanceCounts[bytesPerPixel - 1] = 1  // distances 1…4 are codes 0…3
        distanceCounts[0] &+= counts[Self.bytewiseMatchesSlot]
        let literalCode = HuffmanCode(frequencies: literalCounts, maxLength: 15)
        let distanceCode = HuffmanCode(frequencies: distanceCounts, maxLength: 15)

        // Pass 2: the block, into a buffer sized from the exact bit count of the data.
        var dataBits = 0
        for symbol in 0..<286 where literalCounts[symbol] > 0 {
            dataBits += Int(literalCounts[symbol]) * Int(literalCode.lengths[symbol])
            if symbol > 256 {
                // Distance codes: the longer of the two, so the buffer is never short.
                let distanceBits = Int(max(distanceCode.lengths[bytesPerPixel - 1], distanceCode.lengths[0]))
                let matchBits = Int(DeflateTables.lengthExtraBits[symbol - 257]) + distanceBits
                dataBits += Int(literalCounts[symbol]) * matchBits
            }
        }
        var writer = BitWriter(capacity: dataBits / 8 + 4096)
        if first { writer.writeBytes([0x78, 0x01]) }  // zlib header: deflate, 32K window, fastest
        writer.write(final ? 1 : 0, 1)
        writer.write(2, 2)  // dynamic Huffman
        writeTables(literalCode, distanceCode, &writer)
        let literalTable = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
        defer { literalTable.deallocate() }
        for symbol in 0..<256 {
            literalTable[symbol] = UInt32(literalCode.codes[symbol]) | UInt32(literalCode.lengths[symbol]) << 16
        }
        let longest = Int(literalCode.lengths[0..<256].max() ?? 15)
        // Length code, extra bits and distance code as one bit string, per length: runs of
        // pixels (distance = bytes per pixel) and runs of bytes (distance 1).
        func matchCodes(distance: Int, lengths: ClosedRange<Int>) -> [(bits: UInt64, count: Int)] {
            var codes = [(bits: UInt64, count: Int)](repeating: (0, 0), count: 259)
            let distanceBits = UInt64(distanceCode.codes[distance - 1])
            let distanceLength = Int(distanceCode.lengths[distance - 1])
            for length in lengths where literalCounts[Int(DeflateTables.lengthSymbol[length])] > 0 {
                let symbol = Int(DeflateTables.lengthSymbol[length])
                var bits = UInt64(literalCode.codes[symbol])
                var count = Int(literalCode.lengths[symbol])
                bits |= UInt64(length - Int(DeflateTables.lengthBase[symbol - 257])) << UInt64(count)
                count += Int(DeflateTables.lengthExtraBits[symbol - 257])
                bits |= distanceBits << UInt64(count)
                codes[length] = (bits, count + distanceLength)
            }
            return codes
        }
        let runCodes = matchCodes(distance: bytesPerPixel, lengths: minimumRun...maximumRun)
        let byteRunCodes = counts[Self.bytewiseMatchesSlot] > 0 ? matchCodes(distance: 1, lengths: 3...258) : runCodes
        var next = 0
        for (index, y) in rows.enumerated() {
            filterRow(source, y, into: row)
            var position = 0
            while next < runs.count, runs[next].row == index {
                let run = runs[next]
                writer.writeLiterals(row + position, count: run.offset - position, table: literalTable, longestCode: longest)
                var remaining = run.length
                if run.bytewise {
                    Self.bytewiseLengths(run.length) { length in writer.write(byteRunCodes[length].bits, byteRunCodes[length].count) }
                    remaining = 0
                }
                while remaining >= minimumRun {
                    let length = min(remaining, maximumRun)
                    writer.write(runCodes[length].bits, runCodes[length].count)
                    remaining -= length
                }
                // A tail too short for a match (1- and 2-byte pixels only) goes out as literals.
                position = run.offset + run.length - remaining
                next += 1
            }
            writer.writeLiterals(row + position, count: stride - position, table: literalTable, longestCode: longest)
        }
        writer.write(UInt64(literalCode.codes[256]), Int(literalCode.lengths[256]))
        if !final {
            // An empty stored block: byte-aligns the stream so the next band can follow.
            writer.write(0, 3)
            writer.alignToByte()
            writer.writeBytes([0x00, 0x00, 0xFF, 0xFF])
            writer.alignToByte()
        } else {
            writer.alignToByte()
        }
        return BandResult(writer: writer, adler: adler, length: stride * rows.count)
    }

    /// Pass 1 over one filtered row (filter byte first): finds runs of pixels equal to their
    /// predecessor, counts their match lengths, and counts the literal bytes between them (into
    /// four interleaved 256-entry tables, which avoids store-to-load stalls on repeated bytes).
    @inline(__always)
    private func findRuns<P: PixelValue>(
        _ start: UnsafeMutablePointer<UInt8>, pixel: P.Type, _ counts: UnsafeMutablePointer<UInt32>, _ runs: inout [Run]
    ) {
        let bpp = P.byteCount
        let n = rowBytes + 1
        let pixels = start + 1
        var literalStart = 0
        var previous = P.load(pixels)
        var x = 1
        while x < width {
            let current = P.load(pixels + x * bpp)
            if current != previous {
                previous = current
                x += 1
                continue
            }
            // A run continues while each byte equals the byte one pixel back; check 8 at a time.
            let runStart = 1 + x * bpp
            var end = runStart + bpp
            while end + 8 <= n,
                UnsafeRawPointer(start + end).loadUnaligned(as: UInt64.self)
                    == UnsafeRawPointer(start + end - bpp).loadUnaligned(as: UInt64.self)
            {
                end += 8
            }
            while end < n, start[end] == start[end - bpp] { end += 1 }
            let runBytes = (end - runStart) / bpp * bpp
            if runBytes < minimumRun {  // too short to be a match (1- and 2-byte pixels)
                x += runBytes / bpp
                continue
            }
            let previousPixel = runStart - bpp
            if bpp > 1, previousPixel >= literalStart, P.isGrey(pixels + (x - 1) * bpp) {
                // Grey pixels: one run of bytes from the previous pixel's second byte.
                let matchStart = previousPixel + 1
                countLiterals(start + literalStart, matchStart - literalStart, counts)
                let total = runStart + runBytes - matchStart
                Self.bytewiseLengths(total) { length in
                    counts[1024 + Int(DeflateTables.lengthSymbol[length])] &+= 1
                    counts[Self.bytewiseMatchesSlot] &+= 1
                }
                literalStart = runStart + runBytes
                runs.append(Run(row: 0, offset: matchStart, length: total, bytewise: true))
                x += runBytes / bpp
                continue
            }
            countLiterals(start + literalStart, runStart - literalStart, counts)
            var remaining = runBytes
            while remaining >= minimumRun {
                let length = min(remaining, maximumRun)
                counts[1024 + Int(DeflateTables.lengthSymbol[length])] &+= 1
                remaining -= length
            }
            // A tail too short for a match (1- and 2-byte pixels) stays in the next literal span.
            literalStart = runStart + runBytes - remaining
            runs.append(Run(row: 0, offset: runStart, length: runBytes))
            x += runBytes / bpp
        }
        countLiterals(start + literalStart, n - literalStart, counts)
    }

    @inline(__always)
    private func countLiterals(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int, _ counts: UnsafeMutablePointer<UInt32>) {
        var i = 0
        while i + 4 <= count {
            counts[Int(bytes[i])] &+= 1
            counts[256 + Int(bytes[i + 1])] &+= 1
            counts[512 + Int(bytes[i + 2])] &+= 1
            counts[768 + Int(bytes[i + 3])] &+= 1
            i += 4
        }
        while i < count {
            counts[Int(bytes[i])] &+= 1
            i += 1
        }
    }

    /// The dynamic block header: HLIT, HDIST, HCLEN and the run-length coded code lengths.
    private func writeTables(_ literal: HuffmanCode, _ distance: HuffmanCode, _ writer: inout BitWriter) {
        var literalCount = 286
        while literalCount > 257, literal.lengths[literalCount - 1] == 0 { literalCount -= 1 }
        var distanceCount = 30
        while distanceCount > 1, distance.lengths[distanceCount - 1] == 0 { distanceCount -= 1 }
        let lengths = Array(literal.lengths[0..<literalCount]) + Array(distance.lengths[0..<distanceCount])
        // Run-length code the lengths with symbols 16 (repeat previous 3–6), 17 (zeros 3–10), 18 (zeros 11–138).
        var symbols: [(symbol: Int, extra: Int, extraBits: Int)] = []
        var i = 0
        while i < lengths.count {
            let value = lengths[i]
            var runLength = 1
            while i + runLength < lengths.count, lengths[i + runLength] == value { runLength += 1 }
            if value == 0, runLength >= 3 {
                var left = runLength
                while left >= 11 {
                    let take = min(left, 138)
                    symbols.append((18, take - 11, 7))
                    left -= take
                }
                if left >= 3 {
                    symbols.append((17, left - 3, 3))
                    left = 0
                }
                for _ in 0..<left { symbols.append((0, 0, 0)) }
            } else if value != 0, runLength >= 4 {
                symbols.append((Int(value), 0, 0))
                var left = runLength - 1
                while left >= 3 {
                    let take = min(left, 6)
                    symbols.append((16, take - 3, 2))
                    left -= take
                }
                for _ in 0..<left { symbols.append((Int(value), 0, 0)) }
            } else {
                for _ in 0..<runLength { symbols.append((Int(value), 0, 0)) }
            }
            i += runLength
        }
        var counts = [UInt32](repeating: 0, count: 19)
        for entry in symbols { counts[entry.symbol] += 1 }
        let lengthCode = HuffmanCode(frequencies: counts, maxLength: 7)
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengthCount = 19
        while codeLengthCount > 4, lengthCode.lengths[order[codeLengthCount - 1]] == 0 { codeLengthCount -= 1 }
        writer.write(UInt64(literalCount - 257), 5)
        writer.write(UInt64(distanceCount - 1), 5)
        writer.write(UInt64(codeLengthCount - 4), 4)
        for k in 0..<codeLengthCount { writer.write(UInt64(lengthCode.lengths[order[k]]), 3) }
        for entry in symbols {
            writer.write(UInt64(lengthCode.codes[entry.symbol]), Int(lengthCode.lengths[entry.symbol]))
            if entry.extraBits > 0 { writer.write(UInt64(entry.extra), entry.extraBits) }
        }
    }
}
