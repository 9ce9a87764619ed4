/// Caps on what a file may make the reader allocate.
///
/// Lengths and counts in a file are checked against the file's size wherever the format allows;
/// what it cannot bound (decompressed page sizes, and runs of nulls, which cost a few bytes per
/// million rows) is capped here, so a crafted file fails with an error instead of exhausting memory.
public struct ParquetReaderLimits: Sendable, Hashable {
    /// The largest decompressed page, in bytes. Defaults to 1 GiB (writers use about 1 MiB).
    public var maximumPageSize: Int
    /// The most values (nulls and list entries included) read for one column. Defaults to 2^28.
    public var maximumValueCount: Int

    /// Creates limits; the defaults are those described on each property.
    public init(maximumPageSize: Int = 1 << 30, maximumValueCount: Int = 1 << 28) {
        self.maximumPageSize = maximumPageSize
        self.maximumValueCount = maximumValueCount
    }
}

/// The size of one row group of a file.
public struct ParquetRowGroupInfo: Sendable, Hashable {
    /// The number of rows.
    public var rowCount: Int
    /// The bytes its column chunks take in the file.
    public var compressedSize: Int
    /// The bytes its column chunks take before compression.
    public var uncompressedSize: Int
}

/// Reads Parquet files: the footer on creation, column data on demand.
///
/// Supports data pages v1 and v2; PLAIN, dictionary, RLE, DELTA_BINARY_PACKED,
/// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT encodings; uncompressed,
/// Snappy, gzip, Zstandard and LZ4 pages; top-level primitive columns and lists of primitives.
/// Columns of other types (timestamps, decimals, structs, maps, …) are listed in
/// ``unsupportedColumns`` and make ``readTable()`` throw; read the others by name.
public final class ParquetFileReader: Sendable {
    /// The readable columns, in file order.
    public let schema: [ParquetField]
    /// Columns this module cannot represent, with the reason for each.
    public let unsupportedColumns: [ParquetError]
    /// The number of rows in the file.
    public let rowCount: Int
    /// The row groups, in file order.
    public let rowGroups: [ParquetRowGroupInfo]
    /// The footer's key-value metadata (pyarrow's `ARROW:schema`, pandas' `pandas`, …).
    public let keyValueMetadata: [String: String]
    /// The application that wrote the file, as it says.
    public let createdBy: String?

    let bytes: [UInt8]
    let metadata: FileMetaData
    private let plans: [ColumnPlan]
    let dataEnd: Int
    let limits: ParquetReaderLimits

