import Testing

@testable import Parquet

/// Files written by pyarrow 26 / pandas 3.1 (see `Golden/make_golden.py`), with the values the
/// script put in them.
@Suite struct GoldenFileTests {
    static let sampleColumns: [ParquetColumn] = [
        ParquetColumn("index", .int64([0, 1, 2, 3, 4, 5])),
        ParquetColumn("path", .string(["a/x.png", "a/y.png", nil, "b/é.tif", "b/z.npy", ""])),
        ParquetColumn("format", .string(["png", "png", "tiff", "tiff", nil, "png"])),
        ParquetColumn("size", .int64([100, nil, -3, 1 << 40, 0, 7])),
        ParquetColumn("mean", .double([0.5, .nan, nil, -1.25, 1e300, 0.0])),
        ParquetColumn("ok", .boolean([true, false, nil, true, true, false])),
        ParquetColumn("f32", .float([1.5, nil, -2.0, 0.25, 3.0, 4.0])),
        ParquetColumn("i32", .int32([1, -2, nil, .max, .min, 0])),
        ParquetColumn("i8", .int32([1, -128, 127, nil, 0, 5])),
        ParquetColumn("u32", .int64([0, 4_294_967_295, nil, 5, 6, 7])),
        ParquetColumn("u64", .int64([0, .max, nil, 5, 6, 7])),
        ParquetColumn("bin", .binary([[0, 1], nil, [], [255], [97, 98], [99]])),
        ParquetColumn("shape", .int64List([[3, 256, 256], [1, 64, 64], nil, [], [7], [2, 2]])),
        ParquetColumn("spacing", .doubleList([[0.5, 0.5], nil, [], [1.0], [2.0, 3.0, 4.0], [1e-3]])),
        ParquetColumn("tags", .stringList([["a", "b"], [], nil, ["c"], ["dd", "e", "f"], ["g"]])),
    ]

    @Test(arguments: [
        "default.parquet", "zstd.parquet", "uncompressed.parquet", "gzip.parquet", "lz4.parquet", "v2.parquet", "plain.parquet",
        "legacy_list_names.parquet",
    ])
    func sampleTable(file: String) throws {
        let reader = try golden(file)
        #expect(reader.rowCount == 6)
        #expect(reader.unsupportedColumns.isEmpty)
        #expect(reader.createdBy?.hasPrefix("parquet-cpp-arrow") == true)
        #expect(reader.keyValueMetadata["ARROW:schema"] != nil)
        #expect(reader.schema == Self.sampleColumns.map(\.field))
        let table = try reader.readTable()
        for expected in Self.sampleColumns {
            #expect(same(table[expected.name], expected.values), "\(file): column \(expected.name)")
        }
        #expect(try reader.readColumn(named: "shape") == .int64List([[3, 256, 256], [1, 64, 64], nil, [], [7], [2, 2]]))
    }

    @Test func deltaAndByteStreamSplitEncodings() throws {
        let table = try golden("delta.parquet").readTable()
        func times50<T>(_ values: [T]) -> [T] { Array((0..<50).map { _ in values }.joined()) }
        #expect(table["i"] == .int64(times50([5, 7, nil, -1000, 1 << 40, 3])))
        #expect(table["j"] == .int32(times50([1, 2, 3, nil, -5, 9])))
        #expect(table["s"] == .string(times50(["abc", "abd", nil, "xyz", "", "abcdef"])))
        #expect(table["t"] == .string(times50(["prefix-1", "prefix-12", "prefix-123", nil, "other", "prefix-1"])))
        #expect(table["d"] == .double(times50([1.5, nil, -2.25, 0.0, 1e10, 3.0])))
    }

    static func sequence(_ n: Int) throws -> ParquetTable {
        try ParquetTable(columns: [
            ParquetColumn("i", .int64((0..<n).map { Int64($0) * 3 - 7 })),
            ParquetColumn("d", .double((0..<n).map { $0 % 7 == 0 ? nil : Double($0) / 4 })),
            ParquetColumn("s", .string((0..<n).map { $0 % 11 == 0 ? nil : "s\($0 % 13)" })),
            ParquetColumn("u", .string((0..<n).map { "unique-\($0)" })),
            ParquetColumn("l", .int64List((0..<n).map { $0 % 5 == 0 ? nil : (0..<($0 % 4)).map { Int64($0) } })),
        ])
    }

