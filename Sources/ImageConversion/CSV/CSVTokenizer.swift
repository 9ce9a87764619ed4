/// Where one field's bytes are, after unquoting.
///
/// Offsets address the input followed by the tokenizer's scratch buffer: a field whose text is a
/// plain slice of the input (almost all of them) points into the input and costs no copy; only a
/// field with `""` escapes or text after its closing quote is rewritten into the scratch buffer,
/// at offsets from `input.count` on.
struct CSVFieldSpan {
    /// First byte.
    var start: Int
    /// One past the last byte.
    var end: Int

    /// An empty field: what pandas pads short rows with, read as a missing value.
    static let empty = CSVFieldSpan(start: 0, end: 0)
}

/// The fields of a CSV file, split but not yet typed.
struct CSVRecords {
    /// The header's fields.
    var header: [CSVFieldSpan]
    /// The data rows' fields, row after row, each row padded to the header's width.
    var cells: [CSVFieldSpan]
    /// Number of data rows.
    var rowCount: Int
    /// Rewritten field text (see ``CSVFieldSpan``).
    var scratch: [UInt8]

    /// Number of columns (the header's fields).
    var columnCount: Int { header.count }
}

/// Splits CSV bytes into fields the way pandas' C tokenizer does with `read_csv` defaults.
///
/// The rules (each checked against pandas 3.1):
/// - Records end at LF, CR or CRLF; a quoted field may contain any of them, and commas.
/// - Lines that are empty or hold only spaces and tabs are skipped, before the header too
///   (`skip_blank_lines=True`). A line with anything else keeps its leading spaces.
/// - A field opening with `"` is quoted: `""` inside is one quote; text after the closing quote is
///   appended as-is (`"x"y` is `xy`). A quote elsewhere in a field is an ordinary character.
/// - Spaces around fields are kept.
/// - A data row with more fields than the header is an error; one with fewer is padded with
///   empty fields (missing values).
///
/// The scan works on bytes and records spans, so no text is copied unless it must be rewritten;
/// each byte is visited a bounded number of times, so long quoted fields cost linear time.
struct CSVTokenizer {
    /// The whole input (a byte-order mark included, so offsets match the caller's bytes).
    let input: UnsafeBufferPointer<UInt8>
    /// The name put in errors.
    let fileName: String
    /// The most cells the table may have once short rows are padded (see ``CSVError/Kind/tooManyCells(limit:)``).
    let cellLimit: Int

    /// The offset of the next byte to read.
    private var position: Int
    /// Rewritten field text (see ``CSVFieldSpan``).
    private var scratch: [UInt8] = []

    /// Prepares to split `input` from `start` (just past a byte-order mark, if any).
    init(input: UnsafeBufferPointer<UInt8>, start: Int, fileName: String) {
        self.input = input
        self.fileName = fileName
        self.position = start
        // Padding is the only way the table can outgrow the input (every field written in the file
        // takes at least one byte), so a bound proportional to the input costs honest files nothing.
        self.cellLimit = max(2 * input.count, 1 << 20)
    }

    /// Splits the whole input into a header and data rows.
    mutating func tokenize() throws(CSVError) -> CSVRecords {
        var header: [CSVFieldSpan] = []
        var cells: [CSVFieldSpan] = []
        var rowCount = 0
        guard let base = input.baseAddress else {
            return CSVRecords(header: [], cells: [], rowCount: 0, scratch: [])
        }
        var haveHeader = false
        var firstRowStart = 0
        while let recordStart = skipBlankLines(base) {
            if !haveHeader {
                try readRecord(base, into: &header)
                haveHeader = true
                continue
            }
            let width = header.count
            if rowCount == 1 {
                // Guess the number of rows from the first one's length, so that the cell array is
                // allocated once instead of being copied as it doubles. The cap (a cell per four
                // bytes) keeps a misleading short first row from reserving much memory; a file
                // with smaller cells just grows the array past it.
                let rowBytes = max(recordStart - firstRowStart, 1)
                let rows = (input.count - recordStart) / rowBytes + 2
                let cap = input.count / 4 + width
                cells.reserveCapacity(rows > cap / width ? cap : min(rows * width + rows * width / 8, cap))
            }
            if rowCount == 0 { firstRowStart = recordStart }
            let before = cells.count
            try readRecord(base, into: &cells)
            let fields = cells.count - before
            if fields > width {
                throw error(.tooManyFields(expected: width, saw: fields), at: recordStart)
            }
            if fields < width {
                guard cells.count + (width - fields) <= cellLimit else {
                    throw error(.tooManyCells(limit: cellLimit), at: recordStart)
                }
                for _ in fields..<width { cells.append(.empty) }
            }
            rowCount += 1
        }
        return CSVRecords(header: header, cells: cells, rowCount: rowCount, scratch: scratch)
    }

