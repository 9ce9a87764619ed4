/// Writes a Parquet file one row group at a time.
///
/// Each row group is encoded, compressed and handed to the output as soon as it is written, so
/// memory stays at one row group. ``finish()`` writes the footer; a file without it is invalid.
///
/// ```swift
/// let writer = try ParquetFileWriter(path: "images.parquet", schema: [ParquetField("path", .string)])
/// try writer.write([.string(["a.png", "b.png"])])
/// try writer.finish()
/// ```
public final class ParquetFileWriter {
    /// The columns every row group must provide, in order.
    public let schema: [ParquetField]
    /// The layout and compression options.
    public let options: ParquetWriteOptions
    /// The footer's key-value metadata; may be changed until ``finish()``.
    public var keyValueMetadata: [String: String]

    /// The version string stored in the footer's `created_by`.
    public static let createdBy = "immetaio parquet version 1.0.0"

    private let output: ([UInt8]) throws -> Void
    private var file: AtomicFileOutput?
    private var position: Int64 = 0
    private var rowGroups: [RowGroup] = []
    private var rowCount: Int64 = 0
    private var finished = false
    private var failed = false

    /// Creates a writer that hands the file's bytes to `output`, in order, in chunks.
    ///
    /// - Throws: ``ParquetError`` if the schema has duplicate names, or whatever `output` throws.
    public init(
        schema: [ParquetField], keyValueMetadata: [String: String] = [:], options: ParquetWriteOptions = ParquetWriteOptions(),
        output: @escaping ([UInt8]) throws -> Void
    ) throws {
        self.schema = schema
        self.options = options
        self.keyValueMetadata = keyValueMetadata
        self.output = output
        try Self.validate(schema)
        try emit(Array("PAR1".utf8))
    }

    /// Creates a writer for the file at `path`, which appears only once ``finish()`` succeeds.
    ///
    /// The data goes to a temporary file `.NAME.tmp-XXXXXXXX` in the same folder, which
    /// `finish()` flushes to disk and renames over `path`; if the writer is dropped unfinished
    /// or a write fails, the temporary file is removed and `path` is untouched.
    public convenience init(
        path: String, schema: [ParquetField], keyValueMetadata: [String: String] = [:],
        options: ParquetWriteOptions = ParquetWriteOptions()
    ) throws {
        try Self.validate(schema)
        let file = try AtomicFileOutput(path: path)
        do {
            try self.init(schema: schema, keyValueMetadata: keyValueMetadata, options: options) { try file.write($0) }
        } catch {
            file.discard()
            throw error
        }
        self.file = file
    }

    deinit {
        if !finished { file?.discard() }
    }

    private static func validate(_ schema: [ParquetField]) throws {
        var names = Set<String>()
        for field in schema where !names.insert(field.name).inserted {
            throw ParquetError.argument("duplicate column name", column: field.name)
        }
    }

    /// Writes one row group: one column per schema field, in schema order, of equal lengths.
    ///
    /// A column of nulls only may have any type. An empty row group is skipped.
    public func write(_ rowGroup: [ParquetColumnValues]) throws {
        guard !finished, !failed else { throw ParquetError.argument("the writer is finished or has failed") }
        guard rowGroup.count == schema.count else {
            throw ParquetError.argument("row group has \(rowGroup.count) columns, the schema \(schema.count)")
        }
        let rows = rowGroup.first?.count ?? 0
        var columns: [ParquetColumnValues] = []
        for (field, values) in zip(schema, rowGroup) {
            guard values.count == rows else { throw ParquetError.argument("has \(values.count) rows, expected \(rows)", column: field.name) }
            guard let converted = values.converted(to: field.type) else {
                throw ParquetError.argument("has type \(values.type), the schema says \(field.type)", column: field.name)
            }
            columns.append(converted)
        }
        guard rows > 0 else { return }
        do {
            var group = RowGroup(numRows: Int64(rows), fileOffset: position, ordinal: Int16(exactly: rowGroups.count))
            let start = position
            for (field, values) in zip(schema, columns) {
                var chunk: EncodedColumnChunk
                do { chunk = try Self.encode(values, name: field.name, options: options) } catch let error as ParquetError {
                    throw error.naming(field.name)
                }
                chunk.metaData.dataPageOffset = position + Int64(chunk.dataPageOffset)
                if chunk.hasDictionary { chunk.metaData.dictionaryPageOffset = position }
                try emit(chunk.bytes)
                group.totalByteSize += chunk.metaData.totalUncompressedSize
                group.columns.append(ColumnChunk(fileOffset: 0, metaData: chunk.metaData))
            }
            group.totalCompressedSize = position - start
            rowGroups.append(group)
            rowCount += Int64(rows)
        } catch {
            failed = true
            file?.discard()
            throw error
        }
    }

