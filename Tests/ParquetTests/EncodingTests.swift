import Testing

@testable import Parquet

@Suite struct EncodingTests {
    @Test func rleHybridRoundTrips() throws {
        var generator = SeededGenerator(state: 7)
        for bitWidth in [0, 1, 2, 3, 5, 8, 13, 20, 32] {
            let maximum: UInt64 = bitWidth == 0 ? 0 : (1 << UInt64(bitWidth)) - 1
            for length in [0, 1, 7, 8, 9, 100, 1000] {
                var values: [UInt32] = []
                while values.count < length {
                    let value = UInt32(truncatingIfNeeded: UInt64.random(in: 0...maximum, using: &generator))
                    values.append(contentsOf: repeatElement(value, count: Int.random(in: 1...20, using: &generator)))
                }
                values = Array(values.prefix(length))
                var encoded: [UInt8] = []
                RLEHybrid.encode(values[...], bitWidth: bitWidth, into: &encoded)
                var decoded: [UInt32] = []
                try RLEHybrid.decode(encoded, range: 0..<encoded.count, bitWidth: bitWidth, count: length, into: &decoded)
                #expect(decoded == values, "bit width \(bitWidth), \(length) values")
            }
        }
    }

    @Test func rleHybridRejectsShortData() {
        var decoded: [UInt8] = []
        #expect(throws: ParquetError.self) { try RLEHybrid.decode([0x03, 0xFF], range: 0..<2, bitWidth: 8, count: 8, into: &decoded) }
        #expect(throws: ParquetError.self) { try RLEHybrid.decode([0x10], range: 0..<1, bitWidth: 1, count: 8, into: &decoded) }
        #expect(throws: ParquetError.self) { try RLEHybrid.decode([], range: 0..<0, bitWidth: 1, count: 1, into: &decoded) }
    }

    @Test func thriftRoundTripsAndLimitsNesting() throws {
        var metadata = FileMetaData()
        metadata.schema = ParquetFileWriter.schemaElements([ParquetField("a", .int64List), ParquetField("b", .string)])
        metadata.numRows = 1 << 40
        metadata.keyValueMetadata = [KeyValue(key: "k", value: "v"), KeyValue(key: "empty", value: nil)]
        metadata.createdBy = "me"
        metadata.typeDefinedOrderCount = 2
        let bytes = metadata.encode()
        var reader = ThriftCompactReader(bytes, range: 0..<bytes.count)
        let back = try FileMetaData.decode(&reader)
        #expect(back.numRows == 1 << 40)
        #expect(back.schema.map(\.name) == ["schema", "a", "list", "element", "b"])
        #expect(back.schema[1].logicalType == .list)
        #expect(back.schema[3].logicalType == .integer(bitWidth: 64, signed: true))
        #expect(back.schema[4].logicalType == .string)
        #expect(back.keyValueMetadata.map(\.key) == ["k", "empty"])
        #expect(back.createdBy == "me")

        // A struct nested 1000 deep is refused, not a stack overflow.
        let deep = [UInt8](repeating: 0x1C, count: 1000) + [UInt8](repeating: 0, count: 1001)
        var deepReader = ThriftCompactReader(deep, range: 0..<deep.count)
        #expect(throws: ParquetError.self) { try FileMetaData.decode(&deepReader) }
        // A list claiming more elements than bytes is refused before allocating.
        let huge: [UInt8] = [0x29, 0xFC, 0xFF, 0xFF, 0xFF, 0x0F]
        var hugeReader = ThriftCompactReader(huge, range: 0..<huge.count)
        #expect(throws: ParquetError.self) { try FileMetaData.decode(&hugeReader) }
    }

