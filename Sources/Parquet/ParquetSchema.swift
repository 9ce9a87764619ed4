/// A node of the schema tree rebuilt from the footer's depth-first element list.
struct SchemaNode {
    var element: SchemaElement
    var children: [SchemaNode] = []
    /// Index of the node's first leaf among all leaves (the column chunk order).
    var firstLeaf = 0
    var leafCount = 0

    var isLeaf: Bool { element.type != nil && (element.numChildren ?? 0) == 0 }
    var repetition: Repetition { Repetition(rawValue: element.repetition ?? 0) ?? .required }

    /// Rebuilds the tree, checking child counts against the elements left and capping depth.
    static func tree(_ elements: [SchemaElement]) throws -> SchemaNode {
        guard !elements.isEmpty else { throw ParquetError.invalid("the schema is empty") }
        var builder = TreeBuilder(elements: elements)
        return try builder.node(depth: 0)
    }

    private struct TreeBuilder {
        let elements: [SchemaElement]
        var index = 0
        var leaves = 0

        mutating func node(depth: Int) throws -> SchemaNode {
            guard depth <= 32 else { throw ParquetError.invalid("the schema is nested too deeply") }
            guard index < elements.count else { throw ParquetError.invalid("the schema has fewer elements than its groups declare") }
            var node = SchemaNode(element: elements[index])
            index += 1
            node.firstLeaf = leaves
            if node.isLeaf {
                node.leafCount = 1
                leaves += 1
                return node
            }
            let count = Int(node.element.numChildren ?? 0)
            guard count >= 0, count <= elements.count - index else {
                throw ParquetError.invalid("schema group '\(node.element.name)' declares \(count) children")
            }
            for _ in 0..<count { node.children.append(try self.node(depth: depth + 1)) }
            node.leafCount = leaves - node.firstLeaf
            return node
        }
    }
}

/// How a leaf's physical values become one of our column types.
enum LeafKind {
    case boolean, int32, int64, float, double, string, binary
    /// INT32 holding unsigned 32-bit values, widened to Int64.
    case unsignedInt32
    /// INT64 holding unsigned 64-bit values; values above `Int64.max` are an error.
    case unsignedInt64
    /// The `UNKNOWN` (null) logical type: every value is null (pyarrow's all-None column).
    case null

    /// The kind for a leaf element, or a description of why we cannot represent it.
    static func of(_ e: SchemaElement) -> Result<LeafKind, ParquetError> {
        let physical = e.type.flatMap(PhysicalType.init(rawValue:))
        let unsupported = ParquetError.unsupported("type \(describe(e)) is not supported", column: e.name)
        guard let physical else { return .failure(unsupported) }
        if e.logicalType == .unknown { return .success(.null) }
        switch physical {
        case .boolean:
            return e.logicalType == nil && e.convertedType == nil ? .success(.boolean) : .failure(unsupported)
        case .int32, .int64:
            let is64 = physical == .int64
            var signed = true
            var bits = is64 ? 64 : 32
            switch (e.logicalType, e.convertedType) {
            case (.integer(let width, let isSigned)?, _):
                signed = isSigned
                bits = Int(width)
            case (nil, nil): break
            case (nil, let converted?):
                switch converted {
                case ConvertedType.int8, ConvertedType.int16, ConvertedType.int32, ConvertedType.int64: break
                case ConvertedType.uint8: (signed, bits) = (false, 8)
                case ConvertedType.uint16: (signed, bits) = (false, 16)
                case ConvertedType.uint32: (signed, bits) = (false, 32)
                case ConvertedType.uint64: (signed, bits) = (false, 64)
                default: return .failure(unsupported)
                }
            default: return .failure(unsupported)
            }
            if is64 { return .success(signed ? .int64 : .unsignedInt64) }
            return .success(signed || bits < 32 ? .int32 : .unsignedInt32)
        case .float:
            return e.logicalType == nil && e.convertedType == nil ? .success(.float) : .failure(unsupported)
        case .double:
            return e.logicalType == nil && e.convertedType == nil ? .success(.double) : .failure(unsupported)
        case .byteArray:
            switch (e.logicalType, e.convertedType) {
            case (.string?, _), (.enumeration?, _), (.json?, _): return .success(.string)
            case (nil, ConvertedType.utf8?), (nil, ConvertedType.enumeration?), (nil, ConvertedType.json?): return .success(.string)
            case (.bson?, _), (nil, ConvertedType.bson?), (nil, nil): return .success(.binary)
            default: return .failure(unsupported)
            }
        case .fixedLenByteArray:
            switch (e.logicalType, e.convertedType) {
            case (nil, nil), (.uuid?, _): return .success(.binary)
            default: return .failure(unsupported)
            }
        case .int96:
            return .failure(unsupported)
        }
    }