    /// Writes `table`, whose columns must match the schema by name (any order), in row groups of
    /// ``ParquetWriteOptions/rowGroupSize`` rows.
    public func write(_ table: ParquetTable) throws {
        var ordered: [ParquetColumnValues] = []
        for field in schema {
            guard let values = table[field.name] else { throw ParquetError.argument("missing from the table", column: field.name) }
            ordered.append(values)
        }
        guard table.columns.count == schema.count else { throw ParquetError.argument("the table has columns the schema lacks") }
        let size = max(1, options.rowGroupSize)
        var start = 0
        while start < table.rowCount {
            let end = min(table.rowCount, start + size)
            try write(ordered.map { $0.rows(start..<end) })
            start = end
        }
    }

    /// Writes the footer, and for a file writer, makes the file appear at its path.
    public func finish() throws {
        guard !finished, !failed else { throw ParquetError.argument("the writer is finished or has failed") }
        do {
            var metadata = FileMetaData()
            metadata.version = 2
            metadata.schema = Self.schemaElements(schema)
            metadata.numRows = rowCount
            metadata.rowGroups = rowGroups
            metadata.keyValueMetadata = keyValueMetadata.keys.sorted().map { KeyValue(key: $0, value: keyValueMetadata[$0]) }
            metadata.createdBy = Self.createdBy
            metadata.typeDefinedOrderCount = schema.count
            let footer = metadata.encode()
            var tail = footer
            let length = UInt32(truncatingIfNeeded: footer.count)
            for i in 0..<4 { tail.append(UInt8(truncatingIfNeeded: length >> (8 * UInt32(i)))) }
            tail.append(contentsOf: Array("PAR1".utf8))
            try emit(tail)
            try file?.commit()
            finished = true
        } catch {
            failed = true
            file?.discard()
            throw error
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        try output(bytes)
        position += Int64(bytes.count)
    }

    private static func encode(_ values: ParquetColumnValues, name: String, options: ParquetWriteOptions) throws -> EncodedColumnChunk {
        let scalarPath = [name]
        let listPath = [name, "list", "element"]
        let limit = options.dictionaryEncoding ? options.dictionaryPageSizeLimit : -1
        switch values {
        case .int64(let v): return try ColumnChunkWriter.encode(LeafColumn(scalars: v), dictionary: nil, path: scalarPath, options: options)
        case .int32(let v): return try ColumnChunkWriter.encode(LeafColumn(scalars: v), dictionary: nil, path: scalarPath, options: options)
        case .double(let v): return try ColumnChunkWriter.encode(LeafColumn(scalars: v), dictionary: nil, path: scalarPath, options: options)
        case .float(let v): return try ColumnChunkWriter.encode(LeafColumn(scalars: v), dictionary: nil, path: scalarPath, options: options)
        case .boolean(let v): return try ColumnChunkWriter.encode(LeafColumn(scalars: v), dictionary: nil, path: scalarPath, options: options)
        case .string(let v):
            let leaf = LeafColumn(scalars: v)
            let dictionary = limit < 0 ? nil : ColumnChunkWriter.dictionary(for: leaf.values, limit: limit) { UTF8Key(string: $0) }
            return try ColumnChunkWriter.encode(leaf, dictionary: dictionary, path: scalarPath, options: options)
        case .binary(let v):
            let leaf = LeafColumn(scalars: v)
            let dictionary = limit < 0 ? nil : ColumnChunkWriter.dictionary(for: leaf.values, limit: limit) { BytesKey(bytes: $0) }
            return try ColumnChunkWriter.encode(leaf, dictionary: dictionary, path: scalarPath, options: options)
        case .int64List(let v): return try ColumnChunkWriter.encode(LeafColumn(lists: v), dictionary: nil, path: listPath, options: options)
        case .doubleList(let v): return try ColumnChunkWriter.encode(LeafColumn(lists: v), dictionary: nil, path: listPath, options: options)
        case .stringList(let v):
            let leaf = LeafColumn(lists: v)
            let dictionary = limit < 0 ? nil : ColumnChunkWriter.dictionary(for: leaf.values, limit: limit) { UTF8Key(string: $0) }
            return try ColumnChunkWriter.encode(leaf, dictionary: dictionary, path: listPath, options: options)
        }
    }

    /// The flattened schema tree: a root, then each column (three elements for a list).
    static func schemaElements(_ schema: [ParquetField]) -> [SchemaElement] {
        var elements = [SchemaElement(name: "schema", numChildren: Int32(truncatingIfNeeded: schema.count))]
        let optional = Repetition.optional.rawValue
        func leaf(_ type: ParquetColumnType, name: String) -> SchemaElement {
            var e = SchemaElement(repetition: optional, name: name)
            switch type {
            case .int64, .int64List:
                e.type = PhysicalType.int64.rawValue
                e.convertedType = ConvertedType.int64
                e.logicalType = .integer(bitWidth: 64, signed: true)
            case .int32:
                e.type = PhysicalType.int32.rawValue
                e.convertedType = ConvertedType.int32
                e.logicalType = .integer(bitWidth: 32, signed: true)
            case .double, .doubleList: e.type = PhysicalType.double.rawValue
            case .float: e.type = PhysicalType.float.rawValue
            case .boolean: e.type = PhysicalType.boolean.rawValue
            case .string, .stringList:
                e.type = PhysicalType.byteArray.rawValue
                e.convertedType = ConvertedType.utf8
                e.logicalType = .string
            case .binary: e.type = PhysicalType.byteArray.rawValue
            }
            return e
        }
        for field in schema {
            if field.type.isList {
                elements.append(
                    SchemaElement(repetition: optional, name: field.name, numChildren: 1, convertedType: ConvertedType.list, logicalType: .list))
                elements.append(SchemaElement(repetition: Repetition.repeated.rawValue, name: "list", numChildren: 1))
                elements.append(leaf(field.type, name: "element"))
            } else {
                elements.append(leaf(field.type, name: field.name))
            }
        }
        return elements
    }
}

extension ParquetTable {
    /// Writes the table to `path` atomically: readers of `path` see the old file or the whole
    /// new one, never a partial file (see ``ParquetFileWriter/init(path:schema:keyValueMetadata:options:)``).
    public func write(toFile path: String, options: ParquetWriteOptions = ParquetWriteOptions()) throws {
        let writer = try ParquetFileWriter(path: path, schema: schema, keyValueMetadata: keyValueMetadata, options: options)
        try writer.write(self)
        try writer.finish()
    }

    /// The table encoded as a complete Parquet file in memory.
    public func encoded(options: ParquetWriteOptions = ParquetWriteOptions()) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let writer = try ParquetFileWriter(schema: schema, keyValueMetadata: keyValueMetadata, options: options) {
            bytes.append(contentsOf: $0)
        }
        try writer.write(self)
        try writer.finish()
        return bytes
    }
}
