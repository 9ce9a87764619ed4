/// A CSV file read into typed columns, with the names and types pandas' `read_csv` gives it.
///
/// Meant for user metadata files that a pandas user would load with `pd.read_csv(path)`: each
/// column gets the type pandas 3.1 infers with its defaults, and missing values are `nil`. The
/// rules are described on `CSVTokenizer` (splitting), `CSVHeaderNames` (names), `CSVCell`
/// (values) and `CSVColumnBuilder` (types).
///
/// Deliberate differences from pandas (everything else matches):
/// - A first data row with more fields than the header is an error; pandas silently makes the
///   extra leading fields the row index (so `a,b` over `1,2,` shifts every column).
/// - An empty file, or one with only blank lines, is a table with no columns; pandas raises
///   `EmptyDataError`.
/// - Integers outside Int64 make a string column of their text; a float in the column makes
///   doubles (pandas agrees, except beyond 2^64, where it gives str). Without floats pandas gives uint64 (2^63...2^64-1), object of Python ints (beyond, or negative),
///   str (mixed with negatives, or with missing values, which it then keeps as the text `NA`),
///   or float64 (when written with surrounding spaces).
/// - Numbers are always correctly rounded; pandas 3.1 sends numbers written with both a `+` sign
///   and surrounding spaces to an older parser that is off by up to a few units in the last
///   place for about one in six of them.
/// - After a blank line ended by a lone CR, pandas drops a comma that starts the next line.
/// - Error lines are physical lines (pandas counts records, so its numbers differ once a quoted
///   field spans lines).
/// - Types are inferred over the whole column, like pandas with `low_memory=False`; pandas'
///   default types large files chunk by chunk, so a column of 600,000 integers and then one
///   word is an object column of Python ints and one str there (with a `DtypeWarning`), and
///   all strings here.
public struct CSVTable: Sendable, Equatable {
    /// The column names, unique, in file order.
    public let columnNames: [String]
    /// The columns, in the order of ``columnNames``, each ``rowCount`` long.
    public let columns: [CSVColumn]
    /// Number of data rows (blank lines are not rows).
    public let rowCount: Int
    /// Each name's position, for lookups by name.
    private let indexByName: [String: Int]

    /// Reads CSV bytes.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, UTF-8, with or without a byte-order mark.
    ///   - fileName: the name put in errors.
    ///   - textColumns: columns kept as text whatever they hold (pandas' `dtype={name: str}`),
    ///     such as a `filename` column of names like `001`.
    /// - Throws: ``CSVError`` (only) for invalid UTF-8, an unclosed quote, a row with more fields
    ///   than the header, or rows so much shorter than the header that the table would dwarf the
    ///   input. Declared untyped so that callers' `catch let error as CSVError` needs no change
    ///   (with typed throws Swift warns that the test is always true).
    public init(bytes: [UInt8], fileName: String, textColumns: Set<String> = []) throws {
        let parsed = bytes.withUnsafeBufferPointer { input in
            Result { () throws(CSVError) -> (names: [String], columns: [CSVColumn], rowCount: Int) in
                try Self.parse(input, fileName: fileName, textColumns: textColumns)
            }
        }
        let table = try parsed.get()
        self.init(columnNames: table.names, columns: table.columns, rowCount: table.rowCount)
    }

    /// A table of already built columns, indexed by name.
    private init(columnNames: [String], columns: [CSVColumn], rowCount: Int) {
        self.columnNames = columnNames
        self.columns = columns
        self.rowCount = rowCount
        var indexByName: [String: Int] = [:]
        for (index, name) in columnNames.enumerated() { indexByName[name] = index }
        self.indexByName = indexByName
    }

    /// Validates, splits and types `input`: the work of ``init(bytes:fileName:textColumns:)``, done inside
    /// one borrow of the bytes.
    private static func parse(
        _ input: UnsafeBufferPointer<UInt8>, fileName: String, textColumns: Set<String>
    ) throws(CSVError) -> (names: [String], columns: [CSVColumn], rowCount: Int) {
        if let offset = CSVUTF8Validator.firstInvalidOffset(in: input) {
            throw CSVError(
                .invalidUTF8(byteOffset: offset), file: fileName,
                line: CSVLineCounter.line(atOffset: offset, in: input))
        }
        // pandas drops one UTF-8 byte-order mark at the very start, and only there.
        let hasByteOrderMark = input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF
        var tokenizer = CSVTokenizer(input: input, start: hasByteOrderMark ? 3 : 0, fileName: fileName)
        let records = try tokenizer.tokenize()
        return records.scratch.withUnsafeBufferPointer { scratch in
            records.cells.withUnsafeBufferPointer { cells in
                let builder = CSVColumnBuilder(
                    input: input, scratch: scratch, cells: cells,
                    rowCount: records.rowCount, columnCount: records.columnCount)
                let rawNames = records.header.map { String(decoding: builder.bytes(of: $0), as: UTF8.self) }
                let names = CSVHeaderNames.pandasNames(rawNames)
                var classes = [CSVCell](repeating: .null, count: records.rowCount)
                let columns = (0..<records.columnCount).map { column in
                    column < names.count && textColumns.contains(names[column])
                        ? builder.stringColumn(column) : builder.buildColumn(column, classes: &classes)
                }
                return (names, columns, records.rowCount)
            }
        }
    }

    /// The position of the column called `name` (exact, case-sensitive), or `nil`.
    public func columnIndex(named name: String) -> Int? {
        indexByName[name]
    }

    /// The column called `name` (exact, case-sensitive), or `nil`.
    public func column(named name: String) -> CSVColumn? {
        columnIndex(named: name).map { columns[$0] }
    }

    /// The column called `name`, or `nil`; same as ``column(named:)``.
    public subscript(name: String) -> CSVColumn? {
        column(named: name)
    }
}