    @Test func deltaBinaryPackedDecodesAKnownStream() throws {
        // Block size 128, 4 miniblocks, 5 values, first value 7; deltas 1, 1, 1, -10 → min delta -10.
        var bytes: [UInt8] = [0x80, 0x01, 0x04, 0x05, 0x0E]
        bytes.append(0x13)  // min delta -10 zigzag = 19
        bytes.append(contentsOf: [4, 0, 0, 0])  // bit widths
        // Deltas minus min: 11, 11, 11, 0 packed in 4 bits, padded to 32 values.
        var packed = [UInt8](repeating: 0, count: 16)
        packed[0] = 0xBB
        packed[1] = 0x0B
        bytes.append(contentsOf: packed)
        var position = 0
        let values = try ValueCoding.readDeltaBinaryPacked(bytes, &position, end: bytes.count, count: 5)
        #expect(values == [7, 8, 9, 10, 0])
        #expect(position == bytes.count)
    }
}

@Suite struct LegacyShapeTests {
    /// `optional group a (LIST) { repeated int64 array; }`, the two-level form of old writers.
    @Test func twoLevelLists() throws {
        var leaf = LeafColumn<Int64>(maxDefinitionLevel: 2, maxRepetitionLevel: 1)
        leaf.values = [1, 2, 3]
        leaf.definitionLevels = [2, 2, 0, 1, 2]
        leaf.repetitionLevels = [0, 1, 0, 0, 0]
        let chunk = try ColumnChunkWriter.encode(leaf, dictionary: nil, path: ["a", "array"], options: ParquetWriteOptions())
        var metadata = FileMetaData()
        metadata.schema = [
            SchemaElement(name: "schema", numChildren: 1),
            SchemaElement(repetition: Repetition.optional.rawValue, name: "a", numChildren: 1, convertedType: ConvertedType.list),
            SchemaElement(type: PhysicalType.int64.rawValue, repetition: Repetition.repeated.rawValue, name: "array"),
        ]
        metadata.numRows = 4
        let table = try ParquetTable(parquetBytes: assembleFile([chunk], metadata: metadata))
        #expect(table["a"] == .int64List([[1, 2], nil, [], [3]]))
    }

    /// A bare `repeated int32 r` at the top level is a list that is never null.
    @Test func repeatedPrimitive() throws {
        var leaf = LeafColumn<Int32>(maxDefinitionLevel: 1, maxRepetitionLevel: 1)
        leaf.values = [1, 2, 3]
        leaf.definitionLevels = [1, 1, 0, 1]
        leaf.repetitionLevels = [0, 1, 0, 0]
        let chunk = try ColumnChunkWriter.encode(leaf, dictionary: nil, path: ["r"], options: ParquetWriteOptions(compression: .none))
        var metadata = FileMetaData()
        metadata.schema = [
            SchemaElement(name: "schema", numChildren: 1),
            SchemaElement(type: PhysicalType.int32.rawValue, repetition: Repetition.repeated.rawValue, name: "r"),
        ]
        metadata.numRows = 3
        let reader = try ParquetFileReader(bytes: assembleFile([chunk], metadata: metadata))
        #expect(reader.schema == [ParquetField("r", .int64List)])
        #expect(try reader.readColumn(named: "r") == .int64List([[1, 2], [], [3]]))
    }

    /// Null elements inside a list cannot be represented: a typed error, not a wrong value.
    @Test func nullListElementsAreRefused() throws {
        var leaf = LeafColumn<Int64>(maxDefinitionLevel: 3, maxRepetitionLevel: 1)
        leaf.values = [1]
        leaf.definitionLevels = [3, 2]
        leaf.repetitionLevels = [0, 1]
        let chunk = try ColumnChunkWriter.encode(leaf, dictionary: nil, path: ["a", "list", "element"], options: ParquetWriteOptions())
        var metadata = FileMetaData()
        metadata.schema = ParquetFileWriter.schemaElements([ParquetField("a", .int64List)])
        metadata.numRows = 1
        let error = #expect(throws: ParquetError.self) { try ParquetTable(parquetBytes: assembleFile([chunk], metadata: metadata)) }
        #expect(error?.kind == .unsupported)
        #expect(error?.column == "a")
    }
}