    @Test func severalRowGroups() throws {
        let reader = try golden("rowgroups.parquet")
        #expect(reader.rowGroups.count == 10)
        #expect(reader.rowGroups.allSatisfy { $0.rowCount == 100 })
        let expected = try Self.sequence(1000)
        #expect(same(try reader.readTable(), expected))
        #expect(same(try reader.readRowGroup(at: 9), expected.rows(900..<1000)))
    }

    @Test func severalPagesAndDictionaryFallback() throws {
        let reader = try golden("pages.parquet")
        #expect(reader.rowGroups.count == 1)
        #expect(same(try reader.readTable(), try Self.sequence(5000)))
    }

    @Test func pandasDataFrame() throws {
        let reader = try golden("pandas.parquet")
        #expect(reader.keyValueMetadata["pandas"]?.contains("\"columns\"") == true)
        let table = try reader.readTable()
        #expect(table.schema.map(\.name) == ["index", "mean", "flag", "name", "error"])
        #expect(table["index"] == .int64([0, 1, 2]))
        #expect(table["mean"] == .double([1.5, nil, -3.0]))  // pyarrow stores pandas' NaN as null
        #expect(table["flag"] == .boolean([true, false, true]))
        #expect(table["name"] == .string(["x.png", nil, "z.png"]))
        #expect(table["error"] == .string([nil, nil, nil]))  // pandas' all-None column has the null type
    }

    @Test func pandasTuplesBecomeInt64Lists() throws {
        let table = try golden("shape.parquet").readTable()
        #expect(table.schema == [ParquetField("shape", .int64List)])
        #expect(table["shape"] == .int64List([[3, 256, 256], [1, 64, 64]]))
    }

    @Test func requiredColumns() throws {
        let table = try golden("required.parquet").readTable()
        #expect(table["r"] == .int64([1, 2, 3]))
        #expect(table["o"] == .string(["a", nil, "c"]))
    }

    @Test func emptyFile() throws {
        let reader = try golden("empty.parquet")
        #expect(reader.rowCount == 0)
        let table = try reader.readTable()
        #expect(table["a"] == .int64([]))
        #expect(table["b"] == .string([]))
    }

    @Test func unsupportedColumnsAreNamed() throws {
        let reader = try golden("unsupported.parquet")
        #expect(reader.schema == [ParquetField("n", .int64)])
        #expect(reader.unsupportedColumns.map(\.column) == ["when"])
        #expect(reader.unsupportedColumns.first?.message.contains("TIMESTAMP") == true)
        let error = #expect(throws: ParquetError.self) { try reader.readTable() }
        #expect(error?.kind == .unsupported)
        #expect(error?.column == "when")
        #expect(try reader.readTable(columns: ["n"])["n"] == .int64([1, 2]))
        #expect(throws: ParquetError.self) { try reader.readColumn(named: "missing") }
    }

    @Test func unsupportedCompressionIsAnError() throws {
        let reader = try golden("brotli.parquet")
        let error = #expect(throws: ParquetError.self) { try reader.readTable() }
        #expect(error?.kind == .unsupported)
        #expect(error?.column == "index")
    }

    @Test func appendToAPyarrowTableAndWriteBack() throws {
        var table = try golden("default.parquet").readTable()
        var row = try ParquetTable(columns: Self.sampleColumns.map { ParquetColumn($0.name, $0.values.rows(0..<1)) })
        try row.setColumn(ParquetColumn("extra", .string(["new"])))
        try table.append(row)
        let back = try ParquetTable(parquetBytes: try table.encoded())
        #expect(back.rowCount == 7)
        #expect(back["shape"] == .int64List([[3, 256, 256], [1, 64, 64], nil, [], [7], [2, 2], [3, 256, 256]]))
        #expect(back["extra"] == .string([nil, nil, nil, nil, nil, nil, "new"]))
        #expect(back.keyValueMetadata["ARROW:schema"] != nil)
    }
}
