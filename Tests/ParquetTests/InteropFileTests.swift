// Writes the files that Interop/check_parquet.py reads with pyarrow, pandas and DuckDB, with
// their expected contents in expected.json. Runs only when PARQUET_INTEROP_OUTPUT names a folder:
//
//     PARQUET_INTEROP_OUTPUT=/tmp/parquet-interop swift test --filter ParquetTests.InteropFileTests
//     .venv/bin/python Tests/ParquetTests/Interop/check_parquet.py /tmp/parquet-interop
import Foundation
import Parquet
import Testing

@Suite struct InteropFileTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARQUET_INTEROP_OUTPUT"] != nil))
    func writeFilesForPythonReaders() throws {
        let folder = ProcessInfo.processInfo.environment["PARQUET_INTEROP_OUTPUT"] ?? ""
        try writeInteropFiles(to: folder, golden: goldenFolder.path)
        #expect(FileManager.default.fileExists(atPath: folder + "/expected.json"))
    }
}

// MARK: JSON of expected values

private func json(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

private func json(_ value: Double) -> String {
    if value.isNaN { return "\"NaN\"" }
    if value.isInfinite { return value > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
    return "\(value)"
}

private func json(_ values: ParquetColumnValues) -> String {
    func list<T>(_ items: [T?], _ f: (T) -> String) -> String { "[" + items.map { $0.map(f) ?? "null" }.joined(separator: ",") + "]" }
    let hex = { (b: [UInt8]) in json(b.map { String(format: "%02x", $0) }.joined()) }
    switch values {
    case .int64(let v): return list(v) { "\($0)" }
    case .int32(let v): return list(v) { "\($0)" }
    case .double(let v): return list(v) { json($0) }
    case .float(let v): return list(v) { json(Double($0)) }
    case .boolean(let v): return list(v) { "\($0)" }
    case .string(let v): return list(v) { json($0) }
    case .binary(let v): return list(v, hex)
    case .int64List(let v): return list(v) { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }
    case .doubleList(let v): return list(v) { "[" + $0.map(json).joined(separator: ",") + "]" }
    case .stringList(let v): return list(v) { "[" + $0.map(json).joined(separator: ",") + "]" }
    }
}

private func json(_ table: ParquetTable) -> String {
    let columns = table.columns.map { "{\"name\":\(json($0.name)),\"type\":\"\($0.values.type)\",\"values\":\(json($0.values))}" }
    let kv = table.keyValueMetadata.keys.sorted().map { "\(json($0)):\(json(table.keyValueMetadata[$0] ?? ""))" }
    return "{\"rows\":\(table.rowCount),\"columns\":[\(columns.joined(separator: ","))],\"metadata\":{\(kv.joined(separator: ","))}}"
}

// MARK: Tables

/// The converter's metadata table: one row per image, ~20 columns of every kind.
private func metadataTable(rows n: Int) throws -> ParquetTable {
    var index: [Int64?] = [], path: [String?] = [], format: [String?] = [], size: [Int64?] = []
    var mins: [Double?] = [], maxs: [Double?] = [], means: [Double?] = [], stds: [Double?] = [], error: [String?] = []
    var shape: [[Int64]?] = [], spacing: [[Double]?] = [], channels: [Int32?] = [], ok: [Bool?] = []
    var userInt: [Int64?] = [], userFloat: [Double?] = [], userBool: [Bool?] = [], userString: [String?] = []
    var scale: [Float?] = [], tags: [[String]?] = [], blob: [[UInt8]?] = []
    let formats = ["png", "tiff", "jpeg", "npy", "exr"]
    for i in 0..<n {
        index.append(Int64(i))
        path.append("data/batch_\(i / 1000)/image_\(String(i, radix: 16))_ü.\(formats[i % 5])")
        format.append(formats[i % 5])
        size.append(i % 97 == 0 ? nil : Int64(i) * 4099 + 123)
        let mean = Double(i % 1000) / 7
        mins.append(i % 50 == 0 ? nil : mean - 10)
        maxs.append(i % 50 == 0 ? nil : mean + 10)
        means.append(i % 50 == 0 ? nil : (i % 333 == 0 ? .nan : mean))
        stds.append(i % 50 == 0 ? nil : Double(i % 17) * 0.125)
        error.append(i % 50 == 0 ? "cannot decode image \(i)" : nil)
        shape.append(i % 50 == 0 ? nil : (i % 3 == 0 ? [Int64(i % 512), 256] : [3, Int64(i % 512), 256]))
        spacing.append(i % 4 == 0 ? nil : [0.5, 0.25 * Double(i % 8)])
        channels.append(i % 50 == 0 ? nil : Int32(i % 4 + 1))
        ok.append(i % 50 != 0)
        userInt.append(i % 10 == 0 ? nil : Int64(i % 7) - 3)
        userFloat.append(i % 11 == 0 ? nil : -Double(i) * 1e-3)
        userBool.append(i % 13 == 0 ? nil : i % 2 == 0)
        userString.append(i % 9 == 0 ? nil : ["train", "test", "validation", "ünïcode ✓", ""][i % 5])
        scale.append(i % 6 == 0 ? nil : Float(i % 100) / 8)
        tags.append(i % 7 == 0 ? nil : Array(["red", "green", "blue"].prefix(i % 4)))
        blob.append(i % 8 == 0 ? nil : [UInt8(i % 256), 0, 255])
    }
    return try ParquetTable(columns: [
        ParquetColumn("index", .int64(index)), ParquetColumn("path", .string(path)), ParquetColumn("format", .string(format)),
        ParquetColumn("file_size", .int64(size)), ParquetColumn("min", .double(mins)), ParquetColumn("max", .double(maxs)),
        ParquetColumn("mean", .double(means)), ParquetColumn("std", .double(stds)), ParquetColumn("error", .string(error)),
        ParquetColumn("shape", .int64List(shape)), ParquetColumn("spacing", .doubleList(spacing)),
        ParquetColumn("channels", .int32(channels)), ParquetColumn("ok", .boolean(ok)), ParquetColumn("user_int", .int64(userInt)),
        ParquetColumn("user_float", .double(userFloat)), ParquetColumn("user_bool", .boolean(userBool)),
        ParquetColumn("user_string", .string(userString)), ParquetColumn("scale", .float(scale)), ParquetColumn("tags", .stringList(tags)),
        ParquetColumn("blob", .binary(blob)),
    ], keyValueMetadata: ["immetaio": "{\"version\": 1}"])
}

/// Every type, with edge values: extremes, NaN, ±0, empty strings and lists, all-null columns.
private func edgeTable() throws -> ParquetTable {
    try ParquetTable(columns: [
        ParquetColumn("i64", .int64([.min, .max, 0, nil, -1, 1])),
        ParquetColumn("i32", .int32([.min, .max, 0, nil, -1, 1])),
        ParquetColumn("f64", .double([-0.0, 0.0, .nan, nil, -.greatestFiniteMagnitude, .leastNonzeroMagnitude])),
        ParquetColumn("f32", .float([-0.0, 1.5, nil, nil, -3.25, .greatestFiniteMagnitude])),
        ParquetColumn("b", .boolean([true, true, nil, true, true, true])),
        ParquetColumn("s", .string(["", "z", "é", nil, "e\u{301}", "日本語 😀"])),
        ParquetColumn("bin", .binary([[], [0], [255, 254], nil, [0, 0, 0], [128]])),
        ParquetColumn("all_null_i64", .nulls(.int64, count: 6)),
        ParquetColumn("all_null_s", .nulls(.string, count: 6)),
        ParquetColumn("li", .int64List([[], nil, [.min, .max], [0], [], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])),
        ParquetColumn("ld", .doubleList([[.nan, -0.0], [], nil, [1e-300], [2.5], []])),
        ParquetColumn("ls", .stringList([[""], ["a", "é"], nil, [], ["x"], ["😀", "", "z"]])),
    ])
}

private func writeInteropFiles(to folder: String, golden: String) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var entries: [String] = []
    func save(_ name: String, _ table: ParquetTable, _ options: ParquetWriteOptions = ParquetWriteOptions()) throws {
        try table.write(toFile: folder + "/" + name, options: options)
        let back = try ParquetTable(contentsOfFile: folder + "/" + name)
        guard back.rowCount == table.rowCount else { throw ParquetError(.invalidFile, "\(name) does not read back") }
        entries.append("\(json(name)):\(json(table))")
    }
    let metadata = try metadataTable(rows: 10_000)
    try save("metadata_snappy.parquet", metadata)
    try save("metadata_zstd.parquet", metadata, ParquetWriteOptions(compression: .zstd()))
    try save("metadata_gzip.parquet", metadata, ParquetWriteOptions(compression: .gzip()))
    try save("metadata_none_plain.parquet", metadata, ParquetWriteOptions(compression: .none, dictionaryEncoding: false))
    try save("metadata_small_groups.parquet", metadata, ParquetWriteOptions(rowGroupSize: 777, dataPageSize: 512))
    try save("edge.parquet", try edgeTable())
    try save("edge_plain.parquet", try edgeTable(), ParquetWriteOptions(compression: .zstd(level: 9), dictionaryEncoding: false))
    try save("empty.parquet", try ParquetTable(schema: ParquetColumnType.allCases.map { ParquetField("c_\($0)", $0) }))

    // Append to tables pyarrow and pandas wrote, as the converter does with the Python tool's tables.
    var pandas = try ParquetTable(contentsOfFile: golden + "/pandas.parquet")
    try pandas.appendRow(["index": .int64(3), "mean": .double(4.5), "flag": .boolean(false), "name": .string("w.png")])
    try pandas.appendRow(["index": .int64(4), "error": .string("broken")])
    try save("appended_pandas.parquet", pandas)
    var shape = try ParquetTable(contentsOfFile: golden + "/shape.parquet")
    try shape.appendRow(["shape": .int64List([4, 32, 32])])
    try shape.appendRow(["shape": .null])
    try save("appended_shape.parquet", shape)
    var sample = try ParquetTable(contentsOfFile: golden + "/default.parquet")
    try sample.append(sample)
    try sample.setColumn(ParquetColumn("extra", .string((0..<sample.rowCount).map { "row \($0)" })))
    _ = sample.removeColumn(named: "format")
    try save("appended_pyarrow.parquet", sample)

    let text = "{" + entries.joined(separator: ",") + "}"
    try text.write(toFile: folder + "/expected.json", atomically: true, encoding: .utf8)
}