    /// `INT32 (DATE)`, `FIXED_LEN_BYTE_ARRAY(16) (DECIMAL)` and the like, for error messages.
    static func describe(_ e: SchemaElement) -> String {
        let physical: String
        switch e.type.flatMap(PhysicalType.init(rawValue:)) {
        case .boolean?: physical = "BOOLEAN"
        case .int32?: physical = "INT32"
        case .int64?: physical = "INT64"
        case .int96?: physical = "INT96"
        case .float?: physical = "FLOAT"
        case .double?: physical = "DOUBLE"
        case .byteArray?: physical = "BYTE_ARRAY"
        case .fixedLenByteArray?: physical = "FIXED_LEN_BYTE_ARRAY(\(e.typeLength ?? 0))"
        case nil: physical = e.type.map { "physical type \($0)" } ?? "group"
        }
        if let logical = e.logicalType {
            let names: [Int16: String] = [
                2: "MAP", 5: "DECIMAL", 6: "DATE", 7: "TIME", 8: "TIMESTAMP", 15: "FLOAT16", 16: "VARIANT", 17: "GEOMETRY",
                18: "GEOGRAPHY", 19: "VECTOR",
            ]
            switch logical {
            case .string: return physical + " (STRING)"
            case .list: return physical + " (LIST)"
            case .enumeration: return physical + " (ENUM)"
            case .integer(let bits, let signed): return physical + " (INTEGER(\(bits), \(signed ? "signed" : "unsigned")))"
            case .unknown: return physical + " (UNKNOWN)"
            case .json: return physical + " (JSON)"
            case .bson: return physical + " (BSON)"
            case .uuid: return physical + " (UUID)"
            case .other(let id): return physical + " (\(names[id] ?? "logical type \(id)"))"
            }
        }
        if let converted = e.convertedType {
            let names: [Int32: String] = [
                1: "MAP", 2: "MAP_KEY_VALUE", 5: "DECIMAL", 6: "DATE", 7: "TIME_MILLIS", 8: "TIME_MICROS", 9: "TIMESTAMP_MILLIS",
                10: "TIMESTAMP_MICROS", 21: "INTERVAL",
            ]
            return physical + " (\(names[converted] ?? "converted type \(converted)"))"
        }
        return physical
    }
}

/// Everything needed to read one top-level column.
struct ColumnPlan {
    var name: String
    var type: ParquetColumnType
    var leafIndex: Int
    var leaf: SchemaElement
    var kind: LeafKind
    var maxDefinitionLevel: UInt8
    var maxRepetitionLevel: UInt8
    /// For lists: a definition level below `listNullBelow` is a null list, one at or above
    /// `elementAt` is an element (a value when it is the maximum, else a null element).
    var listNullBelow: UInt8 = 0
    var elementAt: UInt8 = 0

    /// The plan for a top-level schema node, or the reason it cannot be read.
    static func make(_ node: SchemaNode) -> Result<ColumnPlan, ParquetError> {
        let name = node.element.name
        if node.isLeaf {
            switch LeafKind.of(node.element) {
            case .failure(let error): return .failure(error.naming(name))
            case .success(let kind):
                switch node.repetition {
                case .required, .optional:
                    let type: ParquetColumnType
                    switch kind {
                    case .boolean: type = .boolean
                    case .int32: type = .int32
                    case .int64, .unsignedInt32, .unsignedInt64: type = .int64
                    case .float: type = .float
                    case .double: type = .double
                    case .string, .null: type = .string
                    case .binary: type = .binary
                    }
                    let maxDef: UInt8 = node.repetition == .optional ? 1 : 0
                    return .success(ColumnPlan(
                        name: name, type: type, leafIndex: node.firstLeaf, leaf: node.element, kind: kind,
                        maxDefinitionLevel: maxDef, maxRepetitionLevel: 0))
                case .repeated:
                    // A bare repeated field is a list that is never null.
                    return list(name: name, leafNode: node, kind: kind, listNullBelow: 0, elementAt: 1, maxDef: 1)
                }
            }
        }
        let isList = node.element.logicalType == .list || node.element.convertedType == ConvertedType.list
        guard isList, node.repetition != .repeated, node.children.count == 1, node.children[0].repetition == .repeated else {
            return .failure(ParquetError.unsupported("type \(LeafKind.describe(node.element)) (a nested group) is not supported", column: name))
        }
        let top: UInt8 = node.repetition == .optional ? 1 : 0
        let repeated = node.children[0]
        let elementNode: SchemaNode
        var maxDef = top + 1
        if repeated.isLeaf {
            elementNode = repeated  // Legacy two-level list: the repeated field is the element.
        } else if repeated.children.count == 1, repeated.children[0].isLeaf, repeated.children[0].repetition != .repeated,
            repeated.element.name != "array", repeated.element.name != name + "_tuple"
        {
            elementNode = repeated.children[0]
            if elementNode.repetition == .optional { maxDef += 1 }
        } else {
            return .failure(ParquetError.unsupported("lists of structs or nested lists are not supported", column: name))
        }
        switch LeafKind.of(elementNode.element) {
        case .failure(let error):
            return .failure(ParquetError.unsupported("list elements: \(error.message)", column: name))
        case .success(let kind):
            return list(name: name, leafNode: elementNode, kind: kind, listNullBelow: top, elementAt: top + 1, maxDef: maxDef)
        }
    }

    private static func list(
        name: String, leafNode: SchemaNode, kind: LeafKind, listNullBelow: UInt8, elementAt: UInt8, maxDef: UInt8
    ) -> Result<ColumnPlan, ParquetError> {
        let type: ParquetColumnType
        switch kind {
        case .int32, .int64, .unsignedInt32, .unsignedInt64, .null: type = .int64List
        case .float, .double: type = .doubleList
        case .string: type = .stringList
        case .boolean, .binary:
            return .failure(ParquetError.unsupported("lists of \(LeafKind.describe(leafNode.element)) are not supported", column: name))
        }
        return .success(ColumnPlan(
            name: name, type: type, leafIndex: leafNode.firstLeaf, leaf: leafNode.element, kind: kind,
            maxDefinitionLevel: maxDef, maxRepetitionLevel: 1, listNullBelow: listNullBelow, elementAt: elementAt))
    }
}
