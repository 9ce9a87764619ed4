// The parts of parquet.thrift (apache/parquet-format) this module reads and writes. Field ids
// follow the IDL; fields we have no use for are skipped on reading and never written.

/// Parquet physical types (`Type` in the IDL).
enum PhysicalType: Int32 {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

/// Value and level encodings (`Encoding` in the IDL).
enum Encoding {
    static let plain: Int32 = 0
    static let plainDictionary: Int32 = 2
    static let rle: Int32 = 3
    static let bitPacked: Int32 = 4
    static let deltaBinaryPacked: Int32 = 5
    static let deltaLengthByteArray: Int32 = 6
    static let deltaByteArray: Int32 = 7
    static let rleDictionary: Int32 = 8
    static let byteStreamSplit: Int32 = 9

    static func name(_ code: Int32) -> String {
        switch code {
        case plain: return "PLAIN"
        case plainDictionary: return "PLAIN_DICTIONARY"
        case rle: return "RLE"
        case bitPacked: return "BIT_PACKED"
        case deltaBinaryPacked: return "DELTA_BINARY_PACKED"
        case deltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY"
        case deltaByteArray: return "DELTA_BYTE_ARRAY"
        case rleDictionary: return "RLE_DICTIONARY"
        case byteStreamSplit: return "BYTE_STREAM_SPLIT"
        default: return "encoding \(code)"
        }
    }
}

/// Compression codec codes (`CompressionCodec` in the IDL).
enum CompressionCodec {
    static let uncompressed: Int32 = 0
    static let snappy: Int32 = 1
    static let gzip: Int32 = 2
    static let lzo: Int32 = 3
    static let brotli: Int32 = 4
    static let lz4: Int32 = 5
    static let zstd: Int32 = 6
    static let lz4Raw: Int32 = 7
}

/// `FieldRepetitionType` in the IDL.
enum Repetition: Int32 {
    case required = 0, optional = 1, repeated = 2
}

/// `PageType` in the IDL.
enum PageType {
    static let dataPage: Int32 = 0
    static let indexPage: Int32 = 1
    static let dictionaryPage: Int32 = 2
    static let dataPageV2: Int32 = 3
}

/// `ConvertedType` codes used when mapping legacy annotations.
enum ConvertedType {
    static let utf8: Int32 = 0
    static let list: Int32 = 3
    static let enumeration: Int32 = 4
    static let decimal: Int32 = 5
    static let date: Int32 = 6
    static let uint8: Int32 = 11
    static let uint16: Int32 = 12
    static let uint32: Int32 = 13
    static let uint64: Int32 = 14
    static let int8: Int32 = 15
    static let int16: Int32 = 16
    static let int32: Int32 = 17
    static let int64: Int32 = 18
    static let json: Int32 = 19
    static let bson: Int32 = 20
}

/// The `LogicalType` union, reduced to the annotations that change how we map a column.
enum LogicalType: Equatable {
    case string
    case list
    case enumeration
    case integer(bitWidth: Int8, signed: Bool)
    case unknown
    case json
    case bson
    case uuid
    /// Any other annotation (decimal, date, time, timestamp, map, float16, …), by union field id.
    case other(Int16)

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> LogicalType? {
        var result: LogicalType?
        try r.readStruct(type) { r, id, fieldType in
            switch id {
            case 10:
                var bitWidth: Int8 = 0
                var signed = true
                try r.readStruct(fieldType) { r, id, t in
                    switch id {
                    case 1: bitWidth = Int8(truncatingIfNeeded: try r.readI32(t))
                    case 2: signed = try r.readBool(t)
                    default: try r.skip(t)
                    }
                }
                result = .integer(bitWidth: bitWidth, signed: signed)
            default:
                try r.skip(fieldType)
                switch id {
                case 1: result = .string
                case 3: result = .list
                case 4: result = .enumeration
                case 11: result = .unknown
                case 12: result = .json
                case 13: result = .bson
                case 14: result = .uuid
                default: result = .other(id)
                }
            }
        }
        return result
    }

