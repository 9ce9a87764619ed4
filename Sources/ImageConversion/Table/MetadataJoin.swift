import Foundation
import ImMetaIOCore
import NDArrayModule
import Parquet

/// A user's metadata CSV joined onto the images by file name, never by row position: each CSV
/// row's `filename` names an input by its base name (or by its path relative to its input folder
/// when base names repeat; a CSV holding paths also matches unique base names by their last
/// component). Duplicate names are an error; unmatched rows and files are reported.
struct MetadataJoin {
    let path: String
    /// The CSV's columns other than `filename`, under their table names.
    let columns: [(name: String, values: CSVColumn)]
    /// CSV columns renamed because the table has a column of that name.
    let renamedColumns: [String: String]
    /// The CSV's `filename` values, in row order.
    let names: [String]
    /// Row index of each matched input key.
    private let rowByKey: [String: Int]

    /// The table's own columns, which a CSV column of the same name must not replace.
    static let reservedNames: Set<String> = [
        "array_index", "filename", "original_filename", "original_extension", "path", "format", "file_size_bytes", "shape", "dtype",
        "min_value", "max_value", "mean_value", "std_value", "error", "zero_filled",
    ]

    /// Reads the CSV and matches its rows to `keys` (the inputs' join keys).
    init(csvPath: String, keys: [String]) throws {
        path = csvPath
        let table: CSVTable
        // File names stay text (`001.png` is a name, and so is `001`).
        do { table = try CSVTable(contentsOf: csvPath, textColumns: ["filename"]) } catch let error as CSVError {
            throw ImMetaIOError(.corruptData, error.description, file: csvPath)
        }
        guard let keyColumn = table.columnIndex(named: "filename") else {
            throw ImMetaIOError(.invalidArgument, "the metadata CSV has no 'filename' column (columns: \(table.columnNames))", file: csvPath)
        }
        var names: [String] = []
        for row in 0..<table.rowCount {
            guard let name = table.columns[keyColumn].text(at: row), !name.isEmpty else {
                throw ImMetaIOError(.invalidArgument, "row \(row + 1) has no filename", file: csvPath)
            }
            names.append(name)
        }
        var seen: [String: Int] = [:]
        var duplicates: [String] = []
        for (row, name) in names.enumerated() {
            if seen[name] != nil { duplicates.append(name) } else { seen[name] = row }
        }
        if !duplicates.isEmpty {
            let unique = Array(Set(duplicates)).sorted()
            throw ImMetaIOError(
                .invalidArgument,
                "filenames appear more than once: \(unique.prefix(10).joined(separator: ", "))\(unique.count > 10 ? ", …" : "")", file: csvPath)
        }
        // Exact names first; a path in the CSV also matches a unique base name.
        let keySet = Set(keys)
        var rowByKey: [String: Int] = [:]
        for (row, name) in names.enumerated() {
            if keySet.contains(name) {
                rowByKey[name] = row
            } else {
                let base = (name as NSString).lastPathComponent
                if base != name, keySet.contains(base), rowByKey[base] == nil, seen[base] == nil { rowByKey[base] = row }
            }
        }
        self.rowByKey = rowByKey
        self.names = names
        var renamed: [String: String] = [:]
        var columns: [(String, CSVColumn)] = []
        for (index, name) in table.columnNames.enumerated() where index != keyColumn {
            var tableName = name
            if Self.reservedNames.contains(name) {
                tableName = "csv_" + name
                while Self.reservedNames.contains(tableName) || table.columnNames.contains(tableName) { tableName = "csv_" + tableName }
                renamed[name] = tableName
            }
            columns.append((tableName, table.columns[index]))
        }
        self.columns = columns
        renamedColumns = renamed
    }

    /// Whether an input key has a CSV row.
    func hasRow(_ key: String) -> Bool { rowByKey[key] != nil }

    /// CSV names that match none of `storedKeys`.
    func unmatchedRows(storedKeys: Set<String>) -> [String] {
        let matchedRows = Set(storedKeys.compactMap { rowByKey[$0] })
        return names.enumerated().filter { !matchedRows.contains($0.offset) }.map(\.element)
    }

    /// The CSV's columns for images with `keys`, in that order (null where a key has no row).
    func columns(for keys: [String]) -> [ParquetColumn] {
        let rows = keys.map { rowByKey[$0] }
        return columns.map { name, values in ParquetColumn(name, values.gathered(rows)) }
    }
}

extension CSVColumn {
    /// The value at `row` as text (the join key), or nil when null.
    func text(at row: Int) -> String? {
        switch self {
        case .int64(let values): values[row].map { String($0) }
        case .double(let values): values[row].map { String($0) }
        case .boolean(let values): values[row].map { $0 ? "True" : "False" }
        case .string(let values): values[row]
        }
    }

    /// The values at `rows` (nil: null) as a Parquet column of the same type.
    func gathered(_ rows: [Int?]) -> ParquetColumnValues {
        switch self {
        case .int64(let values): .int64(rows.map { $0.flatMap { values[$0] } })
        case .double(let values): .double(rows.map { $0.flatMap { values[$0] } })
        case .boolean(let values): .boolean(rows.map { $0.flatMap { values[$0] } })
        case .string(let values): .string(rows.map { $0.flatMap { values[$0] } })
        }
    }
}
