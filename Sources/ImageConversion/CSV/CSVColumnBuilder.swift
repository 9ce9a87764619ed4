/// Chooses each column's type as pandas' `read_csv` does with its defaults, and converts the cells.
///
/// The choice, from the classes of a column's cells (see ``CSVCell``), checked against pandas 3.1:
/// - no rows: ``CSVColumn/string(_:)`` (pandas: object);
/// - any text, or booleans mixed with numbers: strings (pandas: str);
/// - booleans and missing values: booleans (pandas: bool, or object when some are missing);
/// - any float or infinity among numbers: doubles (pandas: float64), integers converted;
/// - integers outside Int64 (and no floats): their text as strings (pandas: uint64 or object,
///   depending on sign, spaces and missing values; see ``CSVTable``);
/// - Int64 integers: ``CSVColumn/int64(_:)``, or doubles if any value is missing (pandas turns an
///   integer column with NaN into float64);
/// - only missing values: doubles, all `nil` (pandas: float64 of NaN).
struct CSVColumnBuilder {
    /// The input the field spans point into.
    let input: UnsafeBufferPointer<UInt8>
    /// The tokenizer's rewritten fields, addressed from `input.count` on.
    let scratch: UnsafeBufferPointer<UInt8>
    /// The data cells, row after row.
    let cells: UnsafeBufferPointer<CSVFieldSpan>
    /// Number of data rows.
    let rowCount: Int
    /// Number of columns (cells per row).
    let columnCount: Int

    /// The text of a field.
    @inline(__always)
    func bytes(of span: CSVFieldSpan) -> UnsafeBufferPointer<UInt8> {
        if span.start >= input.count {
            return UnsafeBufferPointer(rebasing: scratch[(span.start - input.count)..<(span.end - input.count)])
        }
        return UnsafeBufferPointer(rebasing: input[span.start..<span.end])
    }

    /// The text of the field in `row` of `column`.
    @inline(__always)
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8> {
        bytes(of: cells[row * columnCount + column])
    }

    /// The class of the field in `row` of `column`.
    @inline(__always)
    func cell(row: Int, column: Int) -> CSVCell {
        let text = bytes(row: row, column: column)
        guard let base = text.baseAddress, !text.isEmpty else { return .null }
        return CSVCell.classify(base, count: text.count)
    }

    /// Builds `column`, using `classes` (at least `rowCount` long) as working memory so that it
    /// is allocated once for all columns.
    func buildColumn(_ column: Int, classes: inout [CSVCell]) -> CSVColumn {
        if rowCount == 0 { return .string([]) }
        var hasNull = false
        var hasInteger = false
        var hasBigInteger = false
        var hasDouble = false
        var hasBoolean = false
        for row in 0..<rowCount {
            let value = cell(row: row, column: column)
            switch value {
            case .null: hasNull = true
            case .integer: hasInteger = true
            case .bigInteger: hasBigInteger = true
            case .double: hasDouble = true
            case .boolean: hasBoolean = true
            case .text: return stringColumn(column)
            }
            classes[row] = value
        }
        if hasBoolean {
            if hasInteger || hasBigInteger || hasDouble { return stringColumn(column) }
            return .boolean(classes[0..<rowCount].map { cell -> Bool? in
                if case .boolean(let value) = cell { return value }
                return nil
            })
        }
        if hasDouble { return doubleColumn(column, classes: classes, integersParsedAsText: true) }
        if hasBigInteger { return stringColumn(column) }
        if hasInteger && !hasNull {
            return .int64(classes[0..<rowCount].map { cell -> Int64? in
                if case .integer(let value) = cell { return value }
                return nil
            })
        }
        // Integers with missing values, or only missing values.
        return doubleColumn(column, classes: classes, integersParsedAsText: false)
    }

    /// The column as doubles, from classes that hold no text or booleans.
    ///
    /// `integersParsedAsText` tells how pandas got the integers' values: a column with floats is
    /// parsed as floats, so `-0` is -0.0; an integer column with missing values is parsed as int64
    /// and then cast, so `-0` is 0.0. (The two agree on every other integer.)
    private func doubleColumn(_ column: Int, classes: [CSVCell], integersParsedAsText: Bool) -> CSVColumn {
        var values: [Double?] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            switch classes[row] {
            case .double(let value):
                values.append(value)
            case .integer(let value):
                // Int64 to Double rounds to nearest, ties to even, exactly as parsing the digits
                // would; only "-0" may need its text, for the sign.
                if value == 0 && integersParsedAsText && CSVCell.hasMinusSign(bytes(row: row, column: column)) {
                    values.append(-0.0)
                } else {
                    values.append(Double(value))
                }
            case .bigInteger:
                values.append(CSVCell.integerAsDouble(bytes(row: row, column: column)))
            case .null, .boolean, .text:
                values.append(nil)
            }
        }
        return .double(values)
    }

    /// The column as its texts, missing values as `nil`.
    func stringColumn(_ column: Int) -> CSVColumn {
        var values: [String?] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let text = bytes(row: row, column: column)
            if let base = text.baseAddress, !CSVNullValues.isNull(base, count: text.count) {
                // The input was validated as UTF-8 up front, so decoding never repairs anything.
                values.append(String(decoding: text, as: UTF8.self))
            } else {
                values.append(nil)
            }
        }
        return .string(values)
    }
}