    func encode(_ w: inout ThriftCompactWriter, id: Int16) {
        w.writeStruct(id) { w in
            switch self {
            case .string: w.writeStruct(1) { _ in }
            case .list: w.writeStruct(3) { _ in }
            case .enumeration: w.writeStruct(4) { _ in }
            case .integer(let bitWidth, let signed):
                w.writeStruct(10) { w in
                    w.fieldHeader(1, .byte)
                    w.writeRawByte(UInt8(bitPattern: bitWidth))
                    w.writeBool(2, signed)
                }
            case .unknown: w.writeStruct(11) { _ in }
            case .json: w.writeStruct(12) { _ in }
            case .bson: w.writeStruct(13) { _ in }
            case .uuid: w.writeStruct(14) { _ in }
            case .other(let field): w.writeStruct(field) { _ in }
            }
        }
    }
}

struct SchemaElement {
    var type: Int32?
    var typeLength: Int32?
    var repetition: Int32?
    var name: String = ""
    var numChildren: Int32?
    var convertedType: Int32?
    var logicalType: LogicalType?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> SchemaElement {
        var e = SchemaElement()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: e.type = try r.readI32(t)
            case 2: e.typeLength = try r.readI32(t)
            case 3: e.repetition = try r.readI32(t)
            case 4: e.name = try r.readString(t)
            case 5: e.numChildren = try r.readI32(t)
            case 6: e.convertedType = try r.readI32(t)
            case 10: e.logicalType = try LogicalType.decode(&r, t)
            default: try r.skip(t)
            }
        }
        return e
    }

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeStruct(nil) { w in
            if let type { w.writeI32(1, type) }
            if let typeLength { w.writeI32(2, typeLength) }
            if let repetition { w.writeI32(3, repetition) }
            w.writeString(4, name)
            if let numChildren { w.writeI32(5, numChildren) }
            if let convertedType { w.writeI32(6, convertedType) }
            if let logicalType { logicalType.encode(&w, id: 10) }
        }
    }
}

struct Statistics {
    var nullCount: Int64?
    var maxValue: [UInt8]?
    var minValue: [UInt8]?
    /// The deprecated signed-order fields, read only when `minValue`/`maxValue` are absent.
    var legacyMax: [UInt8]?
    var legacyMin: [UInt8]?
    var nanCount: Int64?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> Statistics {
        var s = Statistics()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: s.legacyMax = try r.readBinary(t)
            case 2: s.legacyMin = try r.readBinary(t)
            case 3: s.nullCount = try r.readI64(t)
            case 5: s.maxValue = try r.readBinary(t)
            case 6: s.minValue = try r.readBinary(t)
            case 9: s.nanCount = try r.readI64(t)
            default: try r.skip(t)
            }
        }
        return s
    }

    func encode(_ w: inout ThriftCompactWriter, id: Int16) {
        w.writeStruct(id) { w in
            if let nullCount { w.writeI64(3, nullCount) }
            if let maxValue { w.writeBinary(5, maxValue) }
            if let minValue { w.writeBinary(6, minValue) }
            if maxValue != nil { w.writeBool(7, true) }
            if minValue != nil { w.writeBool(8, true) }
            if let nanCount { w.writeI64(9, nanCount) }
        }
    }
}

struct ColumnMetaData {
    var type: Int32 = 0
    var encodings: [Int32] = []
    var pathInSchema: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalUncompressedSize: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var dictionaryPageOffset: Int64?
    var statistics: Statistics?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> ColumnMetaData {
        var m = ColumnMetaData()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: m.type = try r.readI32(t)
            case 2: m.encodings = try r.readList(t) { r, et in try r.readI32(et) }
            case 3: m.pathInSchema = try r.readList(t) { r, et in try r.readString(et) }
            case 4: m.codec = try r.readI32(t)
            case 5: m.numValues = try r.readI64(t)
            case 6: m.totalUncompressedSize = try r.readI64(t)
            case 7: m.totalCompressedSize = try r.readI64(t)
            case 9: m.dataPageOffset = try r.readI64(t)
            case 11: m.dictionaryPageOffset = try r.readI64(t)
            case 12: m.statistics = try Statistics.decode(&r, t)
            default: try r.skip(t)
            }
        }
        return m
    }

    func encode(_ w: inout ThriftCompactWriter, id: Int16) {
        w.writeStruct(id) { w in
            w.writeI32(1, type)
            w.writeI32List(2, encodings)
            w.writeStringList(3, pathInSchema)
            w.writeI32(4, codec)
            w.writeI64(5, numValues)
            w.writeI64(6, totalUncompressedSize)
            w.writeI64(7, totalCompressedSize)
            w.writeI64(9, dataPageOffset)
            if let dictionaryPageOffset { w.writeI64(11, dictionaryPageOffset) }
            if let statistics { statistics.encode(&w, id: 12) }
        }
    }
}

