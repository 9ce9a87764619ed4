import Foundation
import Testing

@testable import Parquet

@Suite struct RoundTripTests {
    static let compressions: [ParquetCompression] = [.none, .snappy, .zstd(), .zstd(level: 19), .gzip()]

    @Test(arguments: compressions)
    func everyTypeRoundTrips(compression: ParquetCompression) throws {
        let table = try sampleTable()
        for dictionary in [true, false] {
            let bytes = try table.encoded(options: ParquetWriteOptions(compression: compression, dictionaryEncoding: dictionary))
            let back = try ParquetTable(parquetBytes: bytes)
            #expect(same(back, table), "compression \(compression), dictionary \(dictionary)")
        }
    }

    @Test func columnsWithoutNullsAndAllNulls() throws {
        let n = 17
        var columns: [ParquetColumn] = []
        for type in ParquetColumnType.allCases {
            columns.append(ParquetColumn("null_\(type)", .nulls(type, count: n)))
        }
        columns.append(ParquetColumn("i", .int64((0..<n).map { Int64($0) })))
        columns.append(ParquetColumn("s", .string((0..<n).map { "v\($0)" })))
        columns.append(ParquetColumn("b", .boolean((0..<n).map { $0 % 3 == 0 })))
        columns.append(ParquetColumn("l", .int64List((0..<n).map { Array(repeating: Int64($0), count: $0 % 3) })))
        let table = try ParquetTable(columns: columns)
        let back = try ParquetTable(parquetBytes: try table.encoded())
        #expect(same(back, table))
    }

    @Test func zeroRowsKeepTheSchema() throws {
        let table = try ParquetTable(schema: ParquetColumnType.allCases.map { ParquetField("c_\($0)", $0) })
        let reader = try ParquetFileReader(bytes: try table.encoded())
        #expect(reader.rowCount == 0)
        #expect(reader.rowGroups.isEmpty)
        #expect(reader.schema == table.schema)
        #expect(same(try reader.readTable(), table))
    }

    @Test func noColumnsAtAll() throws {
        let table = try ParquetTable(columns: [])
        let back = try ParquetTable(parquetBytes: try table.encoded())
        #expect(back.columns.isEmpty)
        #expect(back.rowCount == 0)
    }

    @Test func manyRowGroupsAndPages() throws {
        let table = try sampleTable(rows: 1000)
        let options = ParquetWriteOptions(compression: .snappy, rowGroupSize: 70, dataPageSize: 64)
        let reader = try ParquetFileReader(bytes: try table.encoded(options: options))
        #expect(reader.rowGroups.count == 15)
        #expect(reader.rowGroups.map(\.rowCount).reduce(0, +) == 1000)
        #expect(same(try reader.readTable(), table))
        #expect(same(try reader.readRowGroup(at: 2), table.rows(140..<210)))
        // Several pages per chunk; a list's pages hold whole rows.
        let bytes = try table.encoded(options: options)
        for chunk in reader.metadata.rowGroups[0].columns {
            guard let meta = chunk.metaData else { continue }
            let pages = try dataPageValueCounts(bytes, meta)
            if ["index", "size", "mean", "path", "shape", "spacing"].contains(meta.pathInSchema[0]) {
                #expect(pages.count > 1, "\(meta.pathInSchema)")
            }
            #expect(pages.reduce(0, +) == Int(meta.numValues))
        }
    }

    @Test func dictionaryFallsBackToPlainWhenTooLarge() throws {
        let unique = ParquetColumn("u", .string((0..<5000).map { "unique-value-\($0)" }))
        let repeated = ParquetColumn("r", .string((0..<5000).map { ["alpha", "beta"][$0 % 2] }))
        let table = try ParquetTable(columns: [unique, repeated])
        let reader = try ParquetFileReader(bytes: try table.encoded(options: ParquetWriteOptions(dictionaryPageSizeLimit: 1024)))
        let chunks = reader.metadata.rowGroups[0].columns.compactMap(\.metaData)
        #expect(chunks[0].dictionaryPageOffset == nil)
        #expect(!chunks[0].encodings.contains(Encoding.rleDictionary))
        #expect(chunks[1].dictionaryPageOffset != nil)
        #expect(chunks[1].encodings.contains(Encoding.rleDictionary))
        #expect(same(try reader.readTable(), table))
    }

