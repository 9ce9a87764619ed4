/// Reading column chunks: pages, levels and values, then the assembly of levels and values
/// into column arrays.
extension ParquetFileReader {
    func readLeaf<T: PhysicalValue>(_ plan: ColumnPlan, _ rowGroups: Range<Int>, _: T.Type) throws -> LeafColumn<T> {
        var leaf = LeafColumn<T>(maxDefinitionLevel: plan.maxDefinitionLevel, maxRepetitionLevel: plan.maxRepetitionLevel)
        for groupIndex in rowGroups {
            let group = metadata.rowGroups[groupIndex]
            guard plan.leafIndex < group.columns.count else { throw ParquetError.invalid("a row group lacks the column") }
            let chunk = group.columns[plan.leafIndex]
            guard chunk.filePath == nil else { throw ParquetError.unsupported("column data in another file") }
            guard let meta = chunk.metaData else { throw ParquetError.invalid("a column chunk has no metadata") }
            guard meta.type == plan.leaf.type else { throw ParquetError.invalid("a column chunk's type differs from the schema") }
            guard meta.numValues >= 0, meta.numValues <= Int64(limits.maximumValueCount - leaf.definitionLevels.count) else {
                throw ParquetError.invalid("the column holds more than \(limits.maximumValueCount) values (ParquetReaderLimits)")
            }
            if plan.maxRepetitionLevel == 0 && meta.numValues != group.numRows {
                throw ParquetError.invalid("a column chunk holds \(meta.numValues) values for \(group.numRows) rows")
            }
            let firstLevel = leaf.definitionLevels.count
            try readChunk(meta, plan, expected: Int(meta.numValues), into: &leaf)
            if plan.maxRepetitionLevel > 0 {
                let rows = leaf.repetitionLevels[firstLevel...].reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                guard rows == group.numRows, leaf.repetitionLevels.count == firstLevel || leaf.repetitionLevels[firstLevel] == 0 else {
                    throw ParquetError.invalid("a list column chunk holds \(rows) rows, the row group \(group.numRows)")
                }
            }
        }
        return leaf
    }

