import CDeflate
import ImMetaIOCore

/// A deflate compressor specialised for filtered PNG scanlines of 1–4 byte pixels (the method
/// fpng describes; our own code).
///
/// - Rows use the "up" filter (the first row of the image: none), computed on the fly.
/// - Dense rows (photographs) get runs only: a filtered pixel equal to the one before it
///   repeats it, coded as a match at distance = bytes per pixel, lengths in whole pixels. A run
///   of grey pixels (all bytes equal, such as the zeros of unchanged areas) after a grey pixel is
///   coded at distance 1 instead, starting at that pixel's second byte: its other bytes need no
///   literals.
/// - Rows of sparse content (the row before had under one literal in 16: smooth renders, flat
///   areas) are tokenised byte by byte: runs at distance 1 or one pixel, and elsewhere the
///   longest earlier occurrence in deflate's 32 KiB window (``MatchWindow``: rows above shifted
///   by a few pixels, a shape's other edge earlier in the row). A run to the row's end hands its
///   last short piece to a copy of the row above, which runs on into the next row: otherwise
///   every row would end in one short match and start with literals. On a 1080p render these
///   take the file from 16,948 to 15,471 bytes at 5 % more time.
/// - Two passes per band of rows: the first finds the matches and counts symbol frequencies,
///   the second writes one dynamic-Huffman block with codes built from those counts, filtering
///   again only what goes out as literals. In bands of 256 KiB and more, the literals of dense
///   rows are counted in one row in four only, and every byte value gets a code.
/// - Bands of rows are compressed independently and joined with a byte-aligning empty stored
///   block, so large images use several cores and still form one valid zlib stream.
struct PixelDeflate {
    let width: Int
    let height: Int
    /// Bytes per pixel, 1…4.
    let bytesPerPixel: Int
    /// Whether large bands count the literals of dense rows in a sample of them (see
    /// ``sampledBandBytes``); off, every literal is counted (tests compare the two).
    var samplesLiteralCounts = true
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
        var pieces = ParallelLoop.map(bands) { (band: Int) -> BandResult? in
            let start = band * rowsPerBand
            let rows = start..<min(height, start + rowsPerBand)
            guard !rows.isEmpty else { return nil }
            var result = compressBand(source, rows: rows, first: band == 0, final: rows.upperBound == height)
            result.crc = result.writer.withUnsafeBytes { libdeflate_crc32(typeCRC, $0.baseAddress, $0.count) }
            return result
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
        filter(source, y, bytes: 0..<rowBytes + 1, into: out)
    }

    /// Writes the bytes `range` of filtered row `y` (the filter byte at 0) to the same offsets of `out`.
    @inline(__always)
    private func filter(
        _ source: UnsafeBufferPointer<UInt8>, _ y: Int, bytes range: Range<Int>, into out: UnsafeMutablePointer<UInt8>
    ) {
        guard let base = source.baseAddress, !range.isEmpty else { return }
        var i = range.lowerBound
        if i == 0 {
            out[0] = y == 0 ? 0 : 2
            i = 1
        }
        // Offset i of the filtered row is pixel byte i - 1.
        let current = base + y * rowBytes - 1
        let target = out
        let end = range.upperBound
        if y == 0 {
            target.advanced(by: i).update(from: current + i, count: end - i)
            return
        }
        let above = current - rowBytes
        while i + 16 <= end {
            let a = UnsafeRawPointer(current + i).loadUnaligned(as: SIMD16<UInt8>.self)
            let b = UnsafeRawPointer(above + i).loadUnaligned(as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: a &- b, as: SIMD16<UInt8>.self)
            i += 16
        }
        while i < end {
            target[i] = current[i] &- above[i]
            i += 1
        }
    }

    /// A match found by pass 1: a run of bytes equal to those one byte or one pixel back, or a
    /// copy from farther back (sparse rows only).
    ///
    /// Stored in 32-bit fields (rows are shorter than ``maximumRowBytes``): a render's band has
    /// thousands, and a smaller array stays clear of the allocator's fresh-page path.
    private struct Run {
        private var fields: SIMD4<Int32>

        init(row: Int, offset: Int, length: Int, distance: Int) {
            fields = SIMD4(Int32(row), Int32(offset), Int32(length), Int32(distance))
        }

