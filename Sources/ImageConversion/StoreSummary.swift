import Foundation
import ImMetaIOCore
import NDArrayModule
import Parquet
import Zarr

/// `immetaio inspect`: a converted store summarised from the array's metadata and the table's
/// columns (no pixel is read): images_to_zarr's `inspect` figures, and whether table and array agree.
public struct StoreSummary: Sendable {
    /// The store's folder.
    public var store: String
    /// The table beside it, when there is one.
    public var table: String?
    /// Images in the array.
    public var imageCount: Int
    /// Bytes of every file under the store.
    public var storageBytes: Int
    /// C×H×W.
    public var imageShape: [Int]
    /// The stored dtype.
    public var dtype: DType
    /// Compressor name and level (from the group's attributes, else the codec).
    public var compressor: String, compressionLevel: Int?
    /// Shard and inner chunk shapes.
    public var shardShape: [Int], chunkShape: [Int]
    /// Shard files.
    public var shardCount: Int
    /// Table rows (nil without a table).
    public var tableRows: Int?
    /// Images per source format, per original dtype (from the table).
    public var formats: [(name: String, count: Int)], originalDTypes: [(name: String, count: Int)]
    /// Rows flagged as zero-filled.
    public var zeroFilled: Int
    /// Appends recorded in the group's `append_history`.
    public var appendCount: Int

    /// Summarises the store at `path` (the `….zarr` folder).
    public static func inspect(_ path: String) throws -> StoreSummary {
        var store = path
        while store.count > 1, store.hasSuffix("/") { store.removeLast() }
        let zarr = try ZarrStoreLocation.store(for: store)
        let array = try ZarrArray.open(in: zarr, path: ImageConverter.arrayName)
        let attributes = (try? ZarrGroup.open(in: zarr))?.attributes ?? [:]
        var bytes = 0, shards = 0
        if zarr is BlockingStore {
            // An object store: its keys, and each one's size (HEAD requests, a few per shard).
            let keys = try zarr.list(prefix: "").filter { !$0.hasPrefix(".") }
            for key in keys {
                bytes += try zarr.size(of: key) ?? 0
                if key.hasPrefix(ImageConverter.arrayName + "/c/") { shards += 1 }
            }
        } else if let walker = FileManager.default.enumerator(atPath: store) {
            for case let name as String in walker {
                let attributes = try? FileManager.default.attributesOfItem(atPath: store + "/" + name)
                guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
                bytes += (attributes?[.size] as? NSNumber)?.intValue ?? 0
                if name.hasPrefix(ImageConverter.arrayName + "/c/") { shards += 1 }
            }
        }
        let paths = ConversionPaths(output: store)
        var summary = StoreSummary(
            store: store, table: nil, imageCount: array.shape.first ?? 0, storageBytes: bytes, imageShape: try ImageConverter.imageShape(of: array, store: store),
            dtype: array.dtype, compressor: attributes["compressor"]?.stringValue ?? Self.codecName(array),
            compressionLevel: attributes["compression_level"]?.intValue, shardShape: array.metadata.chunkShape,
            chunkShape: ImageConverter.innerShape(array), shardCount: shards, tableRows: nil, formats: [], originalDTypes: [],
            zeroFilled: 0, appendCount: attributes["append_history"]?.arrayValue?.count ?? 0)
        let table = try Self.tableIfPresent(paths.table)
        if let tableBytes = table?.withUnsafeBytes({ Array($0) }) {
            summary.table = paths.table
            do {
                let reader = try ParquetFileReader(bytes: tableBytes)
                summary.tableRows = reader.rowCount
                func counts(_ column: String) throws -> [(String, Int)] {
                    guard reader.schema.contains(where: { $0.name == column }) else { return [] }
                    var tally: [String: Int] = [:]
                    if case .string(let values) = try reader.readColumn(named: column) {
                        for value in values { tally[value ?? "(none)", default: 0] += 1 }
                    }
                    return tally.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                }
                summary.formats = try counts("original_extension").map { (formatName($0.0), $0.1) }
                summary.originalDTypes = try counts("dtype")
                if reader.schema.contains(where: { $0.name == "zero_filled" }), case .boolean(let flags) = try reader.readColumn(named: "zero_filled") {
                    summary.zeroFilled = flags.filter { $0 == true }.count
                }
            } catch let error as ParquetError {
                throw ImMetaIOError(.corruptData, error.description, file: paths.table)
            }
        }
        return summary
    }

