import Testing

@testable import ImageConversion

// Splitting into rows and fields. Expected results checked against pandas 3.1.1 (see
// CSVTestSupport.swift for how).
@Suite("CSV tokenizing")
struct CSVTokenizingTests {
    @Test("quoted fields hold commas, newlines and doubled quotes")
    func quotedFields() throws {
        let table = try csvTable("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"line\nbreak\",\"cr\r\nlf\"\n")
        #expect(table.rowCount == 2)
        #expect(table["a"] == .string(["x,y", "line\nbreak"]))
        #expect(table["b"] == .string(["say \"hi\"", "cr\r\nlf"]))
    }

    @Test("quote corner cases follow pandas' tokenizer")
    func quoteCornerCases() throws {
        // pandas: `"x"y` -> xy, `x"y"` -> x"y" (quote inside an unquoted field is literal),
        // `"x" ` -> "x " (text after the closing quote is kept), ` "x"` -> ` "x"`,
        // `"""x"""` -> "x", `"x"""` -> x", `""x` -> x, `"x"y"z"` -> xy"z".
        let table = try csvTable("a\n\"x\"y\nx\"y\"\n\"x\" \n \"x\"\n\"\"\"x\"\"\"\n\"x\"\"\"\n\"\"x\n\"x\"y\"z\"\n")
        #expect(table["a"] == .string(["xy", "x\"y\"", "x ", " \"x\"", "\"x\"", "x\"", "x", "xy\"z\""]))
    }

    @Test("an empty quoted field is a missing value, and a quoted number is a number")
    func quotedEmptyAndNumbers() throws {
        #expect(try csvTable("a\n\"\"\n1\n")["a"] == .double([nil, 1]))
        #expect(try csvTable("a\n\"1\"\n\"2\"\n")["a"] == .int64([1, 2]))
        // Quoting does not protect the missing-value strings either.
        #expect(try csvTable("a\n\"NA\"\n1\n")["a"] == .double([nil, 1]))
        #expect(try csvTable("a\n\"True\"\n")["a"] == .boolean([true]))
    }

    @Test("LF, CRLF, CR and mixed line ends, with or without a final one")
    func lineEnds() throws {
        let expected = try csvTable("a,b\n1,2\n3,4\n")
        for text in ["a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r", "a,b\n1,2\r\n3,4\r", "a,b\n1,2\n3,4", "a,b\r\n1,2\r\n3,4"] {
            #expect(try csvTable(text) == expected, "\(text.debugDescription)")
        }
        #expect(expected["a"] == .int64([1, 3]))
        #expect(expected["b"] == .int64([2, 4]))
    }

    @Test("a UTF-8 byte-order mark is dropped at the start only")
    func byteOrderMark() throws {
        let table = try csvTable(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8))
        #expect(table.columnNames == ["a", "b"])
        let quoted = try csvTable(bytes: [0xEF, 0xBB, 0xBF] + Array("\"a\",b\n1,2\n".utf8))
        #expect(quoted.columnNames == ["a", "b"])
        // pandas keeps a second mark, and one after a blank first line, as part of the name.
        let twice = try csvTable("\u{FEFF}\u{FEFF}a\n1\n")
        #expect(twice.columnNames == ["\u{FEFF}a"])
        let late = try csvTable("\n\u{FEFF}a\n1\n")
        #expect(late.columnNames == ["\u{FEFF}a"])
        // A mark then a blank line: the blank line is skipped.
        #expect(try csvTable("\u{FEFF}\na\n1\n").columnNames == ["a"])
    }

    @Test("blank and whitespace-only lines are skipped, before the header too")
    func blankLines() throws {
        let table = try csvTable("\n\r\n  \na,b\n1,2\n\n\t\n \t \r\n3,4\r\r\n  ")
        #expect(table.columnNames == ["a", "b"])
        #expect(table["a"] == .int64([1, 3]))
        // A line of spaces with a comma is a row of two fields, its spaces kept (pandas: '  ', NaN).
        let spaced = try csvTable("a,b\n  ,\n1,2\n")
        #expect(spaced["a"] == .string(["  ", "1"]))
        #expect(spaced["b"] == .double([nil, 2]))
        // Spaces then text: the leading spaces are part of the field.
        #expect(try csvTable("a,b\n1,2\n  x,4\n")["a"] == .string(["1", "  x"]))
        // Only space and tab make a line blank: a vertical tab is a value.
        #expect(try csvTable("a\n1\n\u{0B}\n2\n")["a"] == .string(["1", "\u{0B}", "2"]))
        // A quoted empty field is a row, not a blank line.
        #expect(try csvTable("a\n\"\"\n")["a"] == .double([nil]))
    }

    @Test("spaces around fields and names are kept")
    func whitespaceKept() throws {
        let table = try csvTable("a, b\n x ,\t\n")
        #expect(table.columnNames == ["a", " b"])
        #expect(table["a"] == .string([" x "]))
        #expect(table[" b"] == .string(["\t"]))
    }

    @Test("rows with fewer fields than the header are padded with missing values")
    func shortRows() throws {
        let table = try csvTable("a,b,c\n1\n1,2\n1,2,3\n1,\n")
        #expect(table["a"] == .int64([1, 1, 1, 1]))
        #expect(table["b"] == .double([nil, 2, 2, nil]))
        #expect(table["c"] == .double([nil, nil, 3, nil]))
    }

    @Test("a header alone, an empty file and a file of blank lines have no rows")
    func emptyInputs() throws {
        for text in ["a,b", "a,b\n", "a,b\r\n\r\n", "a,b\n\n  \n"] {
            let table = try csvTable(text)
            #expect(table.columnNames == ["a", "b"])
            #expect(table.rowCount == 0)
            #expect(table.columns == [.string([]), .string([])])
        }
        // Deliberate difference: pandas raises EmptyDataError ("No columns to parse from file").
        for bytes in [[], Array("\n\n \r\n".utf8), [0xEF, 0xBB, 0xBF]] as [[UInt8]] {
            let table = try csvTable(bytes: bytes)
            #expect(table.columnNames.isEmpty)
            #expect(table.columns.isEmpty)
            #expect(table.rowCount == 0)
        }
    }

    @Test("a CR inside an unquoted field ends the row; inside quotes it is kept")
    func carriageReturns() throws {
        #expect(try csvTable("a\nx\ry\n")["a"] == .string(["x", "y"]))
        #expect(try csvTable("a\n\"x\r\"\n")["a"] == .string(["x\r"]))
        // After a closing quote, CR ends the row and a comma starts the next one (pandas agrees).
        let table = try csvTable("a,b\n\"1\"\r,2\n")
        #expect(table["a"] == .double([1, nil]))
        #expect(table["b"] == .double([nil, 2]))
    }

    @Test("a comma after a blank line ended by a lone CR starts an empty field")
    func commaAfterBlankCRLine() throws {
        // Deliberate difference: pandas drops that comma (its EAT_CRNL_NOP state) and reads the
        // row as `2` alone, giving a = [2], b = [NaN].
        let table = try csvTable("a,b\r\r,2\r")
        #expect(table["a"] == .double([nil]))
        #expect(table["b"] == .int64([2]))
    }

    @Test("NUL bytes and non-ASCII text are ordinary characters")
    func unusualCharacters() throws {
        let table = try csvTable("name,v\nx\u{0}y,日本語\n")
        #expect(table["name"] == .string(["x\u{0}y"]))
        #expect(table["v"] == .string(["日本語"]))
    }
}