struct ColumnChunk {
    var filePath: String?
    var fileOffset: Int64 = 0
    var metaData: ColumnMetaData?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> ColumnChunk {
        var c = ColumnChunk()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: c.filePath = try r.readString(t)
            case 2: c.fileOffset = try r.readI64(t)
            case 3: c.metaData = try ColumnMetaData.decode(&r, t)
            default: try r.skip(t)
            }
        }
        return c
    }

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeStruct(nil) { w in
            w.writeI64(2, fileOffset)
            metaData?.encode(&w, id: 3)
        }
    }
}

struct RowGroup {
    var columns: [ColumnChunk] = []
    var totalByteSize: Int64 = 0
    var numRows: Int64 = 0
    var fileOffset: Int64?
    var totalCompressedSize: Int64?
    var ordinal: Int16?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> RowGroup {
        var g = RowGroup()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: g.columns = try r.readList(t) { r, et in try ColumnChunk.decode(&r, et) }
            case 2: g.totalByteSize = try r.readI64(t)
            case 3: g.numRows = try r.readI64(t)
            case 5: g.fileOffset = try r.readI64(t)
            case 6: g.totalCompressedSize = try r.readI64(t)
            case 7: g.ordinal = try r.readI16(t)
            default: try r.skip(t)
            }
        }
        return g
    }

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeStruct(nil) { w in
            w.listHeader(1, .struct, count: columns.count)
            for column in columns { column.encode(&w) }
            w.writeI64(2, totalByteSize)
            w.writeI64(3, numRows)
            if let fileOffset { w.writeI64(5, fileOffset) }
            if let totalCompressedSize { w.writeI64(6, totalCompressedSize) }
            if let ordinal { w.writeI16(7, ordinal) }
        }
    }
}

struct KeyValue {
    var key: String = ""
    var value: String?

    static func decode(_ r: inout ThriftCompactReader, _ type: UInt8) throws -> KeyValue {
        var kv = KeyValue()
        try r.readStruct(type) { r, id, t in
            switch id {
            case 1: kv.key = try r.readString(t)
            case 2: kv.value = try r.readString(t)
            default: try r.skip(t)
            }
        }
        return kv
    }
}