    /// Parses the footer of the Parquet file in `bytes`.
    ///
    /// - Throws: ``ParquetError`` if the bytes are not a valid Parquet file.
    public init(bytes: [UInt8], limits: ParquetReaderLimits = ParquetReaderLimits()) throws {
        self.bytes = bytes
        self.limits = limits
        let count = bytes.count
        guard count >= 12, bytes[0..<4].elementsEqual("PAR1".utf8) else { throw ParquetError.invalid("not a Parquet file") }
        if bytes[(count - 4)...].elementsEqual("PARE".utf8) { throw ParquetError.unsupported("encrypted files are not supported") }
        guard bytes[(count - 4)...].elementsEqual("PAR1".utf8) else { throw ParquetError.invalid("the file is truncated (no closing magic)") }
        let p = count - 8
        let footerLength = Int(UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24)
        guard footerLength <= count - 12 else { throw ParquetError.invalid("the footer length exceeds the file") }
        dataEnd = p - footerLength
        var reader = ThriftCompactReader(bytes, range: dataEnd..<p)
        metadata = try FileMetaData.decode(&reader)

        guard metadata.numRows >= 0 else { throw ParquetError.invalid("negative row count") }
        var total: Int64 = 0
        var groups: [ParquetRowGroupInfo] = []
        for group in metadata.rowGroups {
            guard group.numRows >= 0 else { throw ParquetError.invalid("negative row count in a row group") }
            let (sum, overflow) = total.addingReportingOverflow(group.numRows)
            guard !overflow else { throw ParquetError.invalid("row counts overflow") }
            total = sum
            var compressed: Int64 = 0
            for chunk in group.columns { compressed &+= chunk.metaData?.totalCompressedSize ?? 0 }
            groups.append(ParquetRowGroupInfo(
                rowCount: Int(group.numRows), compressedSize: Int(truncatingIfNeeded: group.totalCompressedSize ?? compressed),
                uncompressedSize: Int(truncatingIfNeeded: group.totalByteSize)))
        }
        guard total == metadata.numRows else {
            throw ParquetError.invalid("the row groups hold \(total) rows, the footer says \(metadata.numRows)")
        }
        rowCount = Int(total)
        rowGroups = groups

        let root = try SchemaNode.tree(metadata.schema)
        var plans: [ColumnPlan] = []
        var unsupported: [ParquetError] = []
        for node in root.children {
            switch ColumnPlan.make(node) {
            case .success(let plan): plans.append(plan)
            case .failure(let error): unsupported.append(error)
            }
        }
        for group in metadata.rowGroups where group.columns.count != root.leafCount {
            throw ParquetError.invalid("a row group has \(group.columns.count) column chunks, the schema \(root.leafCount) columns")
        }
        self.plans = plans
        schema = plans.map { ParquetField($0.name, $0.type) }
        unsupportedColumns = unsupported
        var keyValues: [String: String] = [:]
        for kv in metadata.keyValueMetadata { keyValues[kv.key] = kv.value ?? "" }
        keyValueMetadata = keyValues
        createdBy = metadata.createdBy
    }

    /// Reads and parses the footer of the Parquet file at `path` (the whole file is loaded).
    public convenience init(path: String, limits: ParquetReaderLimits = ParquetReaderLimits()) throws {
        try self.init(bytes: try readFileBytes(path), limits: limits)
    }

    /// Reads every column.
    ///
    /// - Throws: ``ParquetError`` for a damaged file, or naming the first column in
    ///   ``unsupportedColumns``; use ``readTable(columns:)`` to read the others.
    public func readTable() throws -> ParquetTable {
        if let first = unsupportedColumns.first { throw first }
        return try readTable(columns: schema.map(\.name))
    }

    /// Reads the columns named `names`, in that order.
    public func readTable(columns names: [String]) throws -> ParquetTable {
        try ParquetTable(columns: names.map { ParquetColumn($0, try readColumn(named: $0)) }, keyValueMetadata: keyValueMetadata)
    }

    /// Reads the readable columns of the row group at `index` (streaming through a large file).
    public func readRowGroup(at index: Int) throws -> ParquetTable {
        guard rowGroups.indices.contains(index) else { throw ParquetError.argument("no row group \(index)") }
        if let first = unsupportedColumns.first { throw first }
        let columns = try plans.map { ParquetColumn($0.name, try read($0, rowGroups: index..<(index + 1))) }
        return try ParquetTable(columns: columns, keyValueMetadata: keyValueMetadata)
    }

    /// Reads the column named `name`.
    public func readColumn(named name: String) throws -> ParquetColumnValues {
        guard let plan = plans.first(where: { $0.name == name }) else {
            if let reason = unsupportedColumns.first(where: { $0.column == name }) { throw reason }
            throw ParquetError.argument("no such column", column: name)
        }
        return try read(plan, rowGroups: 0..<metadata.rowGroups.count)
    }

