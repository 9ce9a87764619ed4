import Testing

@testable import Parquet

@Suite struct TableTests {
    @Test func tableValidation() throws {
        #expect(throws: ParquetError.self) { try ParquetTable(columns: [ParquetColumn("a", .int64([1])), ParquetColumn("a", .int64([2]))]) }
        #expect(throws: ParquetError.self) { try ParquetTable(columns: [ParquetColumn("a", .int64([1])), ParquetColumn("b", .int64([]))]) }
        let table = try ParquetTable(columns: [ParquetColumn("a", .int64([1, nil])), ParquetColumn("b", .stringList([["x"], []]))])
        #expect(table.rowCount == 2)
        #expect(table["a"]?.nullCount == 1)
        #expect(table["b"]?.nullCount == 0)
        #expect(table["b"]?[1] == .stringList([]))
        #expect(table["a"]?[1] == .null)
        #expect(table.column(named: "zz") == nil)
    }

    @Test func appendRowsOneByOne() throws {
        var table = try ParquetTable(schema: [ParquetField("index", .int64), ParquetField("path", .string), ParquetField("mean", .double)])
        try table.appendRow(["index": .int64(0), "path": .string("a.png"), "mean": .double(1.5)])
        try table.appendRow(["index": .int32(1), "mean": .float(2.5)])
        try table.appendRow(["index": .int64(2), "error": .string("unreadable"), "shape": .null])
        #expect(throws: ParquetError.self) { try table.appendRow(["index": .string("three")]) }
        #expect(table.rowCount == 3)
        #expect(table["index"] == .int64([0, 1, 2]))
        #expect(table["path"] == .string(["a.png", nil, nil]))
        #expect(table["mean"] == .double([1.5, 2.5, nil]))
        #expect(table["error"] == .string([nil, nil, "unreadable"]))
        #expect(table["shape"] == nil)
    }

    @Test func appendTablesWithDifferentColumns() throws {
        var old = try ParquetTable(
            columns: [
                ParquetColumn("index", .int64([0, 1])),
                ParquetColumn("error", .string([nil, nil])),  // pyarrow's all-None column reads as strings
                ParquetColumn("shape", .int64List([[3, 4], [5]])),
                ParquetColumn("scale", .float([1, 2])),
            ], keyValueMetadata: ["pandas": "{}"])
        let new = try ParquetTable(columns: [
            ParquetColumn("index", .int64([2])),
            ParquetColumn("error", .int64([nil])),
            ParquetColumn("scale", .double([0.5])),
            ParquetColumn("user", .boolean([true])),
        ])
        try old.append(new)
        #expect(old.rowCount == 3)
        #expect(old.schema.map(\.name) == ["index", "error", "shape", "scale", "user"])
        #expect(old["error"] == .string([nil, nil, nil]))
        #expect(old["shape"] == .int64List([[3, 4], [5], nil]))
        #expect(old["scale"] == .double([1, 2, 0.5]))
        #expect(old["user"] == .boolean([nil, nil, true]))
        #expect(old.keyValueMetadata == ["pandas": "{}"])

        var typed = try ParquetTable(columns: [ParquetColumn("error", .nulls(.string, count: 1))])
        try typed.append(try ParquetTable(columns: [ParquetColumn("error", .int32([4]))]))
        #expect(typed["error"] == .int32([nil, 4]))
        #expect(throws: ParquetError.self) {
            var t = try ParquetTable(columns: [ParquetColumn("x", .string(["a"]))])
            try t.append(try ParquetTable(columns: [ParquetColumn("x", .int64([1]))]))
        }
    }

    @Test func columnEditing() throws {
        var table = try ParquetTable(columns: [ParquetColumn("a", .int64([1, 2]))])
        try table.setColumn(ParquetColumn("b", .string(["x", "y"])))
        try table.setColumn(ParquetColumn("a", .int64([3, 4])))
        #expect(throws: ParquetError.self) { try table.setColumn(ParquetColumn("c", .int64([1]))) }
        #expect(table.removeColumn(named: "b")?.values == .string(["x", "y"]))
        #expect(table.schema == [ParquetField("a", .int64)])
        #expect(table.rows(1..<2)["a"] == .int64([4]))
    }
}
