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

    /// Writes the existing rows (an append's) followed by `rows` and their `extra` columns, atomically.
    static func write(existing: ParquetTable?, rows: [ConversionRow], extra: [ParquetColumn], to path: String) throws {
        var table = try table(rows: rows, extra: extra)
        do {
            if var existing {
                try existing.append(table)
                table = existing
                // pyarrow's and pandas' descriptions of the old schema would re-type the new columns.
                table.keyValueMetadata["ARROW:schema"] = nil
                table.keyValueMetadata["pandas"] = nil
            }
            try table.write(toFile: path, options: ParquetWriteOptions(compression: .zstd(level: 3)))
        } catch let error as ParquetError {
            throw ImMetaIOError(.io, error.description, file: path)
        }
    }

    /// The first `rows` rows of the table at `path` (made by us or by images_to_zarr); an empty
    /// table when the file does not exist.
    static func read(_ path: String, rows: Int) throws -> ParquetTable {
        guard FileManager.default.fileExists(atPath: path) else { return try ParquetTable(columns: []) }
        do {
            let table = try ParquetFileReader(path: path).readTable()
            return table.rowCount > rows ? table.rows(0..<rows) : table
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
