/// A column flattened to Parquet's shape: non-null leaf values plus definition and repetition
/// levels (one level per row for scalars, one per element or empty/null list for lists).
struct LeafColumn<T: PhysicalValue> {
    var values: [T] = []
    var definitionLevels: [UInt8] = []
    var repetitionLevels: [UInt8] = []
    var maxDefinitionLevel: UInt8
    var maxRepetitionLevel: UInt8

    /// An optional scalar column: level 1 for a value, 0 for null.
    init(scalars: [T?]) {
        maxDefinitionLevel = 1
        maxRepetitionLevel = 0
        values.reserveCapacity(scalars.count)
        definitionLevels.reserveCapacity(scalars.count)
        for value in scalars {
            if let value {
                values.append(value)
                definitionLevels.append(1)
            } else {
                definitionLevels.append(0)
            }
        }
    }

    /// `optional group (LIST) { repeated group list { optional element } }`: definition level 0
    /// for a null list, 1 for an empty one, 3 for an element; repetition level 1 continues a list.
    init(lists: [[T]?]) {
        maxDefinitionLevel = 3
        maxRepetitionLevel = 1
        var elements = 0
        var levels = 0
        for list in lists {
            let count = list?.count ?? 0
            elements += count
            levels += max(count, 1)
        }
        values.reserveCapacity(elements)
        definitionLevels.reserveCapacity(levels)
        repetitionLevels.reserveCapacity(levels)
        for list in lists {
            guard let list else {
                definitionLevels.append(0)
                repetitionLevels.append(0)
                continue
            }
            if list.isEmpty {
                definitionLevels.append(1)
                repetitionLevels.append(0)
                continue
            }
            var repetition: UInt8 = 0
            for element in list {
                values.append(element)
                definitionLevels.append(3)
                repetitionLevels.append(repetition)
                repetition = 1
            }
        }
    }
}

/// A dictionary for one column chunk: distinct values in first-seen order, and each value's index.
struct ColumnDictionary<T> {
    var entries: [T]
    var indices: [UInt32]
    var bitWidth: Int { max(1, RLEHybrid.bitWidth(forMaximum: UInt64(max(entries.count, 1) - 1))) }
}

