import Foundation
import Testing

@testable import Parquet

/// The folder of pyarrow-written files made by `Golden/make_golden.py`.
let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

func golden(_ name: String) throws -> ParquetFileReader {
    try ParquetFileReader(path: goldenFolder.appendingPathComponent(name).path)
}

/// Column equality that treats NaN as equal to NaN (comparing bit patterns of floats).
func same(_ a: ParquetColumnValues?, _ b: ParquetColumnValues?) -> Bool {
    switch (a, b) {
    case (.double(let x)?, .double(let y)?): return x.map { $0?.bitPattern } == y.map { $0?.bitPattern }
    case (.float(let x)?, .float(let y)?): return x.map { $0?.bitPattern } == y.map { $0?.bitPattern }
    case (.doubleList(let x)?, .doubleList(let y)?): return x.map { $0?.map(\.bitPattern) } == y.map { $0?.map(\.bitPattern) }
    default: return a == b
    }
}

func same(_ a: ParquetTable, _ b: ParquetTable) -> Bool {
    a.rowCount == b.rowCount && a.schema == b.schema && zip(a.columns, b.columns).allSatisfy { same($0.values, $1.values) }
}

/// A temporary folder removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ParquetTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A table with every column type, nulls, NaN, empty strings and lists, and non-ASCII text.
func sampleTable(rows: Int = 40) throws -> ParquetTable {
    let n = rows
    var size: [Int64?] = [], i32: [Int32?] = [], mean: [Double?] = [], f32: [Float?] = [], ok: [Bool?] = []
    var format: [String?] = [], path: [String?] = [], error: [String?] = [], blob: [[UInt8]?] = []
    var shape: [[Int64]?] = [], spacing: [[Double]?] = [], tags: [[String]?] = []
    for i in 0..<n {
        let big = Int64(i) * 1_000_003
        size.append(i % 3 == 0 ? nil : big - 5)
        i32.append(i % 4 == 1 ? nil : Int32(i - 20))
        let third = Double(i) / 3
        let value: Double = i % 7 == 0 ? .nan : third
        mean.append(i % 5 == 0 ? nil : value)
        f32.append(i % 6 == 0 ? nil : Float(i) / 2)
        ok.append(i % 3 == 2 ? nil : i % 2 == 0)
        let formats = ["png", "tiff", "jpeg"]
        format.append(i % 9 == 0 ? nil : formats[i % 3])
        path.append(i % 8 == 3 ? nil : "images/ünïcode-\(i).png")
        error.append(i == 5 ? "" : nil)
        let bytes = [UInt8](repeating: UInt8(i % 256), count: i % 4)
        blob.append(i % 5 == 1 ? nil : bytes)
        let dims: [Int64] = i % 7 == 1 ? [] : [3, Int64(i), Int64(2 * i)]
        shape.append(i % 7 == 0 ? nil : dims)
        let steps: [Double] = [0.5, Double(i)]
        spacing.append(i % 6 == 0 ? nil : steps)
        let letters = Array(["a", "b", "c", "d"].prefix(i % 4))
        tags.append(i % 5 == 0 ? nil : letters)
    }
    let columns: [ParquetColumn] = [
        ParquetColumn("index", .int64((0..<n).map { Int64($0) })),
        ParquetColumn("size", .int64(size)),
        ParquetColumn("i32", .int32(i32)),
        ParquetColumn("mean", .double(mean)),
        ParquetColumn("f32", .float(f32)),
        ParquetColumn("ok", .boolean(ok)),
        ParquetColumn("format", .string(format)),
        ParquetColumn("path", .string(path)),
        ParquetColumn("error", .string(error)),
        ParquetColumn("blob", .binary(blob)),
        ParquetColumn("shape", .int64List(shape)),
        ParquetColumn("spacing", .doubleList(spacing)),
        ParquetColumn("tags", .stringList(tags)),
    ]
    return try ParquetTable(columns: columns)
}

/// SplitMix64: a small seeded generator so corruption tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A file of one row group from encoded chunks and a footer, for shapes our writer never makes.
func assembleFile(_ chunks: [EncodedColumnChunk], metadata: FileMetaData) -> [UInt8] {
    var metadata = metadata
    var bytes = Array("PAR1".utf8)
    var columns: [ColumnChunk] = []
    for var chunk in chunks {
        chunk.metaData.dataPageOffset = Int64(bytes.count + chunk.dataPageOffset)
        if chunk.hasDictionary { chunk.metaData.dictionaryPageOffset = Int64(bytes.count) }
        bytes += chunk.bytes
        columns.append(ColumnChunk(metaData: chunk.metaData))
    }
    if !chunks.isEmpty { metadata.rowGroups = [RowGroup(columns: columns, numRows: metadata.numRows)] }
    let footer = metadata.encode()
    let length = UInt32(footer.count)
    bytes += footer
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
    return bytes + Array("PAR1".utf8)
}

/// The value counts of the data pages of a column chunk, read from their headers.
func dataPageValueCounts(_ bytes: [UInt8], _ meta: ColumnMetaData) throws -> [Int] {
    var position = Int(meta.dictionaryPageOffset ?? meta.dataPageOffset)
    let end = position + Int(meta.totalCompressedSize)
    var counts: [Int] = []
    while position < end {
        var reader = ThriftCompactReader(bytes, range: position..<end)
        let header = try PageHeader.decode(&reader)
        if let page = header.dataPage { counts.append(Int(page.numValues)) }
        position = reader.position + Int(header.compressedPageSize)
    }
    return counts
}
