/// A table in memory: named, equally long columns and the file's key-value metadata.
///
/// Build one from columns, or row by row with ``appendRow(_:)``; read one with
/// ``ParquetFileReader/readTable()`` or ``init(contentsOfFile:)``; write it with
/// ``write(toFile:options:)``.
public struct ParquetTable: Sendable, Hashable {
    /// The columns, in file order.
    public private(set) var columns: [ParquetColumn]
    /// The number of rows.
    public private(set) var rowCount: Int
    /// Key-value metadata stored in the file footer (pyarrow keeps `ARROW:schema` and pandas
    /// `pandas` here); written back unchanged.
    public var keyValueMetadata: [String: String]

    /// Creates a table from `columns`, which must have distinct names and equal lengths.
    public init(columns: [ParquetColumn], keyValueMetadata: [String: String] = [:]) throws {
        var names = Set<String>()
        for column in columns where !names.insert(column.name).inserted {
            throw ParquetError.argument("duplicate column name", column: column.name)
        }
        let rowCount = columns.first?.values.count ?? 0
        for column in columns where column.values.count != rowCount {
            throw ParquetError.argument("has \(column.values.count) rows, expected \(rowCount)", column: column.name)
        }
        self.columns = columns
        self.rowCount = rowCount
        self.keyValueMetadata = keyValueMetadata
    }

    /// Creates an empty table with the columns of `schema`, ready for ``appendRow(_:)``.
    public init(schema: [ParquetField], keyValueMetadata: [String: String] = [:]) throws {
        try self.init(columns: schema.map { ParquetColumn($0.name, .nulls($0.type, count: 0)) }, keyValueMetadata: keyValueMetadata)
    }

    /// The names and types of the columns.
    public var schema: [ParquetField] { columns.map(\.field) }

    /// The values of the column named `name`, if there is one.
    public subscript(name: String) -> ParquetColumnValues? {
        columns.first { $0.name == name }?.values
    }

    /// The column named `name`, if there is one.
    public func column(named name: String) -> ParquetColumn? {
        columns.first { $0.name == name }
    }

    /// Adds a column at the end, or replaces the column of the same name; it must have
    /// ``rowCount`` rows (any length if the table has no columns yet).
    public mutating func setColumn(_ column: ParquetColumn) throws {
        if let index = columns.firstIndex(where: { $0.name == column.name }) {
            guard column.values.count == rowCount else {
                throw ParquetError.argument("has \(column.values.count) rows, expected \(rowCount)", column: column.name)
            }
            columns[index] = column
        } else {
            guard columns.isEmpty || column.values.count == rowCount else {
                throw ParquetError.argument("has \(column.values.count) rows, expected \(rowCount)", column: column.name)
            }
            columns.append(column)
            rowCount = column.values.count
        }
    }

    /// Removes the column named `name` and returns it, if there is one.
    @discardableResult
    public mutating func removeColumn(named name: String) -> ParquetColumn? {
        guard let index = columns.firstIndex(where: { $0.name == name }) else { return nil }
        return columns.remove(at: index)
    }

    /// Appends one row given as column name → value.
    ///
    /// Columns missing from `row` get a null. A name that is not a column adds a column of the
    /// value's type, null in earlier rows (a null for an unknown name is ignored). Values must
    /// match their column's type (see ``ParquetColumnValues/append(_:)``).
    public mutating func appendRow(_ row: [String: ParquetValue]) throws {
        for (name, value) in row where value != .null && !columns.contains(where: { $0.name == name }) {
            guard let type = value.type else { continue }
            columns.append(ParquetColumn(name, .nulls(type, count: rowCount)))
        }
        // Check every value before changing anything, so a failed append leaves the table whole.
        for column in columns {
            if let value = row[column.name], value != .null {
                var probe = ParquetColumnValues.nulls(column.values.type, count: 0)
                do { try probe.append(value) } catch let error as ParquetError { throw error.naming(column.name) }
            }
        }
        for index in columns.indices {
            try columns[index].values.append(row[columns[index].name] ?? .null)
        }
        rowCount += 1
    }

    /// Appends the rows of `other`, matching columns by name.
    ///
    /// Columns only in `other` are added, null in the existing rows; columns only in this table
    /// get nulls for the new rows. Column types must agree, except that a column holding only
    /// nulls takes the other side's type, and `int32`/`float` widen to `int64`/`double`.
    /// Key-value metadata of `other` is added where this table has no entry for the key.
    public mutating func append(_ other: ParquetTable) throws {
        var merged: [ParquetColumn] = []
        for column in columns {
            var values = column.values
            if let incoming = other[column.name] {
                if incoming.converted(to: values.type) == nil {
                    guard let widened = values.converted(to: incoming.type) else {
                        throw ParquetError.argument("cannot append a \(incoming.type) column to a \(values.type) column", column: column.name)
                    }
                    values = widened
                }
                do { try values.append(contentsOf: incoming) } catch let error as ParquetError { throw error.naming(column.name) }
            } else {
                values.appendNulls(other.rowCount)
            }
            merged.append(ParquetColumn(column.name, values))
        }
        for column in other.columns where self[column.name] == nil {
            var values = ParquetColumnValues.nulls(column.values.type, count: rowCount)
            try values.append(contentsOf: column.values)
            merged.append(ParquetColumn(column.name, values))
        }
        columns = merged
        rowCount += other.rowCount
        keyValueMetadata.merge(other.keyValueMetadata) { mine, _ in mine }
    }

    /// The rows in `range`, as a new table with the same columns and metadata.
    ///
    /// - Precondition: `range` lies within `0..<rowCount`.
    public func rows(_ range: Range<Int>) -> ParquetTable {
        var table = self
        table.columns = columns.map { ParquetColumn($0.name, $0.values.rows(range)) }
        table.rowCount = range.count
        return table
    }
}