struct FileMetaData {
    var version: Int32 = 1
    var schema: [SchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [RowGroup] = []
    var keyValueMetadata: [KeyValue] = []
    var createdBy: String?
    /// The number of leaf columns ordered by `TypeDefinedOrder` (written for every leaf).
    var typeDefinedOrderCount = 0

    static func decode(_ r: inout ThriftCompactReader) throws -> FileMetaData {
        var m = FileMetaData()
        try r.readStruct(ThriftType.struct.rawValue) { r, id, t in
            switch id {
            case 1: m.version = try r.readI32(t)
            case 2: m.schema = try r.readList(t) { r, et in try SchemaElement.decode(&r, et) }
            case 3: m.numRows = try r.readI64(t)
            case 4: m.rowGroups = try r.readList(t) { r, et in try RowGroup.decode(&r, et) }
            case 5: m.keyValueMetadata = try r.readList(t) { r, et in try KeyValue.decode(&r, et) }
            case 6: m.createdBy = try r.readString(t)
            case 7:
                let orders = try r.readList(t) { r, et in
                    var typeDefined = false
                    try r.readStruct(et) { r, id, t in
                        if id == 1 { typeDefined = true }
                        try r.skip(t)
                    }
                    return typeDefined
                }
                m.typeDefinedOrderCount = orders.filter { $0 }.count
            default: try r.skip(t)
            }
        }
        return m
    }

    func encode() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.writeStruct(nil) { w in
            w.writeI32(1, version)
            w.listHeader(2, .struct, count: schema.count)
            for element in schema { element.encode(&w) }
            w.writeI64(3, numRows)
            w.listHeader(4, .struct, count: rowGroups.count)
            for group in rowGroups { group.encode(&w) }
            if !keyValueMetadata.isEmpty {
                w.listHeader(5, .struct, count: keyValueMetadata.count)
                for kv in keyValueMetadata {
                    w.writeStruct(nil) { w in
                        w.writeString(1, kv.key)
                        if let value = kv.value { w.writeString(2, value) }
                    }
                }
            }
            if let createdBy { w.writeString(6, createdBy) }
            if typeDefinedOrderCount > 0 {
                w.listHeader(7, .struct, count: typeDefinedOrderCount)
                for _ in 0..<typeDefinedOrderCount {
                    w.writeStruct(nil) { w in w.writeStruct(1) { _ in } }
                }
            }
        }
        return w.bytes
    }
}

struct DataPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = Encoding.rle
    var repetitionLevelEncoding: Int32 = Encoding.rle
}

struct DataPageHeaderV2 {
    var numValues: Int32 = 0
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    var isCompressed = true
}

struct DictionaryPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = Encoding.plain
}

struct PageHeader {
    var type: Int32 = 0
    var uncompressedPageSize: Int32 = 0
    var compressedPageSize: Int32 = 0
    var dataPage: DataPageHeader?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?

    static func decode(_ r: inout ThriftCompactReader) throws -> PageHeader {
        var h = PageHeader()
        try r.readStruct(ThriftType.struct.rawValue) { r, id, t in
            switch id {
            case 1: h.type = try r.readI32(t)
            case 2: h.uncompressedPageSize = try r.readI32(t)
            case 3: h.compressedPageSize = try r.readI32(t)
            case 5:
                var d = DataPageHeader()
                try r.readStruct(t) { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.readI32(t)
                    case 2: d.encoding = try r.readI32(t)
                    case 3: d.definitionLevelEncoding = try r.readI32(t)
                    case 4: d.repetitionLevelEncoding = try r.readI32(t)
                    default: try r.skip(t)
                    }
                }
                h.dataPage = d
            case 7:
                var d = DictionaryPageHeader()
                try r.readStruct(t) { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.readI32(t)
                    case 2: d.encoding = try r.readI32(t)
                    default: try r.skip(t)
                    }
                }
                h.dictionaryPage = d
            case 8:
                var d = DataPageHeaderV2()
                try r.readStruct(t) { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.readI32(t)
                    case 2: d.numNulls = try r.readI32(t)
                    case 3: d.numRows = try r.readI32(t)
                    case 4: d.encoding = try r.readI32(t)
                    case 5: d.definitionLevelsByteLength = try r.readI32(t)
                    case 6: d.repetitionLevelsByteLength = try r.readI32(t)
                    case 7: d.isCompressed = try r.readBool(t)
                    default: try r.skip(t)
                    }
                }
                h.dataPageV2 = d
            default: try r.skip(t)
            }
        }
        return h
    }

    func encode() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.writeStruct(nil) { w in
            w.writeI32(1, type)
            w.writeI32(2, uncompressedPageSize)
            w.writeI32(3, compressedPageSize)
            if let d = dataPage {
                w.writeStruct(5) { w in
                    w.writeI32(1, d.numValues)
                    w.writeI32(2, d.encoding)
                    w.writeI32(3, d.definitionLevelEncoding)
                    w.writeI32(4, d.repetitionLevelEncoding)
                }
            }
            if let d = dictionaryPage {
                w.writeStruct(7) { w in
                    w.writeI32(1, d.numValues)
                    w.writeI32(2, d.encoding)
                }
            }
        }
        return w.bytes
    }
}