    fileprivate func readChunk<T: PhysicalValue>(_ meta: ColumnMetaData, _ plan: ColumnPlan, expected: Int, into leaf: inout LeafColumn<T>) throws {
        guard expected > 0 else { return }  // Empty chunks of empty row groups may have no pages.
        var start = meta.dataPageOffset
        if let dictionaryOffset = meta.dictionaryPageOffset, dictionaryOffset > 0, dictionaryOffset < start { start = dictionaryOffset }
        guard start >= 4, start < Int64(dataEnd), meta.totalCompressedSize >= 0 else {
            throw ParquetError.invalid("a column chunk lies outside the file")
        }
        // Early parquet-mr releases left the dictionary page out of total_compressed_size, so
        // their chunks are bounded by the footer only; everyone else's by the chunk size.
        var position = Int(start)
        let lenient = metadata.createdBy?.hasPrefix("parquet-mr") ?? true
        let end = lenient || meta.totalCompressedSize > Int64(dataEnd) - start ? dataEnd : Int(start + meta.totalCompressedSize)
        var dictionary: [T]?
        var levelsRead = 0
        let context = DecodeContext(fixedLength: plan.leaf.type == PhysicalType.fixedLenByteArray.rawValue ? Int(plan.leaf.typeLength ?? -1) : nil,
            maximumBytes: limits.maximumPageSize)
        if let fixed = context.fixedLength, fixed < 0 { throw ParquetError.invalid("FIXED_LEN_BYTE_ARRAY without a length") }

        while levelsRead < expected {
            guard position < end else { throw ParquetError.invalid("the column chunk ends before its values") }
            var reader = ThriftCompactReader(bytes, range: position..<end)
            let header = try PageHeader.decode(&reader)
            position = reader.position
            let compressedSize = Int(header.compressedPageSize)
            let uncompressedSize = Int(header.uncompressedPageSize)
            guard compressedSize >= 0, uncompressedSize >= 0, compressedSize <= end - position else {
                throw ParquetError.invalid("a page extends past its column chunk")
            }
            guard uncompressedSize <= limits.maximumPageSize else {
                throw ParquetError.invalid("a page of \(uncompressedSize) bytes exceeds the page size limit (ParquetReaderLimits)")
            }
            let body = position..<(position + compressedSize)
            position += compressedSize

            switch header.type {
            case PageType.dictionaryPage:
                guard let page = header.dictionaryPage else { throw ParquetError.invalid("a dictionary page has no header") }
                guard page.encoding == Encoding.plain || page.encoding == Encoding.plainDictionary else {
                    throw ParquetError.unsupported("dictionary page encoding \(Encoding.name(page.encoding))")
                }
                guard page.numValues >= 0 else { throw ParquetError.invalid("negative dictionary size") }
                let (data, range) = try pageData(body, codec: meta.codec, size: uncompressedSize)
                var entries: [T] = []
                try T.decode(Encoding.plain, data, range, count: Int(page.numValues), context: context, into: &entries)
                dictionary = entries
            case PageType.dataPage:
                guard let page = header.dataPage else { throw ParquetError.invalid("a data page has no header") }
                let count = Int(page.numValues)
                guard count >= 0, count <= expected - levelsRead else { throw ParquetError.invalid("a page holds more values than its column chunk") }
                let (data, range) = try pageData(body, codec: meta.codec, size: uncompressedSize)
                var p = range.lowerBound
                if plan.maxRepetitionLevel > 0 {
                    guard page.repetitionLevelEncoding == Encoding.rle else {
                        throw ParquetError.unsupported("repetition level encoding \(Encoding.name(page.repetitionLevelEncoding))")
                    }
                    p = try readPrefixedLevels(data, p..<range.upperBound, count: count, maximum: plan.maxRepetitionLevel, into: &leaf.repetitionLevels)
                }
                if plan.maxDefinitionLevel > 0 {
                    guard page.definitionLevelEncoding == Encoding.rle else {
                        throw ParquetError.unsupported("definition level encoding \(Encoding.name(page.definitionLevelEncoding))")
                    }
                    p = try readPrefixedLevels(data, p..<range.upperBound, count: count, maximum: plan.maxDefinitionLevel, into: &leaf.definitionLevels)
                } else {
                    leaf.definitionLevels.append(contentsOf: repeatElement(0, count: count))
                }
                let present = presentCount(leaf.definitionLevels, last: count, maximum: plan.maxDefinitionLevel)
                try decodeValues(page.encoding, data, p..<range.upperBound, count: present, dictionary: dictionary, context: context, into: &leaf.values)
                levelsRead += count
            case PageType.dataPageV2:
                guard let page = header.dataPageV2 else { throw ParquetError.invalid("a data page has no header") }
                let count = Int(page.numValues)
                let repetitionLength = Int(page.repetitionLevelsByteLength)
                let definitionLength = Int(page.definitionLevelsByteLength)
                guard count >= 0, count <= expected - levelsRead else { throw ParquetError.invalid("a page holds more values than its column chunk") }
                guard repetitionLength >= 0, definitionLength >= 0, repetitionLength + definitionLength <= compressedSize,
                    repetitionLength + definitionLength <= uncompressedSize
                else { throw ParquetError.invalid("page levels exceed the page") }
                var p = body.lowerBound
                if plan.maxRepetitionLevel > 0 {
                    try readLevels(bytes, p..<(p + repetitionLength), count: count, maximum: plan.maxRepetitionLevel, into: &leaf.repetitionLevels)
                }
                p += repetitionLength
                if plan.maxDefinitionLevel > 0 {
                    try readLevels(bytes, p..<(p + definitionLength), count: count, maximum: plan.maxDefinitionLevel, into: &leaf.definitionLevels)
                } else {
                    leaf.definitionLevels.append(contentsOf: repeatElement(0, count: count))
                }
                p += definitionLength
                let valuesSize = uncompressedSize - repetitionLength - definitionLength
                let (data, range) = try pageData(p..<body.upperBound, codec: page.isCompressed ? meta.codec : CompressionCodec.uncompressed, size: valuesSize)
                let present = presentCount(leaf.definitionLevels, last: count, maximum: plan.maxDefinitionLevel)
                try decodeValues(page.encoding, data, range, count: present, dictionary: dictionary, context: context, into: &leaf.values)
                levelsRead += count
            default:
                continue  // Index pages and future page types carry no values.
            }
        }
    }

    /// A page's bytes after decompression, as an array and the range of the page within it
    /// (the file itself when the page is not compressed, to avoid a copy).
    fileprivate func pageData(_ range: Range<Int>, codec: Int32, size: Int) throws -> ([UInt8], Range<Int>) {
        if codec == CompressionCodec.uncompressed {
            guard range.count == size else { throw ParquetError.invalid("an uncompressed page's sizes disagree") }
            return (bytes, range)
        }
        let data = try PageCompression.decompress(bytes, range: range, codec: codec, size: size)
        return (data, 0..<data.count)
    }

