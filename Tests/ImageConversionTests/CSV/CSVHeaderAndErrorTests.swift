import Testing

@testable import ImageConversion

// Column names, lookup by name, and errors. Expected results checked against pandas 3.1.1 (see
// CSVTestSupport.swift for how).
@Suite("CSV header and errors")
struct CSVHeaderAndErrorTests {
    @Test("duplicate names get .1, .2 ... skipping names already in the header")
    func duplicateNames() throws {
        #expect(try csvTable("a,a\n1,2\n").columnNames == ["a", "a.1"])
        #expect(try csvTable("a,a,a\n1,2,3\n").columnNames == ["a", "a.1", "a.2"])
        #expect(try csvTable("a,a,a.1\n1,2,3\n").columnNames == ["a", "a.2", "a.1"])
        #expect(try csvTable("a,a.1,a\n1,2,3\n").columnNames == ["a", "a.1", "a.2"])
    }

    @Test("empty names become Unnamed: i, after the named columns")
    func unnamedColumns() throws {
        #expect(try csvTable("a,,b\n1,2,3\n").columnNames == ["a", "Unnamed: 1", "b"])
        #expect(try csvTable(",\n1,2\n").columnNames == ["Unnamed: 0", "Unnamed: 1"])
        #expect(try csvTable("\"\",x\n2,3\n").columnNames == ["Unnamed: 0", "x"])
        #expect(try csvTable("Unnamed: 1,\n2,3\n").columnNames == ["Unnamed: 1", "Unnamed: 1.1"])
        #expect(try csvTable(",Unnamed: 0\n2,3\n").columnNames == ["Unnamed: 0.1", "Unnamed: 0"])
        #expect(try csvTable("a,,,a\n2,3,4,5\n").columnNames == ["a", "Unnamed: 1", "Unnamed: 2", "a.1"])
        // A header's trailing comma makes a column (pandas: Unnamed: 2, here all missing).
        let trailing = try csvTable("a,b,\n1,2\n")
        #expect(trailing.columnNames == ["a", "b", "Unnamed: 2"])
        #expect(trailing["Unnamed: 2"] == .double([nil]))
        // A name of spaces is a name; names are not typed.
        #expect(try csvTable(" ,NA,1\n2,3,4\n").columnNames == [" ", "NA", "1"])
        #expect(try csvTable("\"a,b\",\"c\nd\"\n1,2\n").columnNames == ["a,b", "c\nd"])
    }

    @Test("columns by name and index")
    func lookup() throws {
        let table = try csvTable("filename,size,a,a\nx.tif,3,1,2\n")
        #expect(table.columnIndex(named: "filename") == 0)
        #expect(table.columnIndex(named: "a.1") == 3)
        #expect(table.columnIndex(named: "missing") == nil)
        #expect(table.columnIndex(named: "Filename") == nil)
        #expect(table.column(named: "size") == .int64([3]))
        #expect(table["a.1"] == .int64([2]))
        #expect(table["nope"] == nil)
        #expect(table.columns.count == table.columnNames.count)
    }

    @Test("a row longer than the header is an error naming the line and the counts")
    func tooManyFields() throws {
        // pandas: "Expected 2 fields in line 3, saw 3".
        let error = try #require(csvError("a,b\n1,2\n3,4,\n"))
        #expect(error.kind == .tooManyFields(expected: 2, saw: 3))
        #expect(error.line == 3)
        #expect(error.file == "test.csv")
        #expect(error.message == "test.csv, line 3: expected 2 fields (as in the header), saw 3")
        #expect(error.description == error.message)
        // Blank lines count as lines (pandas: line 5).
        #expect(csvError("a,b\n1,2\n\n\n1,2,3\n")?.line == 5)
        #expect(csvError("a,b\n1,2\n3,4,5,6\n")?.kind == .tooManyFields(expected: 2, saw: 4))
    }

    @Test("error lines are physical lines, counting newlines inside quotes")
    func physicalLines() throws {
        // Deliberate difference: pandas says line 4, counting the quoted field's two lines as one.
        let error = try #require(csvError("a,b\n1,2\n\"x\ny\",2\n1,2,3\n"))
        #expect(error.line == 5)
        // CRLF counts once, a lone CR counts.
        #expect(csvError("a,b\r\n1,2\r\n1,2,3\r\n")?.line == 3)
        #expect(csvError("a,b\r1,2\r1,2,3\r")?.line == 3)
    }

    @Test("a first data row longer than the header is an error too")
    func firstRowTooLong() throws {
        // Deliberate difference: pandas makes the extra leading fields the index
        // ('a,b\n1,2,3' gives index [1], a=[2], b=[3]), which silently shifts every column.
        let error = try #require(csvError("a,b\n1,2,3\n4,5,6\n"))
        #expect(error.kind == .tooManyFields(expected: 2, saw: 3))
        #expect(error.line == 2)
    }

    @Test("an unterminated quote names the line where the field opened")
    func unterminatedQuote() throws {
        // pandas: "EOF inside string starting at row 2" (0-based, counting records).
        let error = try #require(csvError("a\nq\n\"unterminated\n\nmore\n"))
        #expect(error.kind == .unterminatedQuote)
        #expect(error.line == 3)
        #expect(error.message == "test.csv, line 3: a quoted field starting on this line is never closed")
        // A doubled quote does not close the field.
        #expect(csvError("a\n\"x\"\"\n")?.kind == .unterminatedQuote)
        #expect(csvError("a,b\n1,\"abc\n2,3\n")?.line == 2)
    }

    @Test("invalid UTF-8 names the line and byte offset")
    func invalidUTF8() throws {
        // pandas raises UnicodeDecodeError for each of these.
        let error = try #require(csvError(bytes: Array("a,b\n1,2\nx,".utf8) + [0xFF] + Array("\n".utf8)))
        #expect(error.kind == .invalidUTF8(byteOffset: 10))
        #expect(error.line == 3)
        #expect(error.message == "test.csv, line 3: invalid UTF-8 at byte offset 10")
        let cases: [(bytes: [UInt8], offset: Int)] = [
            ([0x61, 0x0A, 0xC3], 2),  // truncated sequence at the end
            ([0x61, 0x0A, 0xC0, 0xAF], 2),  // overlong
            ([0x61, 0x0A, 0xED, 0xA0, 0x80], 2),  // UTF-16 surrogate
            ([0x61, 0x0A, 0xF4, 0x90, 0x80, 0x80], 2),  // above U+10FFFF
            ([0x61, 0x0A, 0xE2, 0x82, 0x41], 2),  // bad continuation
            ([0x61, 0x0A, 0x80], 2),  // lone continuation byte
        ]
        for (bytes, offset) in cases {
            #expect(csvError(bytes: bytes)?.kind == .invalidUTF8(byteOffset: offset), "\(bytes)")
        }
        // The offset counts a byte-order mark.
        #expect(csvError(bytes: [0xEF, 0xBB, 0xBF, 0x61, 0x0A, 0xFF])?.kind == .invalidUTF8(byteOffset: 5))
        // Well-formed multi-byte text of every length reads.
        #expect(try csvTable("a\né€😀\n")["a"] == .string(["é€😀"]))
    }

    @Test("errors without a line name the file alone")
    func fileErrors() {
        let error = CSVError(.fileTooLarge(size: 10, limit: 5), file: "big.csv", line: nil)
        #expect(error.description == "big.csv: the file has 10 bytes, more than the limit of 5")
    }
}