    @Test func canonicallyEquivalentStringsStayDistinct() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let table = try ParquetTable(columns: [ParquetColumn("s", .string([composed, decomposed, composed, decomposed]))])
        let back = try ParquetTable(parquetBytes: try table.encoded())
        guard case .string(let values)? = back["s"] else {
            Issue.record("no string column")
            return
        }
        #expect(values.map { $0.map { Array($0.utf8) } } == [Array(composed.utf8), Array(decomposed.utf8), Array(composed.utf8), Array(decomposed.utf8)])
    }

    @Test func statisticsFollowTheColumnOrder() throws {
        let table = try ParquetTable(columns: [
            ParquetColumn("i", .int64([5, nil, -7, 3])),
            ParquetColumn("s", .string(["b", "é", nil, "a", "z"])),
            ParquetColumn("d", .double([.nan, 2, -1, nil, .nan])),
            ParquetColumn("z", .double([0.0, -0.0, nil, nil, nil])),
            ParquetColumn("nan", .double([.nan, nil, nil, nil, nil])),
            ParquetColumn("b", .boolean([true, nil, true, true, true])),
        ].map { column in
            // Pad every column to five rows.
            var values = column.values
            values.appendNulls(5 - values.count)
            return ParquetColumn(column.name, values)
        })
        let reader = try ParquetFileReader(bytes: try table.encoded())
        #expect(reader.metadata.typeDefinedOrderCount == 6)  // readers trust min/max only with column orders
        let stats = reader.metadata.rowGroups[0].columns.map { $0.metaData?.statistics }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(stats[0]?.nullCount == 2)
        #expect(stats[0]?.minValue == le(Int64(-7)))
        #expect(stats[0]?.maxValue == le(Int64(5)))
        #expect(stats[1]?.minValue == Array("a".utf8))
        #expect(stats[1]?.maxValue == Array("é".utf8))  // 0xC3 sorts after "z" as an unsigned byte
        #expect(stats[2]?.minValue == le((-1.0).bitPattern))
        #expect(stats[2]?.maxValue == le((2.0).bitPattern))
        #expect(stats[2]?.nanCount == 2)
        #expect(stats[3]?.minValue == le((-0.0).bitPattern))
        #expect(stats[3]?.maxValue == le((0.0).bitPattern))
        #expect(stats[4]?.minValue == nil)
        #expect(stats[4]?.nullCount == 4)
        #expect(stats[5]?.minValue == [1])
        #expect(stats[5]?.maxValue == [1])
    }

    @Test func streamingWriterToAClosure() throws {
        var chunks = 0
        var bytes: [UInt8] = []
        let writer = try ParquetFileWriter(
            schema: [ParquetField("n", .int64), ParquetField("s", .string)], keyValueMetadata: ["origin": "test"]
        ) { chunk in
            chunks += 1
            bytes += chunk
        }
        try writer.write([.int64([1, 2]), .string(["a", nil])])
        try writer.write([.int64([3]), .nulls(.binary, count: 1)])  // all-null columns fit any type
        try writer.write([.int64([]), .string([])])  // skipped
        #expect(throws: ParquetError.self) { try writer.write([.int64([1])]) }
        #expect(throws: ParquetError.self) { try writer.write([.double([1]), .string(["x"])]) }
        try writer.finish()
        #expect(chunks > 3)
        let reader = try ParquetFileReader(bytes: bytes)
        #expect(reader.rowGroups.map(\.rowCount) == [2, 1])
        #expect(reader.keyValueMetadata == ["origin": "test"])
        #expect(reader.createdBy == ParquetFileWriter.createdBy)
        let table = try reader.readTable()
        #expect(table["n"] == .int64([1, 2, 3]))
        #expect(table["s"] == .string(["a", nil, nil]))
        #expect(throws: ParquetError.self) { try writer.finish() }
    }

    @Test func atomicFileWrite() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("table.parquet")
        let table = try sampleTable()
        try table.write(toFile: path, options: ParquetWriteOptions(compression: .zstd()))
        #expect(same(try ParquetTable(contentsOfFile: path), table))
        // Overwrite, and leave nothing else behind.
        try table.rows(0..<3).write(toFile: path)
        #expect(try ParquetFileReader(path: path).rowCount == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["table.parquet"])
        // An unfinished writer leaves neither the file nor its temporary.
        do {
            let writer = try ParquetFileWriter(path: folder.path("unfinished.parquet"), schema: table.schema)
            try writer.write(table)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["table.parquet"])
        #expect(throws: ParquetError.self) { try table.write(toFile: folder.path("missing/folder/t.parquet")) }
    }

    @Test func moderatelyLargeTable() throws {
        let n = 200_000
        let table = try ParquetTable(columns: [
            ParquetColumn("index", .int64((0..<n).map { Int64($0) })),
            ParquetColumn("mean", .double((0..<n).map { $0 % 100 == 0 ? nil : Double($0) * 0.25 })),
            ParquetColumn("path", .string((0..<n).map { "folder/image_\($0).png" })),
            ParquetColumn("format", .string((0..<n).map { $0 % 2 == 0 ? "png" : "tiff" })),
            ParquetColumn("shape", .int64List((0..<n).map { [3, Int64($0 % 512), 256] })),
        ])
        let clock = ContinuousClock()
        var bytes: [UInt8] = []
        let writeTime = try clock.measure { bytes = try table.encoded(options: ParquetWriteOptions(rowGroupSize: 65536)) }
        var back: ParquetTable?
        let readTime = try clock.measure { back = try ParquetTable(parquetBytes: bytes) }
        print("200k rows × 5 columns: write \(writeTime), read \(readTime), \(bytes.count) bytes")
        #expect(back == table)
    }
}