        /// The row (within the band) the run lies in.
        var row: Int {
            get { Int(fields[0]) }
            set { fields[0] = Int32(newValue) }
        }
        /// Offset of the run's first byte in the filtered row (the filter byte is at 0).
        var offset: Int { Int(fields[1]) }
        /// Length in bytes: runs (distance up to 4) may exceed 258 and are then split
        /// (``forEachMatch(of:_:)``), a copy is one match.
        var length: Int {
            get { Int(fields[2]) }
            set { fields[2] = Int32(newValue) }
        }
        /// 1 for runs of equal bytes, bytes per pixel for runs of pixels, 5 or more for copies.
        var distance: Int { Int(fields[3]) }
    }

    /// The longest rows (in bytes, filter byte included) this encoder takes; longer ones go to libdeflate.
    static let maximumRowBytes = Int(Int32.max) - 1

    /// The match lengths `run` is coded with, the same in both passes; returns the bytes they
    /// cover. A run of pixels goes in whole-pixel pieces, and a tail too short for a match (1-
    /// and 2-byte pixels) is left to literals.
    @inline(__always)
    private func forEachMatch(of run: Run, _ body: (Int) -> Void) -> Int {
        if run.distance == 1 {
            Self.bytewiseLengths(run.length, body)
            return run.length >= 3 ? run.length : 0
        }
        if run.distance > 4 {
            body(run.length)
            return run.length
        }
        var remaining = run.length
        while remaining >= minimumRun {
            let length = min(remaining, maximumRun)
            body(length)
            remaining -= length
        }
        return run.length - remaining
    }