    private func read(_ plan: ColumnPlan, rowGroups: Range<Int>) throws -> ParquetColumnValues {
        do {
            switch plan.kind {
            case .boolean:
                return .boolean(try scalars(readLeaf(plan, rowGroups, Bool.self)))
            case .int32:
                let leaf = try readLeaf(plan, rowGroups, Int32.self)
                if plan.type == .int64List { return .int64List(try lists(leaf, plan).map { $0?.map(Int64.init) }) }
                return .int32(try scalars(leaf))
            case .unsignedInt32:
                let leaf = try readLeaf(plan, rowGroups, Int32.self)
                let widen = { (v: Int32) in Int64(UInt32(bitPattern: v)) }
                if plan.type == .int64List { return .int64List(try lists(leaf, plan).map { $0?.map(widen) }) }
                return .int64(try scalars(leaf).map { $0.map(widen) })
            case .int64, .unsignedInt64:
                var leaf = try readLeaf(plan, rowGroups, Int64.self)
                if plan.kind == .unsignedInt64, leaf.values.contains(where: { $0 < 0 }) {
                    throw ParquetError.unsupported("an unsigned 64-bit value exceeds Int64.max")
                }
                if plan.type == .int64List { return .int64List(try lists(leaf, plan)) }
                leaf.repetitionLevels = []
                return .int64(try scalars(leaf))
            case .float:
                let leaf = try readLeaf(plan, rowGroups, Float.self)
                if plan.type == .doubleList { return .doubleList(try lists(leaf, plan).map { $0?.map(Double.init) }) }
                return .float(try scalars(leaf))
            case .double:
                let leaf = try readLeaf(plan, rowGroups, Double.self)
                if plan.type == .doubleList { return .doubleList(try lists(leaf, plan)) }
                return .double(try scalars(leaf))
            case .string:
                let leaf = try readLeaf(plan, rowGroups, String.self)
                if plan.type == .stringList { return .stringList(try lists(leaf, plan)) }
                return .string(try scalars(leaf))
            case .binary:
                return .binary(try scalars(readLeaf(plan, rowGroups, [UInt8].self)))
            case .null:
                let levels = try nullLevels(plan, rowGroups)
                if plan.type == .int64List { return .int64List(try lists(levels, plan).map { $0.map { _ in [] } }) }
                return .string(try scalars(levels).map { _ in nil })
            }
        } catch let error as ParquetError {
            throw error.naming(plan.name)
        }
    }

    /// The levels of a null-typed column, whose values must all be null.
    private func nullLevels(_ plan: ColumnPlan, _ rowGroups: Range<Int>) throws -> LeafColumn<String> {
        switch PhysicalType(rawValue: plan.leaf.type ?? -1) {
        case .boolean?: return try emptied(readLeaf(plan, rowGroups, Bool.self))
        case .int32?: return try emptied(readLeaf(plan, rowGroups, Int32.self))
        case .int64?: return try emptied(readLeaf(plan, rowGroups, Int64.self))
        case .float?: return try emptied(readLeaf(plan, rowGroups, Float.self))
        case .double?: return try emptied(readLeaf(plan, rowGroups, Double.self))
        case .byteArray?: return try emptied(readLeaf(plan, rowGroups, String.self))
        default: throw ParquetError.unsupported("null column of type \(LeafKind.describe(plan.leaf))")
        }
    }

    private func emptied<T>(_ leaf: LeafColumn<T>) throws -> LeafColumn<String> {
        guard leaf.values.isEmpty else { throw ParquetError.invalid("a column of the null type holds values") }
        var result = LeafColumn<String>(maxDefinitionLevel: leaf.maxDefinitionLevel, maxRepetitionLevel: leaf.maxRepetitionLevel)
        result.definitionLevels = leaf.definitionLevels
        result.repetitionLevels = leaf.repetitionLevels
        return result
    }
}

extension LeafColumn {
    /// An empty leaf for the reader to fill.
    init(maxDefinitionLevel: UInt8, maxRepetitionLevel: UInt8) {
        self.maxDefinitionLevel = maxDefinitionLevel
        self.maxRepetitionLevel = maxRepetitionLevel
    }
}

extension ParquetTable {
    /// Reads every column of the Parquet file at `path` (see ``ParquetFileReader/readTable()``).
    public init(contentsOfFile path: String) throws {
        self = try ParquetFileReader(path: path).readTable()
    }

    /// Reads every column of the Parquet file in `bytes`.
    public init(parquetBytes bytes: [UInt8]) throws {
        self = try ParquetFileReader(bytes: bytes).readTable()
    }
}
