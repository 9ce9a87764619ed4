import Foundation
import ImMetaIOCore
import NDArrayModule
import Parquet

/// The per-image table beside the store (`<stem>_metadata.parquet`): one row per stored image,
/// in array order, with images_to_zarr's column names where it has them (so its `inspect` reads
/// ours) and the CSV's columns joined on.
///
/// | column | type | what |
/// |---|---|---|
/// | `array_index` | int64 | the image's index along the array's first axis |
/// | `filename` | string | the join key (base name, or relative path when base names repeat) |
/// | `original_filename`, `original_extension` | string | base name and extension |
/// | `path` | string | the input path as given |
/// | `format` | string | the plugin that decoded it (`png`, `fits` …) |
/// | `file_size_bytes` | int64 | size of the input file |
/// | `shape`, `dtype` | list<int64>, string | the decoded shape and dtype before conversion |
/// | `min_value` … `std_value` | double | statistics of the stored image (NaN ignored) |
/// | `error`, `zero_filled` | string, bool | the decode error of a zero-filled image |
enum MetadataTable {
    /// The table's columns for `rows`, then `extra` ones (the CSV's, or the metadata objects'
    /// of an in-memory conversion), one value per row.
    static func table(rows: [ConversionRow], extra: [ParquetColumn]) throws -> ParquetTable {
        func strings(_ value: (ConversionRow) -> String?) -> ParquetColumnValues { .string(rows.map(value)) }
        func doubles(_ value: (ConversionRow) -> Double) -> ParquetColumnValues { .double(rows.map { value($0) }) }
        var columns = [
            ParquetColumn("array_index", .int64(rows.map { Int64($0.index) })),
            ParquetColumn("filename", strings(\.key)),
            ParquetColumn("original_filename", strings { ($0.path as NSString).lastPathComponent }),
            ParquetColumn("original_extension", strings { InputScan.fileExtension($0.path) }),
            ParquetColumn("path", strings(\.path)),
            ParquetColumn("format", strings(\.format)),
            ParquetColumn("file_size_bytes", .int64(rows.map { Int64($0.fileSize) })),
            ParquetColumn("shape", .int64List(rows.map { $0.shape.map(Int64.init) })),
            ParquetColumn("dtype", strings(\.dtype)),
            ParquetColumn("min_value", doubles(\.statistics.minimum)),
            ParquetColumn("max_value", doubles(\.statistics.maximum)),
            ParquetColumn("mean_value", doubles(\.statistics.mean)),
            ParquetColumn("std_value", doubles(\.statistics.standardDeviation)),
            ParquetColumn("error", strings(\.error)),
            ParquetColumn("zero_filled", .boolean(rows.map(\.zeroFilled))),
        ]
        columns += extra
        do { return try ParquetTable(columns: columns) } catch { throw ImMetaIOError(.invalidArgument, "\(error)") }
    }

    /// What the written rows say, for the report: join keys and zero-filled files.
    struct Summary {
        var orderedKeys: [String] = []
        var keys: Set<String> = []
        var zeroFilled: [String] = []
    }

    /// Rows per row group of the table.
    static let rowGroupRows = 1 << 16

    /// The table an append extends: its first `rows` rows, read row group by row group.
    struct ExistingTable {
        let reader: ParquetFileReader
        let rows: Int
        let path: String

        /// The kept rows, one row group at a time.
        func forEachGroup(_ body: (ParquetTable) throws -> Void) throws {
            var remaining = rows
            for index in reader.rowGroups.indices where remaining > 0 {
                var group = try reader.readRowGroup(at: index)
                if group.rowCount > remaining { group = group.rows(0..<remaining) }
                remaining -= group.rowCount
                try body(group)
            }
        }

        /// The kept rows as one table (when the new rows change the schema).
        func whole() throws -> ParquetTable {
            let table = try reader.readTable()
            return table.rowCount > rows ? table.rows(0..<rows) : table
        }
    }