/// Byte-wise equality for strings: Swift's `String ==` treats canonically equivalent strings
/// (composed and decomposed accents) as equal, which would merge distinct values in a dictionary.
struct UTF8Key: Hashable {
    let string: String

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        a.string.withUTF8Bytes { x in b.string.withUTF8Bytes { y in x.elementsEqual(y) } }
    }

    func hash(into hasher: inout Hasher) {
        string.withUTF8Bytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Byte arrays hashed in bulk (`[UInt8]`'s own hashing feeds the hasher a byte at a time).
struct BytesKey: Hashable {
    let bytes: [UInt8]

    static func == (a: BytesKey, b: BytesKey) -> Bool { a.bytes == b.bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// A column chunk's pages, ready to append to the file, with metadata whose offsets are
/// relative to the chunk's first byte (the writer makes them absolute).
struct EncodedColumnChunk {
    var bytes: [UInt8] = []
    var metaData: ColumnMetaData
    var dataPageOffset = 0
    var hasDictionary = false
}

enum ColumnChunkWriter {
    /// Builds a dictionary if it is smaller than plain encoding and within the size limit.
    static func dictionary<T: PhysicalValue, K: Hashable>(for values: [T], limit: Int, key: (T) -> K) -> ColumnDictionary<T>? {
        guard !values.isEmpty else { return nil }
        var positions: [K: UInt32] = [:]
        var entries: [T] = []
        var indices: [UInt32] = []
        indices.reserveCapacity(values.count)
        var dictionaryBytes = 0
        var plainBytes = 0
        for value in values {
            let size = T.plainSize(of: value)
            plainBytes += size
            let k = key(value)
            if let index = positions[k] {
                indices.append(index)
            } else {
                let index = UInt32(entries.count)
                positions[k] = index
                entries.append(value)
                indices.append(index)
                dictionaryBytes += size
                if dictionaryBytes > limit { return nil }
            }
        }
        let dictionary = ColumnDictionary(entries: entries, indices: indices)
        let encodedBytes = dictionaryBytes + (values.count * dictionary.bitWidth + 7) / 8
        return encodedBytes < plainBytes ? dictionary : nil
    }

    static func encode<T: PhysicalValue>(
        _ leaf: LeafColumn<T>, dictionary: ColumnDictionary<T>?, path: [String], options: ParquetWriteOptions
    ) throws -> EncodedColumnChunk {
        var chunk = EncodedColumnChunk(metaData: ColumnMetaData())
        var uncompressedTotal = 0
        let codec = options.compression

        func emit(_ header: PageHeader, _ payload: [UInt8], uncompressedCount: Int) {
            let headerBytes = header.encode()
            chunk.bytes.append(contentsOf: headerBytes)
            chunk.bytes.append(contentsOf: payload)
            uncompressedTotal += headerBytes.count + uncompressedCount
        }

        if let dictionary {
            var page: [UInt8] = []
            T.encodePlain(dictionary.entries[...], into: &page)
            let compressed = try PageCompression.compress(page, codec)
            var header = PageHeader()
            header.type = PageType.dictionaryPage
            header.uncompressedPageSize = try pageSize(page.count)
            header.compressedPageSize = try pageSize(compressed.count)
            header.dictionaryPage = DictionaryPageHeader(numValues: try pageSize(dictionary.entries.count), encoding: Encoding.plain)
            emit(header, compressed, uncompressedCount: page.count)
            chunk.hasDictionary = true
            chunk.dataPageOffset = chunk.bytes.count
        }

        let maxDef = leaf.maxDefinitionLevel
        let maxRep = leaf.maxRepetitionLevel
        let levelCount = leaf.definitionLevels.count
        let pageBits = max(1, options.dataPageSize) * 8
        let indexBits = dictionary?.bitWidth ?? 0
        var levelStart = 0
        var valueStart = 0
        var valueIndex = 0
        var bits = 0
        var level = 0
        // Pages end at row boundaries (repetition level 0) once their values reach the page size.
        while level <= levelCount {
            let atRowStart = level == levelCount || maxRep == 0 || leaf.repetitionLevels[level] == 0
            if level == levelCount || (bits >= pageBits && atRowStart && level > levelStart) {
                if level > levelStart || levelCount == 0 {
                    let page = try dataPage(
                        leaf, levels: levelStart..<level, values: valueStart..<valueIndex, dictionary: dictionary)
                    let compressed = try PageCompression.compress(page, codec)
                    var header = PageHeader()
                    header.type = PageType.dataPage
                    header.uncompressedPageSize = try pageSize(page.count)
                    header.compressedPageSize = try pageSize(compressed.count)
                    header.dataPage = DataPageHeader(
                        numValues: try pageSize(level - levelStart), encoding: dictionary == nil ? Encoding.plain : Encoding.rleDictionary)
                    emit(header, compressed, uncompressedCount: page.count)
                }
                levelStart = level
                valueStart = valueIndex
                bits = 0
                if level == levelCount { break }
            }
            if leaf.definitionLevels[level] == maxDef {
                bits += dictionary == nil ? T.plainSize(of: leaf.values[valueIndex]) * 8 : indexBits
                valueIndex += 1
            }
            level += 1
        }

        var encodings = [Encoding.plain, Encoding.rle]
        if dictionary != nil { encodings.append(Encoding.rleDictionary) }
        chunk.metaData = ColumnMetaData(
            type: T.physicalType.rawValue, encodings: encodings, pathInSchema: path,
            codec: PageCompression.codec(of: codec), numValues: Int64(levelCount),
            totalUncompressedSize: Int64(uncompressedTotal), totalCompressedSize: Int64(chunk.bytes.count),
            statistics: statistics(leaf, dictionary: dictionary))
        return chunk
    }

    private static func pageSize(_ count: Int) throws -> Int32 {
        guard let size = Int32(exactly: count) else { throw ParquetError.argument("a page would exceed 2 GiB") }
        return size
    }

    /// A v1 data page: length-prefixed repetition and definition levels, then the values.
    private static func dataPage<T: PhysicalValue>(
        _ leaf: LeafColumn<T>, levels: Range<Int>, values: Range<Int>, dictionary: ColumnDictionary<T>?
    ) throws -> [UInt8] {
        var page: [UInt8] = []
        func appendLevels(_ levels: ArraySlice<UInt8>, maximum: UInt8) {
            let lengthAt = page.count
            page.append(contentsOf: [0, 0, 0, 0])
            RLEHybrid.encode(levels, bitWidth: RLEHybrid.bitWidth(forMaximum: UInt64(maximum)), into: &page)
            let length = UInt32(truncatingIfNeeded: page.count - lengthAt - 4)  // pages over 2 GiB are refused later
            for i in 0..<4 { page[lengthAt + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
        }
        if leaf.maxRepetitionLevel > 0 { appendLevels(leaf.repetitionLevels[levels], maximum: leaf.maxRepetitionLevel) }
        if leaf.maxDefinitionLevel > 0 { appendLevels(leaf.definitionLevels[levels], maximum: leaf.maxDefinitionLevel) }
        if let dictionary {
            page.append(UInt8(dictionary.bitWidth))
            RLEHybrid.encode(dictionary.indices[values], bitWidth: dictionary.bitWidth, into: &page)
        } else {
            T.encodePlain(leaf.values[values], into: &page)
        }
        return page
    }

    /// Chunk statistics: null count, and min/max in the type's column order with NaN left out
    /// and zeros signed as the format asks (-0.0 minimum, +0.0 maximum).
    private static func statistics<T: PhysicalValue>(_ leaf: LeafColumn<T>, dictionary: ColumnDictionary<T>?) -> Statistics {
        var stats = Statistics()
        var nulls = 0
        for level in leaf.definitionLevels where level != leaf.maxDefinitionLevel { nulls += 1 }
        stats.nullCount = Int64(nulls)
        let candidates = dictionary?.entries ?? leaf.values
        var minimum: T?
        var maximum: T?
        var nanCount = 0
        for value in candidates {
            if T.isNaN(value) {
                nanCount += 1
                continue
            }
            if let current = minimum {
                if T.precedes(value, current) { minimum = value }
                if let top = maximum, T.precedes(top, value) { maximum = value }
            } else {
                minimum = value
                maximum = value
            }
        }
        if T.physicalType == .float || T.physicalType == .double {
            // Counted over the dictionary when there is one, so recount over all values.
            stats.nanCount = Int64(dictionary == nil ? nanCount : leaf.values.reduce(0) { $0 + (T.isNaN($1) ? 1 : 0) })
        }
        if var minimum, var maximum {
            if let m = minimum as? Double, m == 0, let signed = (-0.0 as Double) as? T { minimum = signed }
            if let m = maximum as? Double, m == 0, let signed = (0.0 as Double) as? T { maximum = signed }
            if let m = minimum as? Float, m == 0, let signed = (-0.0 as Float) as? T { minimum = signed }
            if let m = maximum as? Float, m == 0, let signed = (0.0 as Float) as? T { maximum = signed }
            let low = T.statisticsBytes(of: minimum)
            let high = T.statisticsBytes(of: maximum)
            // Very long strings would bloat the footer; readers then simply have no bounds.
            if low.count <= 4096 && high.count <= 4096 {
                stats.minValue = low
                stats.maxValue = high
            }
        }
        return stats
    }
}