    /// Moves past blank lines (empty, or only spaces and tabs) and returns where the next record
    /// starts, or `nil` at the end of the input.
    private mutating func skipBlankLines(_ base: UnsafePointer<UInt8>) -> Int? {
        let count = input.count
        while position < count {
            var index = position
            while index < count && CSVByte.isBlankLineSpace(base[index]) { index += 1 }
            if index == count { position = count; return nil }
            let byte = base[index]
            if byte == CSVByte.lineFeed {
                position = index + 1
            } else if byte == CSVByte.carriageReturn {
                position = index + 1
                if position < count && base[position] == CSVByte.lineFeed { position += 1 }
            } else {
                // Not blank: the record starts at the line's start, leading spaces included.
                return position
            }
        }
        return nil
    }

    /// Reads one record starting at `position` (not at the end) and leaves `position` past its line end.
    private mutating func readRecord(
        _ base: UnsafePointer<UInt8>, into fields: inout [CSVFieldSpan]
    ) throws(CSVError) {
        let count = input.count
        while true {
            if position < count && base[position] == CSVByte.quote {
                fields.append(try readQuotedField(base))
            } else {
                let start = position
                position = endOfUnquotedText(base, from: position)
                fields.append(CSVFieldSpan(start: start, end: position))
            }
            // A field ends at a comma, a line end or the end of the input. After a comma another
            // field follows, even at the end of the input (`1,` has two fields, as in pandas).
            guard position < count else { return }
            let separator = base[position]
            position += 1
            if separator == CSVByte.comma { continue }
            if separator == CSVByte.carriageReturn && position < count && base[position] == CSVByte.lineFeed {
                position += 1
            }
            return
        }
    }

    /// The offset of the first comma, CR or LF at or after `start`, or the input's end.
    @inline(__always)
    private func endOfUnquotedText(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        let count = input.count
        var index = start
        while index < count {
            let byte = base[index]
            // Every special byte is below 0x2D, so one comparison skips most bytes of text.
            if byte <= CSVByte.comma
                && (byte == CSVByte.comma || byte == CSVByte.lineFeed || byte == CSVByte.carriageReturn)
            {
                break
            }
            index += 1
        }
        return index
    }

    /// Reads a field whose first byte (at `position`) is a quote.
    private mutating func readQuotedField(_ base: UnsafePointer<UInt8>) throws(CSVError) -> CSVFieldSpan {
        let count = input.count
        let openingQuote = position
        var segmentStart = position + 1
        var index = segmentStart
        // Where this field's rewritten text starts in `scratch`, once it needs rewriting.
        var scratchStart: Int?
        while true {
            while index < count && base[index] != CSVByte.quote { index += 1 }
            guard index < count else {
                throw error(.unterminatedQuote, at: openingQuote)
            }
            let quote = index
            if quote + 1 < count && base[quote + 1] == CSVByte.quote {
                // `""` is one literal quote: copy the text so far and that one quote.
                if scratchStart == nil { scratchStart = scratch.count }
                appendToScratch(base, from: segmentStart, to: quote + 1)
                index = quote + 2
                segmentStart = index
                continue
            }
            // The closing quote.
            position = quote + 1
            let trailingEnd = endOfUnquotedText(base, from: position)
            if trailingEnd > position || scratchStart != nil {
                // Text after the closing quote joins the field, with quotes now literal (pandas
                // goes on in its unquoted state), so the pieces are joined in the scratch buffer.
                let start = scratchStart ?? scratch.count
                appendToScratch(base, from: segmentStart, to: quote)
                appendToScratch(base, from: position, to: trailingEnd)
                position = trailingEnd
                return CSVFieldSpan(start: count + start, end: count + scratch.count)
            }
            return CSVFieldSpan(start: segmentStart, end: quote)
        }
    }

    /// Copies `input[start..<end]` to the end of the scratch buffer.
    @inline(__always)
    private mutating func appendToScratch(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) {
        guard end > start else { return }
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
    }

    /// An error of `kind` on the line of the byte at `offset`.
    private func error(_ kind: CSVError.Kind, at offset: Int) -> CSVError {
        CSVError(kind, file: fileName, line: CSVLineCounter.line(atOffset: offset, in: input))
    }
}
