/// The element and field type codes of the Thrift compact protocol.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, `struct` = 12
}

/// Decodes Thrift compact-protocol values from an untrusted byte range.
///
/// Parquet footers and page headers come from the file, so every length is checked against the
/// bytes left, every count against the bytes it would need, and nesting is capped: a crafted
/// footer must produce an error, not a crash, a stack overflow or a huge allocation.
struct ThriftCompactReader {
    /// Structs and containers nested deeper than this are rejected (Parquet needs about 6).
    static let maximumDepth = 48

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    private var depth = 0

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = max(0, min(range.lowerBound, bytes.count))
        end = max(position, min(range.upperBound, bytes.count))
    }

    var remaining: Int { end - position }

    mutating func readByte() throws -> UInt8 {
        guard position < end else { throw ParquetError.invalid("Thrift data ends early") }
        let byte = bytes[position]
        position += 1
        return byte
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw ParquetError.invalid("Thrift varint too long") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readZigZag() throws -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readI64(_ type: UInt8) throws -> Int64 {
        try expect(type, .i64, .i32, .i16)
        return try readZigZag()
    }

    mutating func readI32(_ type: UInt8) throws -> Int32 {
        try expect(type, .i32, .i16, .byte)
        if type == ThriftType.byte.rawValue { return Int32(Int8(bitPattern: try readByte())) }
        guard let value = Int32(exactly: try readZigZag()) else { throw ParquetError.invalid("Thrift i32 out of range") }
        return value
    }

    mutating func readI16(_ type: UInt8) throws -> Int16 {
        guard let value = Int16(exactly: try readI32(type)) else { throw ParquetError.invalid("Thrift i16 out of range") }
        return value
    }

    /// A boolean struct field, whose value travels in the field's type code.
    mutating func readBool(_ type: UInt8) throws -> Bool {
        switch type {
        case ThriftType.boolTrue.rawValue: return true
        case ThriftType.boolFalse.rawValue: return false
        default: throw ParquetError.invalid("Thrift field has type \(type), expected bool")
        }
    }

    mutating func readDouble(_ type: UInt8) throws -> Double {
        try expect(type, .double)
        guard remaining >= 8 else { throw ParquetError.invalid("Thrift data ends early") }
        var raw: UInt64 = 0
        for i in 0..<8 { raw |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: raw)
    }

    mutating func readBinary(_ type: UInt8) throws -> [UInt8] {
        try expect(type, .binary)
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw ParquetError.invalid("Thrift binary longer than its data") }
        let count = Int(length)
        let value = Array(bytes[position..<(position + count)])
        position += count
        return value
    }

    mutating func readString(_ type: UInt8) throws -> String {
        String(decoding: try readBinary(type), as: UTF8.self)
    }

    /// Reads a list header; `count` is checked against the bytes left (every element takes one).
    mutating func readListHeader(_ type: UInt8) throws -> (elementType: UInt8, count: Int) {
        try expect(type, .list, .set)
        let header = try readByte()
        var count = UInt64(header >> 4)
        if count == 15 { count = try readVarint() }
        let elementType = header & 0x0F
        // Booleans in lists take one byte each; every other element type at least one too.
        guard count <= UInt64(remaining) else { throw ParquetError.invalid("Thrift list longer than its data") }
        return (elementType, Int(count))
    }

    /// Reads a list whose elements `element` decodes, with the depth limit applied.
    mutating func readList<T>(_ type: UInt8, _ element: (inout ThriftCompactReader, UInt8) throws -> T) throws -> [T] {
        let (elementType, count) = try readListHeader(type)
        try enter()
        defer { depth -= 1 }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try element(&self, elementType)) }
        return values
    }

    /// Reads a struct, calling `field` with each field's id and type; `field` must consume the
    /// value (usually by `skip` for unknown ids).
    mutating func readStruct(_ type: UInt8, _ field: (inout ThriftCompactReader, Int16, UInt8) throws -> Void) throws {
        try expect(type, .struct)
        try enter()
        defer { depth -= 1 }
        var lastID: Int16 = 0
        while true {
            let header = try readByte()
            if header == 0 { return }
            let fieldType = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                guard let explicit = Int16(exactly: try readZigZag()) else { throw ParquetError.invalid("Thrift field id out of range") }
                id = explicit
            } else {
                let (sum, overflow) = lastID.addingReportingOverflow(delta)
                guard !overflow else { throw ParquetError.invalid("Thrift field id out of range") }
                id = sum
            }
            lastID = id
            try field(&self, id, fieldType)
        }
    }

    /// Skips one value of `type`, including nested containers.
    mutating func skip(_ type: UInt8) throws {
        guard let kind = ThriftType(rawValue: type) else { throw ParquetError.invalid("unknown Thrift type \(type)") }
        switch kind {
        case .stop: throw ParquetError.invalid("unexpected Thrift stop")
        case .boolTrue, .boolFalse: return
        case .byte: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double:
            guard remaining >= 8 else { throw ParquetError.invalid("Thrift data ends early") }
            position += 8
        case .binary:
            let length = try readVarint()
            guard length <= UInt64(remaining) else { throw ParquetError.invalid("Thrift binary longer than its data") }
            position += Int(length)
        case .list, .set:
            let (elementType, count) = try readListHeader(type)
            try enter()
            defer { depth -= 1 }
            for _ in 0..<count {
                if elementType == ThriftType.boolTrue.rawValue || elementType == ThriftType.boolFalse.rawValue {
                    _ = try readByte()
                } else {
                    try skip(elementType)
                }
            }
        case .map:
            let count = try readVarint()
            guard count <= UInt64(remaining) else { throw ParquetError.invalid("Thrift map longer than its data") }
            if count == 0 { return }
            let types = try readByte()
            try enter()
            defer { depth -= 1 }
            for _ in 0..<count {
                for elementType in [types >> 4, types & 0x0F] {
                    if elementType == ThriftType.boolTrue.rawValue || elementType == ThriftType.boolFalse.rawValue {
                        _ = try readByte()
                    } else {
                        try skip(elementType)
                    }
                }
            }
        case .struct:
            try readStruct(type) { reader, _, fieldType in try reader.skip(fieldType) }
        }
    }

    private mutating func enter() throws {
        guard depth < Self.maximumDepth else { throw ParquetError.invalid("Thrift data nested too deeply") }
        depth += 1
    }

    private func expect(_ type: UInt8, _ allowed: ThriftType...) throws {
        guard allowed.contains(where: { $0.rawValue == type }) else {
            throw ParquetError.invalid("Thrift field has type \(type), expected \(allowed[0])")
        }
    }
}