    /// The table at `path` (a file or an object URL), or nil when there is none; any other
    /// failure (permissions, credentials, the network) is reported, not taken for no table.
    private static func tableIfPresent(_ path: String) throws -> ResourceBytes? {
        do {
            return try ResourceBytes(mapping: path)
        } catch where error.code == .missingFile {
            return nil
        }
    }

    private static func codecName(_ array: ZarrArray) -> String {
        let inner = array.metadata.codecs.first { $0.name == "sharding_indexed" }?.configuration["codecs"]?.arrayValue ?? []
        return inner.compactMap { $0["name"]?.stringValue }.last { $0 != "bytes" } ?? "none"
    }

    /// images_to_zarr's names for extensions.
    static func formatName(_ extensionName: String) -> String {
        switch extensionName.lowercased() {
        case let name where InputScan.fitsExtensions.contains(name): "FITS"
        case ".png": "PNG"
        case ".jpg", ".jpeg": "JPEG"
        case ".tif", ".tiff": "TIFF"
        default: extensionName.uppercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
    }

    /// Whether the table has exactly one row per image.
    public var tableMatchesArray: Bool { tableRows == nil || tableRows == imageCount }

    /// The summary as JSON.
    public var json: JSONValue {
        func distribution(_ items: [(name: String, count: Int)]) -> JSONValue {
            .object(JSONObject(items.map { ($0.name, .int($0.count)) }))
        }
        return [
            "store": .string(store), "table": table.map(JSONValue.string) ?? .null, "total_images": .int(imageCount),
            "storage_bytes": .int(storageBytes), "image_shape": .array(imageShape.map(JSONValue.int)), "dtype": .string(dtype.rawValue),
            "compressor": .string(compressor), "compression_level": compressionLevel.map(JSONValue.int) ?? .null,
            "shard_shape": .array(shardShape.map(JSONValue.int)), "chunk_shape": .array(chunkShape.map(JSONValue.int)),
            "shards": .int(shardCount), "table_rows": tableRows.map(JSONValue.int) ?? .null, "table_matches_array": .bool(tableMatchesArray),
            "formats": distribution(formats), "original_dtypes": distribution(originalDTypes), "zero_filled": .int(zeroFilled),
            "appends": .int(appendCount),
        ]
    }

    /// The summary as text, in images_to_zarr's layout.
    public var text: String {
        let rule = String(repeating: "=", count: 80)
        func percent(_ count: Int) -> String { imageCount > 0 ? String(format: "%.1f%%", 100 * Double(count) / Double(imageCount)) : "-" }
        var lines = [
            rule, "SUMMARY STATISTICS", rule,
            "Total images across all files: \(imageCount)",
            "Total storage size: \(String(format: "%.2f", Double(storageBytes) / 1_048_576)) MB",
            "Image dimensions: \(imageShape.map(String.init).joined(separator: "×"))",
            "Data type: \(dtype)",
            "Compression: \(compressor)\(compressionLevel.map { " (level \($0))" } ?? "")",
            "Shards: \(shardCount) of \(shardShape.map(String.init).joined(separator: "×")), chunks \(chunkShape.map(String.init).joined(separator: "×"))",
        ]
        if let table {
            lines.append("Table: \(table), \(tableRows ?? 0) rows\(tableMatchesArray ? "" : " (the array has \(imageCount) images: they disagree)")")
        } else {
            lines.append("Table: none")
        }
        if !formats.isEmpty {
            lines.append("\nFormat distribution:")
            lines += formats.map { "  \($0.name): \($0.count) (\(percent($0.count)))" }
        }
        if !originalDTypes.isEmpty {
            lines.append("\nOriginal data type distribution:")
            lines += originalDTypes.map { "  \($0.name): \(percent($0.count))" }
        }
        if zeroFilled > 0 { lines.append("\nZero-filled (decode errors): \(zeroFilled)") }
        if appendCount > 0 { lines.append("Appends: \(appendCount)") }
        lines.append(rule)
        return lines.joined(separator: "\n")
    }
}
