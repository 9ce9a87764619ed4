import Foundation
import Testing

@testable import Parquet

/// Damaged files must produce errors, never crashes, hangs or huge allocations.
@Suite struct CorruptionTests {
    /// Reads everything readable; errors are expected and ignored.
    static func exercise(_ bytes: [UInt8]) {
        let limits = ParquetReaderLimits(maximumPageSize: 1 << 24, maximumValueCount: 1 << 20)
        guard let reader = try? ParquetFileReader(bytes: bytes, limits: limits) else { return }
        for field in reader.schema { _ = try? reader.readColumn(named: field.name) }
        for index in reader.rowGroups.indices { _ = try? reader.readRowGroup(at: index) }
    }

    static func files() throws -> [(String, [UInt8])] {
        let small = try sampleTable(rows: 12)
        var files = [
            ("ours-snappy", try small.encoded()),
            ("ours-zstd-plain", try small.encoded(options: ParquetWriteOptions(compression: .zstd(), dictionaryEncoding: false))),
            ("ours-gzip-pages", try small.encoded(options: ParquetWriteOptions(compression: .gzip(), rowGroupSize: 5, dataPageSize: 16))),
        ]
        for name in ["default.parquet", "v2.parquet", "delta.parquet", "lz4.parquet", "uncompressed.parquet"] {
            files.append((name, Array(try Data(contentsOf: goldenFolder.appendingPathComponent(name)))))
        }
        return files
    }

    @Test func everyTruncation() throws {
        for (_, bytes) in try Self.files() {
            for length in 0..<bytes.count { Self.exercise(Array(bytes[0..<length])) }
            // Keep the footer but cut the data before it, shifting every offset.
            for cut in stride(from: 4, to: bytes.count - 8, by: 7) {
                Self.exercise(Array(bytes[0..<cut]) + Array(bytes[(cut + 1)...]))
            }
        }
    }

    @Test func randomByteFlips() throws {
        var generator = SeededGenerator(state: 0x5EED)
        for (_, bytes) in try Self.files() {
            let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
            let footerStart = bytes.count - 8 - footerLength
            for iteration in 0..<1500 {
                var damaged = bytes
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    // Half the damage lands in the footer, where offsets and counts live.
                    let position =
                        iteration % 2 == 0
                        ? Int.random(in: footerStart..<(bytes.count - 8), using: &generator)
                        : Int.random(in: 0..<bytes.count, using: &generator)
                    damaged[position] = iteration % 3 == 0 ? damaged[position] ^ (1 << UInt8.random(in: 0...7, using: &generator)) : UInt8.random(in: 0...255, using: &generator)
                }
                Self.exercise(damaged)
            }
        }
    }

    @Test func hostileHeaders() throws {
        // A valid file whose footer claims far more rows than the limit reads as an error.
        var huge = FileMetaData()
        huge.schema = ParquetFileWriter.schemaElements([ParquetField("a", .int64)])
        huge.numRows = Int64.max
        huge.rowGroups = [RowGroup(columns: [ColumnChunk(metaData: ColumnMetaData(type: 2, numValues: .max, dataPageOffset: 4))], numRows: .max)]
        let bytes = assembleFile([], metadata: huge)
        let reader = try ParquetFileReader(bytes: bytes)
        #expect(reader.rowCount == Int.max)
        #expect(throws: ParquetError.self) { try reader.readTable() }
        #expect(throws: ParquetError.self) { try ParquetFileReader(bytes: Array("PAR1PAR1PAR1".utf8)) }
        #expect(throws: ParquetError.self) { try ParquetFileReader(bytes: []) }
    }
}
