import Foundation
import ImMetaIOCore
import NDArrayModule

/// What a conversion did: written as `<store stem>_report.json` beside the table and printed as
/// the terminal summary.
public struct ConversionReport: Sendable {
    /// The store, table and report paths.
    public var paths: ConversionPaths
    /// Images stored by this run (appended ones for an append).
    public var stored: Int
    /// Images in the array now.
    public var total: Int
    /// Inputs left out, with their errors.
    public var skipped: [SkippedInput]
    /// Inputs stored as zeros (`--on-error zeros`).
    public var zeroFilled: [String]
    /// CSV `filename` values that match no stored image.
    public var unmatchedCSVRows: [String]
    /// Stored images (join keys) without a CSV row.
    public var filesWithoutCSVRow: [String]
    /// CSV columns renamed because the table has a column of that name (old → new).
    public var renamedCSVColumns: [String: String]
    /// The array's shape and dtype.
    public var shape: [Int]
    /// The stored dtype.
    public var dtype: DType
    /// The compressor and its level.
    public var compressor: String
    /// The compression level.
    public var compressionLevel: Int
    /// Shard and inner chunk shapes.
    public var shardShape: [Int], chunkShape: [Int]
    /// Bytes the array takes in the store.
    public var storedBytes: Int
    /// Wall time.
    public var seconds: Double

    /// Stored images per second.
    public var imagesPerSecond: Double { seconds > 0 ? Double(stored) / seconds : 0 }

    /// The report as JSON (the file beside the table).
    public var json: JSONValue {
        [
            "store": .string(paths.store), "table": .string(paths.table), "stored": .int(stored), "total": .int(total),
            "skipped": .array(skipped.map(\.json)), "zero_filled": .array(zeroFilled.map(JSONValue.string)),
            "unmatched_csv_rows": .array(unmatchedCSVRows.map(JSONValue.string)),
            "files_without_csv_row": .array(filesWithoutCSVRow.map(JSONValue.string)),
            "renamed_csv_columns": .object(JSONObject(renamedCSVColumns.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            "shape": .array(shape.map(JSONValue.int)), "dtype": .string(dtype.rawValue), "compressor": .string(compressor),
            "compression_level": .int(compressionLevel), "shard_shape": .array(shardShape.map(JSONValue.int)),
            "chunk_shape": .array(chunkShape.map(JSONValue.int)), "stored_bytes": .int(storedBytes), "seconds": .double(seconds),
            "images_per_second": .double(imagesPerSecond),
        ]
    }

    /// The terminal summary: counts, bytes, time, and every skipped or unmatched name (the first
    /// ten of each; the report file has them all).
    public var summary: String {
        func list(_ title: String, _ items: [String]) -> [String] {
            guard !items.isEmpty else { return [] }
            return ["\(title) (\(items.count)):"] + items.prefix(10).map { "  \($0)" } + (items.count > 10 ? ["  … (see \(paths.report))"] : [])
        }
        var lines = [
            "\(paths.store): \(stored) images stored (\(total) in all), \(shape.map(String.init).joined(separator: "×")) \(dtype), "
                + "\(compressor) level \(compressionLevel), shards \(shardShape.map(String.init).joined(separator: "×"))",
            "  \(storedBytes) bytes, \(String(format: "%.2f", seconds)) s, \(String(format: "%.0f", imagesPerSecond)) images/s; "
                + "skipped \(skipped.count), zero-filled \(zeroFilled.count), unmatched CSV rows \(unmatchedCSVRows.count), "
                + "files without a CSV row \(filesWithoutCSVRow.count)",
            "  table \(paths.table), report \(paths.report)",
        ]
        lines += list("skipped", skipped.map { "\($0.path): \($0.error)" })
        lines += list("zero-filled", zeroFilled)
        lines += list("CSV rows matching no stored image", unmatchedCSVRows)
        lines += list("stored images without a CSV row", filesWithoutCSVRow)
        lines += renamedCSVColumns.sorted { $0.key < $1.key }.map { "CSV column '\($0.key)' renamed to '\($0.value)' (the table has one)" }
        return lines.joined(separator: "\n")
    }
}