    /// Pass 1: counts the length and distance symbols of `run`'s matches; returns the bytes they cover.
    @inline(__always)
    private func count(_ run: Run, _ counts: UnsafeMutablePointer<UInt32>) -> Int {
        let distanceSlot = Self.distanceSlots + DeflateTables.distanceCode(run.distance).code
        return forEachMatch(of: run) { length in
            counts[Self.lengthSlots + Int(DeflateTables.lengthSymbol[length])] &+= 1
            counts[distanceSlot] &+= 1
        }
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

    /// Pass 1's counts: 4 × 256 literal tables, then the 286 literal/length symbols (only the
    /// lengths used), then the 30 distance codes.
    private static let lengthSlots = 4 * 256
    private static let distanceSlots = lengthSlots + 286
    private static let countSlots = distanceSlots + 30

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
        // Bytes not covered by matches, per row: pass 2 filters only those of rows with few.
        var literalBytes = [Int](repeating: 0, count: rows.count)
        let window = MatchWindow(pixels: source, rowBytes: rowBytes, firstRow: rows.lowerBound)
        defer { window.release() }
        var sparse = false
        // Bytes at the start of a row that a match from the row before already covers.
        var carry = 0
        // Dense rows (photographs) count their literals only in one row in four of a large band
        // (as fpnge samples rows): the histogram took a quarter of a photo's encode. Codes from
        // a sample of every fourth row cost the corpus photographs 0.02–0.8 % in bytes. Other
        // rows count exactly.
        let sampled = UnsafeMutablePointer<UInt32>.allocate(capacity: 4 * 256)
        defer { sampled.deallocate() }
        sampled.initialize(repeating: 0, count: 4 * 256)
        var denseRows = (sampled: 0, skipped: 0)
        let samples = samplesLiteralCounts && rows.count * stride >= Self.sampledBandBytes
        for (index, y) in rows.enumerated() {
            filterRow(source, y, into: row)
            adler = libdeflate_adler32(adler, row, stride)
            let first = runs.count
            // A copy from the row before reaches here only when this row is sparse (see findMatches).
            if sparse || carry > 0 {
                (carry, literalBytes[index]) = findMatches(
                    row, window, rowAt: index * stride, from: carry, following: (rows.count - index - 1) * stride, counts, &runs)
            } else if !samples {
                literalBytes[index] = findRuns(row, from: 0, counts, literals: counts, &runs)
            } else if Self.isSampled(row: index) {
                literalBytes[index] = findRuns(row, from: 0, counts, literals: sampled, &runs)
                denseRows.sampled += 1
            } else {
                literalBytes[index] = findRuns(row, from: 0, counts, literals: nil, &runs)
                denseRows.skipped += 1
            }
            for k in first..<runs.count { runs[k].row = index }
            sparse = Self.isSparse(literalBytes: literalBytes[index], stride: stride)
        }
        var literalCounts = [UInt32](repeating: 0, count: 286)
        for symbol in 0..<256 {
            literalCounts[symbol] = Self.literalCount(of: symbol, in: counts)
        }
        if denseRows.sampled + denseRows.skipped > 0 {
            // The sample scaled to all dense rows; every byte value keeps a code if some rows
            // were not counted, since those may hold any.
            let rowsPerSample = Double(denseRows.sampled + denseRows.skipped) / Double(max(1, denseRows.sampled))
            let floor: UInt32 = denseRows.skipped > 0 ? 1 : 0
            for symbol in 0..<256 {
                let count = Self.literalCount(of: symbol, in: sampled)
                let estimate = UInt32(min(Double(UInt32.max / 2), (Double(count) * rowsPerSample).rounded()))
                literalCounts[symbol] = literalCounts[symbol] &+ max(floor, estimate)
            }
        }
        for symbol in 257..<286 { literalCounts[symbol] = counts[Self.lengthSlots + symbol] }
        literalCounts[256] = 1
        var distanceCounts = (0..<30).map { counts[Self.distanceSlots + $0] }
        if !distanceCounts.contains(where: { $0 > 0 }) { distanceCounts[0] = 1 }  // a tree needs a code
        // Literal codes of at most 13 bits let writeLiterals put four in each 64-bit store and
        // look them up in pairs: on a 1080p photograph 10 % faster than 14-bit codes one by one,
        // for 0.56 % more bytes (and 5 % faster before that than 15-bit codes, for 0.34 %).
        let literalCode = HuffmanCode(frequencies: literalCounts, maxLength: LiteralCodes.maximumLength)
        let distanceCode = HuffmanCode(frequencies: distanceCounts, maxLength: 15)

        // Pass 2: the block, into a buffer sized from the bit count the counts give.
        var dataBits = 0
        for symbol in 0..<286 where literalCounts[symbol] > 0 {
            let extraBits = symbol > 256 ? Int(DeflateTables.lengthExtraBits[symbol - 257]) : 0
            dataBits += Int(literalCounts[symbol]) * (Int(literalCode.lengths[symbol]) + extraBits)
        }
        for code in 0..<30 where counts[Self.distanceSlots + code] > 0 {
            let bits = Int(distanceCode.lengths[code]) + DeflateTables.distanceExtraBits(code)
            dataBits += Int(counts[Self.distanceSlots + code]) * bits
        }
        // Beyond the data: the tables and framing, and the headroom writeLiterals asks for before
        // a row-long span: without it the last row's span doubled the buffer. Counts estimated
        // from a sample get 1/16 more: the rows not counted may differ (the buffer grows if
        // they differ more, at the cost of a copy; pages never written are never touched).
        let estimateMargin = denseRows.skipped > 0 ? dataBits / 16 : 0
        var writer = BitWriter(capacity: (dataBits + estimateMargin) / 8 + BitWriter.headroom(literals: stride) + 4096)
        if first { writer.writeBytes([0x78, 0x01]) }  // zlib header: deflate, 32K window, fastest
        writer.write(final ? 1 : 0, 1)
        writer.write(2, 2)  // dynamic Huffman
        writeTables(literalCode, distanceCode, &writer)
        // The pair table pays for itself from about a quarter million literals.
        let literalCodes = LiteralCodes(literalCode, withPairs: literalBytes.reduce(0, +) >= 1 << 18)
        defer { literalCodes.release() }
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
        let byteRunCodes = counts[Self.distanceSlots] > 0 ? matchCodes(distance: 1, lengths: 3...258) : runCodes
        var next = 0
        carry = 0
        for (index, y) in rows.enumerated() {
            // Mostly literals: filter the whole row at once; else only the literals, as written.
            let wholeRow = literalBytes[index] * 4 > stride
            if wholeRow { filterRow(source, y, into: row) }
            var position = carry
            while next < runs.count, runs[next].row == index {
                let run = runs[next]
                if !wholeRow { filter(source, y, bytes: position..<run.offset, into: row) }
                writer.writeLiterals(row + position, count: run.offset - position, codes: literalCodes)
                let codes = run.distance == 1 ? byteRunCodes : runCodes
                let covered = forEachMatch(of: run) { length in
                    if run.distance <= 4 {
                        writer.write(codes[length].bits, codes[length].count)
                    } else {
                        writeCopy(length: length, distance: run.distance, literalCode, distanceCode, &writer)
                    }
                }
                // A tail too short for a match (1- and 2-byte pixels only) goes out as literals.
                position = run.offset + covered
                next += 1
            }
            if position < stride {
                if !wholeRow { filter(source, y, bytes: position..<stride, into: row) }
                writer.writeLiterals(row + position, count: stride - position, codes: literalCodes)
            }
            // A match that ran into the next row.
            carry = max(0, position - stride)
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

    /// Writes one match of any length and distance: length symbol, its extra bits, distance code, its extra bits.
    private func writeCopy(length: Int, distance: Int, _ literalCode: HuffmanCode, _ distanceCode: HuffmanCode, _ writer: inout BitWriter) {
        let symbol = Int(DeflateTables.lengthSymbol[length])
        let lengthBits = Int(literalCode.lengths[symbol])
        writer.write(
            UInt64(literalCode.codes[symbol]) | UInt64(length - Int(DeflateTables.lengthBase[symbol - 257])) << UInt64(lengthBits),
            lengthBits + Int(DeflateTables.lengthExtraBits[symbol - 257]))
        let (code, extraBits, extra) = DeflateTables.distanceCode(distance)
        let codeBits = Int(distanceCode.lengths[code])
        writer.write(UInt64(distanceCode.codes[code]) | UInt64(extra) << UInt64(codeBits), codeBits + extraBits)
    }

    /// Bands of at least this many bytes count the literals of dense rows in a sample of them
    /// (``isSampled(row:)``). In smaller bands the codes every byte value then needs cost more
    /// than counting saves: up to 24 % of a 130-byte file.
    private static let sampledBandBytes = 256 * 1024

    /// Whether row `index` of a band is in the sample: one row in four, spread by the golden
    /// ratio (Fibonacci hashing) rather than every fourth, so that content repeating every few
    /// rows (interlaced fields, line patterns) is sampled in all its phases. Every fourth row
    /// made a file with one noisy row in four 18 % larger than counting everything.
    @inline(__always)
    static func isSampled(row index: Int) -> Bool {
        UInt32(truncatingIfNeeded: index) &* 0x9E37_79B9 < 1 << 30
    }

    /// Pass 1 over a filtered row from byte `first` on, with the run finder for its pixel size:
    /// match symbols go to `counts`, literal bytes to `literals` (four interleaved 256-entry
    /// tables; nil: not counted). Returns the literal bytes.
    private func findRuns(
        _ row: UnsafeMutablePointer<UInt8>, from first: Int, _ counts: UnsafeMutablePointer<UInt32>,
        literals: UnsafeMutablePointer<UInt32>?, _ runs: inout [Run]
    ) -> Int {
        let before = runs.count
        switch bytesPerPixel {
        case 1: findRuns(row, from: first, pixel: UInt8.self, counts, literals: literals, &runs)
        case 2: findRuns(row, from: first, pixel: UInt16.self, counts, literals: literals, &runs)
        case 3: findRuns(row, from: first, pixel: Pixel24.self, counts, literals: literals, &runs)
        default: findRuns(row, from: first, pixel: UInt32.self, counts, literals: literals, &runs)
        }
        return rowBytes + 1 - first - runs[before...].reduce(0) { $0 + $1.length }
    }

    /// Whether a row with this many literal bytes (under one in 16) makes the next row look for
    /// copies from earlier rows.
    private static func isSparse(literalBytes: Int, stride: Int) -> Bool { literalBytes * 16 <= stride }

    /// Pass 1 over one filtered row of sparse content (`row`, at stream position `rowStart`),
    /// byte by byte: a run of bytes equal to those one byte or one pixel back where one starts,
    /// else the longest earlier occurrence in `window`. Scanning starts at `start` (bytes that
    /// matches from earlier rows cover, possibly all); matches end at the row's end, except that
    /// a run to the end may hand its last piece to a copy of the row above that runs on into the
    /// band's `following` bytes, if this row is sparse itself (so the next row takes this path
    /// too). Returns how far past this row's end the matches reach, and the row's literal bytes.
    private func findMatches(
        _ row: UnsafeMutablePointer<UInt8>, _ window: MatchWindow, rowAt rowStart: Int, from start: Int, following: Int,
        _ counts: UnsafeMutablePointer<UInt32>, _ runs: inout [Run]
    ) -> (carry: Int, literalBytes: Int) {
        let stride = rowBytes + 1
        var literalStart = start
        var offset = start
        var literals = 0
        // A row that turns out dense (noise after a flat row) hands its rest to the run finder
        // after this many lookups: byte by byte costs several times more.
        var lookups = stride / 32 + 32
        while offset < stride {
            if lookups == 0 {
                return (0, literals + findRuns(row, from: literalStart, counts, literals: counts, &runs))
            }
            var match = MatchWindow.longestRun(in: row, at: offset, bytesPerPixel: bytesPerPixel, limit: stride - offset)
            if match.length < 3, stride - offset >= MatchWindow.shortestMatch {
                match = window.longestEarlierMatch(of: row + offset, at: rowStart + offset, limit: min(258, stride - offset))
                window.insert(row + offset, at: rowStart + offset)
                lookups -= 1
            }
            guard match.length >= 3 else {
                offset += 1
                continue
            }
            var run = Run(row: 0, offset: offset, length: match.length, distance: match.distance)
            var copy: Run?
            if following > 0, match.distance <= 4, offset + match.length == stride, stride > 4, stride <= MatchWindow.reach,
                Self.isSparse(literalBytes: literals + offset - literalStart, stride: stride)
            {
                // A run to the row's end whose last piece is short: that piece and the next row's
                // start may be one match from the row above (a smooth render's rows repeat).
                let tail = match.length % (match.distance == 1 ? 258 : maximumRun)
                let limit = min(258, tail + following)
                let length = tail > 0 ? window.lengthAsRowAbove(at: rowStart + stride - tail, limit: limit) : 0
                if length > tail, length >= 3 {
                    run.length -= tail
                    copy = Run(row: 0, offset: stride - tail, length: length, distance: stride)
                }
            }
            let covered = run.length > 0 ? count(run, counts) : 0
            guard covered > 0 || copy != nil else {
                offset += 1
                continue
            }
            countLiterals(row + literalStart, offset - literalStart, counts)
            literals += offset - literalStart
            if covered > 0 { runs.append(Run(row: 0, offset: offset, length: covered, distance: run.distance)) }
            offset += covered
            if let copy {
                _ = count(copy, counts)
                runs.append(copy)
                offset = copy.offset + copy.length
            }
            literalStart = offset
        }
        countLiterals(row + literalStart, max(0, stride - literalStart), counts)
        literals += max(0, stride - literalStart)
        return (max(0, offset - stride), literals)
    }

    /// Pass 1 over one filtered row (filter byte first): finds runs of pixels equal to their
    /// predecessor, counts their match lengths into `counts`, and the literal bytes between them
    /// into `literals` if given (four interleaved 256-entry tables, which avoids store-to-load
    /// stalls on repeated bytes).
    @inline(__always)
    private func findRuns<P: PixelValue>(
        _ start: UnsafeMutablePointer<UInt8>, from first: Int, pixel: P.Type, _ counts: UnsafeMutablePointer<UInt32>,
        literals: UnsafeMutablePointer<UInt32>?, _ runs: inout [Run]
    ) {
        let bpp = P.byteCount
        let n = rowBytes + 1
        let pixels = start + 1
        var literalStart = first
        // The first pixel that starts at `first` or later, compared with the one before it.
        var x = max(1, (first - 1 + bpp - 1) / bpp)
        guard x <= width else {
            countLiterals(start + literalStart, n - literalStart, literals)
            return
        }
        var previous = P.load(pixels + (x - 1) * bpp)
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
                countLiterals(start + literalStart, matchStart - literalStart, literals)
                let run = Run(row: 0, offset: matchStart, length: runStart + runBytes - matchStart, distance: 1)
                literalStart = matchStart + count(run, counts)
                runs.append(run)
                x += runBytes / bpp
                continue
            }
            countLiterals(start + literalStart, runStart - literalStart, literals)
            let run = Run(row: 0, offset: runStart, length: runBytes, distance: bpp)
            // A tail too short for a match (1- and 2-byte pixels) stays in the next literal span.
            literalStart = runStart + count(run, counts)
            runs.append(run)
            x += runBytes / bpp
        }
        countLiterals(start + literalStart, n - literalStart, literals)
    }

    /// The count of byte value `symbol` in four interleaved 256-entry tables (``countLiterals(_:_:_:)``).
    private static func literalCount(of symbol: Int, in tables: UnsafeMutablePointer<UInt32>) -> UInt32 {
        tables[symbol] &+ tables[256 + symbol] &+ tables[512 + symbol] &+ tables[768 + symbol]
    }

    /// Counts `count` literal bytes into four interleaved 256-entry tables (nil: not counted).
    @inline(__always)
    private func countLiterals(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int, _ counts: UnsafeMutablePointer<UInt32>?) {
        guard let counts else { return }
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