    /// Writes the existing rows (an append's) followed by the rows of `slabs` (in order, each
    /// with its `extra` columns), atomically. A new table is written row group by row group, so
    /// memory holds one group whatever the row count. An append whose rows fit the existing
    /// columns copies the old row groups one at a time and adds the new rows after them; one that
    /// adds or widens a column reads the existing table whole to rewrite it.
    @discardableResult
    static func write<Slabs: Sequence>(
        existing: ExistingTable?, slabs: Slabs, extra: ([ConversionRow]) -> [ParquetColumn], to path: String
    ) throws -> Summary where Slabs.Element == [ConversionRow] {
        var summary = Summary()
        func note(_ rows: [ConversionRow]) {
            for row in rows {
                summary.orderedKeys.append(row.key)
                summary.keys.insert(row.key)
                if row.zeroFilled { summary.zeroFilled.append(row.path) }
            }
        }
        do {
            if let existing, existing.rows > 0 || !existing.reader.schema.isEmpty {
                var rows: [ConversionRow] = []
                for slab in slabs { rows += slab }
                note(rows)
                let added = try table(rows: rows, extra: extra(rows))
                // pyarrow's and pandas' descriptions of the old schema would re-type the new columns.
                var keyValues = existing.reader.keyValueMetadata
                keyValues["ARROW:schema"] = nil
                keyValues["pandas"] = nil
                // The new rows in the old columns, when they fit without changing them.
                var fitted = try ParquetTable(columns: existing.reader.schema.map { ParquetColumn($0.name, .nulls($0.type, count: 0)) })
                try fitted.append(added)
                if fitted.schema == existing.reader.schema {
                    let writer = try ParquetFileWriter(path: path, schema: fitted.schema, keyValueMetadata: keyValues, options: options)
                    try existing.forEachGroup { try writer.write($0) }
                    try writer.write(fitted)
                    try writer.finish()
                    return summary
                }
                var whole = try existing.whole()
                try whole.append(added)
                whole.keyValueMetadata = keyValues
                try whole.write(toFile: path, options: options)
                return summary
            }
            let schema = try table(rows: [], extra: extra([])).schema
            let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
            var group: [ConversionRow] = []
            func flush() throws {
                guard !group.isEmpty else { return }
                try writer.write(try table(rows: group, extra: extra(group)))
                group = []
            }
            for slab in slabs {
                note(slab)
                group += slab
                if group.count >= rowGroupRows { try flush() }
            }
            try flush()
            try writer.finish()
            return summary
        } catch let error as ParquetError {
            throw ImMetaIOError(.io, error.description, file: path)
        }
    }

    /// Zstandard pages: about a quarter the size of Snappy's for this table, at the same speed.
    static let options = ParquetWriteOptions(compression: .zstd(level: 3))

    /// The table at `path` (made by us or by images_to_zarr) to extend after its first `rows`
    /// rows; an empty table when the file does not exist.
    static func existing(_ path: String, rows: Int) throws -> ExistingTable? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return ExistingTable(reader: try ParquetFileReader(path: path), rows: rows, path: path)
        } catch let error as ParquetError {
            throw ImMetaIOError(.corruptData, error.description, file: path)
        }
    }

    /// Columns from one JSON object per row (in-memory conversions): a key's column is int64
    /// when every value is an integer, double when numbers, bool, string, else the values' JSON
    /// text; null where a row lacks the key. Keys the table has already get a `meta_` prefix.
    static func columns(from objects: [JSONObject]) -> [ParquetColumn] {
        var names: [String] = []
        var seen = Set<String>()
        for object in objects {
            for (key, _) in object where seen.insert(key).inserted { names.append(key) }
        }
        return names.map { key in
            let values = objects.map { $0[key] }
            let present = values.compactMap { $0 }.filter { $0 != .null }
            let name = MetadataJoin.reservedNames.contains(key) ? "meta_" + key : key
            if present.allSatisfy({ if case .int = $0 { true } else { false } }) {
                return ParquetColumn(name, .int64(values.map { $0?.intValue.map(Int64.init) }))
            }
            if present.allSatisfy({ $0.doubleValue != nil }) {
                return ParquetColumn(name, .double(values.map { $0?.doubleValue }))
            }
            if present.allSatisfy({ $0.boolValue != nil }) {
                return ParquetColumn(name, .boolean(values.map { $0?.boolValue }))
            }
            return ParquetColumn(name, .string(values.map { value -> String? in
                guard let value, value != .null else { return nil }
                return value.stringValue ?? JSONText.encode(value)
            }))
        }
    }
}