    /// Levels with a 4-byte length prefix (data page v1); returns the position after them.
    fileprivate func readPrefixedLevels(_ data: [UInt8], _ range: Range<Int>, count: Int, maximum: UInt8, into levels: inout [UInt8]) throws -> Int {
        guard range.count >= 4 else { throw ParquetError.invalid("page levels end early") }
        let p = range.lowerBound
        let length = Int(UInt32(data[p]) | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2]) << 16 | UInt32(data[p + 3]) << 24)
        guard length <= range.count - 4 else { throw ParquetError.invalid("page levels exceed the page") }
        try readLevels(data, (p + 4)..<(p + 4 + length), count: count, maximum: maximum, into: &levels)
        return p + 4 + length
    }

    fileprivate func readLevels(_ data: [UInt8], _ range: Range<Int>, count: Int, maximum: UInt8, into levels: inout [UInt8]) throws {
        let first = levels.count
        try RLEHybrid.decode(data, range: range, bitWidth: RLEHybrid.bitWidth(forMaximum: UInt64(maximum)), count: count, into: &levels)
        for level in levels[first...] where level > maximum { throw ParquetError.invalid("a level exceeds its maximum") }
    }

    fileprivate func presentCount(_ levels: [UInt8], last count: Int, maximum: UInt8) -> Int {
        levels[(levels.count - count)...].reduce(0) { $0 + ($1 == maximum ? 1 : 0) }
    }

    fileprivate func decodeValues<T: PhysicalValue>(
        _ encoding: Int32, _ data: [UInt8], _ range: Range<Int>, count: Int, dictionary: [T]?, context: DecodeContext, into values: inout [T]
    ) throws {
        guard count > 0 else { return }
        switch encoding {
        case Encoding.plainDictionary, Encoding.rleDictionary:
            guard let dictionary else { throw ParquetError.invalid("a dictionary-encoded page without a dictionary") }
            guard !range.isEmpty else { throw ParquetError.invalid("a dictionary-encoded page ends early") }
            var indices: [UInt32] = []
            try RLEHybrid.decode(data, range: (range.lowerBound + 1)..<range.upperBound, bitWidth: Int(data[range.lowerBound]), count: count, into: &indices)
            values.reserveCapacity(values.count + count)
            for index in indices {
                guard index < dictionary.count else { throw ParquetError.invalid("a dictionary index is out of range") }
                values.append(dictionary[Int(index)])
            }
        default:
            try T.decode(encoding, data, range, count: count, context: context, into: &values)
        }
    }

    // MARK: Assembly

    func scalars<T>(_ leaf: LeafColumn<T>) throws -> [T?] {
        var result: [T?] = []
        result.reserveCapacity(leaf.definitionLevels.count)
        var next = 0
        let values = leaf.values
        for level in leaf.definitionLevels {
            if level == leaf.maxDefinitionLevel {
                guard next < values.count else { throw ParquetError.invalid("fewer values than levels") }
                result.append(values[next])
                next += 1
            } else {
                result.append(nil)
            }
        }
        guard next == values.count else { throw ParquetError.invalid("more values than levels") }
        return result
    }

    func lists<T>(_ leaf: LeafColumn<T>, _ plan: ColumnPlan) throws -> [[T]?] {
        guard leaf.repetitionLevels.count == leaf.definitionLevels.count else { throw ParquetError.invalid("level counts differ") }
        var result: [[T]?] = []
        var current: [T] = []
        var currentIsNull = false
        var started = false
        var next = 0
        let values = leaf.values
        for (definition, repetition) in zip(leaf.definitionLevels, leaf.repetitionLevels) {
            if repetition == 0 {
                if started { result.append(currentIsNull ? nil : current) }
                started = true
                current = []
                currentIsNull = definition < plan.listNullBelow
            } else {
                guard started, !currentIsNull, definition >= plan.elementAt else { throw ParquetError.invalid("a list continues where none started") }
            }
            if definition >= plan.elementAt {
                guard definition == leaf.maxDefinitionLevel else { throw ParquetError.unsupported("null list elements are not supported") }
                guard next < values.count else { throw ParquetError.invalid("fewer values than levels") }
                current.append(values[next])
                next += 1
            }
        }
        if started { result.append(currentIsNull ? nil : current) }
        guard next == values.count else { throw ParquetError.invalid("more values than levels") }
        return result
    }
}
