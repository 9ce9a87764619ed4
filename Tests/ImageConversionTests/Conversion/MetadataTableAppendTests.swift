import Foundation
import ImMetaIO
import Parquet
import Testing
@testable import ImageConversion

/// Appends to the table: row group by row group when the new rows fit its columns, whole when
/// they add one.
struct MetadataTableAppendTests {
    static func rows(_ indices: Range<Int>) -> [ConversionRow] {
        indices.map { index in
            ConversionRow(
                index: index, path: "in/f\(index).png", key: "f\(index).png", format: "png", fileSize: 100 + index, shape: [4, 4],
                dtype: "uint8", statistics: ImageStatistics(minimum: 0, maximum: Double(index), mean: 1, standardDeviation: 0),
                error: nil, zeroFilled: false)
        }
    }

    @Test func anAppendCopiesTheKeptRowGroupsThenAddsTheNewRows() throws {
        let folder = try scratchFolder("table-append")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/t.parquet"
        // An existing table of 10 rows in row groups of 3, of which the array keeps 7.
        let old = try MetadataTable.table(rows: Self.rows(0..<10), extra: [])
        let writer = try ParquetFileWriter(
            path: path, schema: old.schema, keyValueMetadata: ["pandas": "{}", "note": "kept"],
            options: ParquetWriteOptions(rowGroupSize: 3))
        try writer.write(old)
        try writer.finish()
        let existing = try #require(try MetadataTable.existing(path, rows: 7))
        #expect(existing.reader.rowGroups.count == 4)
        try MetadataTable.write(existing: existing, slabs: [Self.rows(7..<9), Self.rows(9..<12)], extra: { _ in [] }, to: path)
        let reader = try ParquetFileReader(path: path)
        let table = try reader.readTable()
        #expect(table["array_index"] == .int64((0..<12).map(Int64.init)))
        #expect(table["file_size_bytes"] == .int64((0..<12).map { Int64(100 + $0) }))
        #expect(reader.rowGroups.count == 4, "three kept groups (3, 3, 1) and the new rows")
        #expect(reader.keyValueMetadata["note"] == "kept" && reader.keyValueMetadata["pandas"] == nil)

        // A new column (a CSV's) makes the whole table be rewritten, nulls in the old rows.
        let again = try #require(try MetadataTable.existing(path, rows: 12))
        try MetadataTable.write(
            existing: again, slabs: [Self.rows(12..<13)], extra: { rows in [ParquetColumn("score", .double(rows.map { _ in 2.5 }))] },
            to: path)
        let widened = try ParquetFileReader(path: path).readTable()
        #expect(widened.rowCount == 13)
        #expect(widened["score"] == .double(Array(repeating: nil, count: 12) + [2.5]))
    }
}
