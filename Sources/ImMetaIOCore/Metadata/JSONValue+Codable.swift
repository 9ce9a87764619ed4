import NDArrayModule

extension JSONValue {
    /// The JSON value of an `Encodable`, with keys in the order the type encodes them (declaration
    /// order for synthesised conformances). `NDArray` properties become ``JSONValue/ndarray(_:)``;
    /// non-finite doubles stay doubles.
    public init(encoding value: some Encodable) throws {
        let encoder = ValueEncoder(codingPath: [])
        try value.encode(to: encoder)
        self = encoder.storage.value
    }

    /// Decodes a `Decodable` from this value (ndarray-tagged objects decode as `NDArray`).
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try T(from: ValueDecoder(value: self, codingPath: []))
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let direct = decoder as? ValueDecoder {
            self = direct.value
            return
        }
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            var object = JSONObject()
            for key in container.allKeys { object[key.stringValue] = try container.decode(JSONValue.self, forKey: key) }
            self = (try? NDArrayJSON.array(from: object)).flatMap { $0.map(JSONValue.ndarray) } ?? .object(object)
        } else if var container = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !container.isAtEnd { items.append(try container.decode(JSONValue.self)) }
            self = .array(items)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int.self) {
                self = .int(number)
            } else if let number = try? container.decode(Double.self) {
                self = .double(number)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let direct = encoder as? ValueEncoder {
            direct.storage.update { $0 = self }
            return
        }
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .int(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .double(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .object(let members):
            var container = encoder.container(keyedBy: AnyKey.self)
            for (key, item) in members { try container.encode(item, forKey: AnyKey(key)) }
        case .ndarray(let array):
            try NDArrayJSON.object(for: array).encode(to: encoder)
        }
    }
}

extension NDArray: Codable {
    /// Decodes Python immetaio's `{"type": "ndarray", "values": …, "dtype": …}` form.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        switch value {
        case .ndarray(let array):
            self = array
        case .object(let object):
            guard let array = try NDArrayJSON.array(from: object) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ndarray object"))
            }
            self = array
        default:
            throw DecodingError.typeMismatch(
                NDArray.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an ndarray object"))
        }
    }

    /// Encodes the `{"type": "ndarray", "values": …, "dtype": …}` form.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.ndarray(self).encode(to: encoder)
    }
}

/// A coding key made from any string or integer.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

// MARK: - Encoder

/// A value under construction. A nested container's box reports every change to its parent
/// through `commit`, so containers can nest to any depth.
final class ValueBox {
    var value: JSONValue
    let commit: (JSONValue) -> Void
    init(_ value: JSONValue, commit: @escaping (JSONValue) -> Void = { _ in }) {
        self.value = value
        self.commit = commit
    }

    func update(_ change: (inout JSONValue) -> Void) {
        change(&value)
        commit(value)
    }

    /// A box for a member of this object (or an element appended to this array).
    func child(_ initial: JSONValue, key: String?) -> ValueBox {
        var index: Int?
        if key == nil {
            update { if case .array(var items) = $0 { items.append(initial); index = items.count - 1; $0 = .array(items) } }
        } else if let key {
            update { if case .object(var object) = $0 { object[key] = initial; $0 = .object(object) } }
        }
        return ValueBox(initial) { [self] newValue in
            self.update { parent in
                if let key, case .object(var object) = parent {
                    object[key] = newValue
                    parent = .object(object)
                } else if let index, case .array(var items) = parent, items.indices.contains(index) {
                    items[index] = newValue
                    parent = .array(items)
                }
            }
        }
    }
}

final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let storage: ValueBox

    init(codingPath: [any CodingKey], storage: ValueBox = ValueBox(.null)) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = storage.value {} else { storage.update { $0 = .object(JSONObject()) } }
        return KeyedEncodingContainer(KeyedValueEncoder<Key>(box: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = storage.value {} else { storage.update { $0 = .array([]) } }
        return UnkeyedValueEncoder(box: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueEncoder(box: storage, codingPath: codingPath) }

    /// Encodes a nested value into its own JSON value.
    static func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        if let array = value as? NDArray { return .ndarray(array) }
        let encoder = ValueEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.storage.value
    }
}

struct KeyedValueEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ValueBox
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) {
        box.update { if case .object(var object) = $0 { object[key.stringValue] = value; $0 = .object(object) } }
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.int(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try ValueEncoder.encode(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(
            KeyedValueEncoder<NestedKey>(box: box.child(.object(JSONObject()), key: key.stringValue), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedValueEncoder(box: box.child(.array([]), key: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        ValueEncoder(codingPath: codingPath, storage: box.child(.null, key: "super"))
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(codingPath: codingPath + [key], storage: box.child(.null, key: key.stringValue))
    }
}

struct UnkeyedValueEncoder: UnkeyedEncodingContainer {
    let box: ValueBox
    let codingPath: [any CodingKey]
    var count: Int { if case .array(let items) = box.value { items.count } else { 0 } }

    private func append(_ value: JSONValue) {
        box.update { if case .array(var items) = $0 { items.append(value); $0 = .array(items) } }
    }

    private var nextPath: [any CodingKey] { codingPath + [AnyKey(String(count))] }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { append(.int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try ValueEncoder.encode(value, codingPath: nextPath))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return KeyedEncodingContainer(KeyedValueEncoder<NestedKey>(box: box.child(.object(JSONObject()), key: nil), codingPath: path))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return UnkeyedValueEncoder(box: box.child(.array([]), key: nil), codingPath: path)
    }
    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return ValueEncoder(codingPath: path, storage: box.child(.null, key: nil))
    }
}

struct SingleValueEncoder: SingleValueEncodingContainer {
    let box: ValueBox
    let codingPath: [any CodingKey]
    private func set(_ value: JSONValue) { box.update { $0 = value } }
    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { set(.int(value)) }
    mutating func encode(_ value: Int64) throws { set(.int(Int(value))) }
    mutating func encode(_ value: UInt64) throws { set(Int(exactly: value).map(JSONValue.int) ?? .double(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        set(try ValueEncoder.encode(value, codingPath: codingPath))
    }
}

// MARK: - Decoder

struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let object): return KeyedDecodingContainer(KeyedValueDecoder(object: object, codingPath: codingPath))
        case .ndarray(let array):
            guard case .object(let object) = NDArrayJSON.object(for: array) else { break }
            return KeyedDecodingContainer(KeyedValueDecoder(object: object, codingPath: codingPath))
        default: break
        }
        throw DecodingError.typeMismatch(
            [String: Any].self, .init(codingPath: codingPath, debugDescription: "expected an object, found \(value)"))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw DecodingError.typeMismatch(
                [Any].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(value)"))
        }
        return UnkeyedValueDecoder(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueDecoder(value: value, codingPath: codingPath) }
}

struct KeyedValueDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for '\(key.stringValue)'"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try SingleValueDecoder(value: value(key), codingPath: codingPath + [key]).decode(type)
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(object), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ValueDecoder(value: try value(key), codingPath: codingPath + [key]) }
}

struct UnkeyedValueDecoder: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array is exhausted"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [AnyKey(String(currentIndex))])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try SingleValueDecoder(value: value, codingPath: path).decode(type)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next()
        return try ValueDecoder(value: value, codingPath: path).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try ValueDecoder(value: value, codingPath: path).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next()
        return ValueDecoder(value: value, codingPath: path)
    }
}

struct SingleValueDecoder: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    private func mismatch<T>(_ type: T.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(value)"))
    }

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard let flag = value.boolValue else { throw mismatch(type) }
        return flag
    }
    func decode(_ type: String.Type) throws -> String {
        guard let text = value.stringValue else { throw mismatch(type) }
        return text
    }
    func decode(_ type: Double.Type) throws -> Double {
        guard let number = value.doubleValue else { throw mismatch(type) }
        return number
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int {
        guard case .int(let number) = value else {
            if let number = value.intValue { return number }
            throw mismatch(type)
        }
        return number
    }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self, let result = value as? T { return result }
        if type == NDArray.self {
            switch value {
            case .ndarray(let array): if let result = array as? T { return result }
            case .object(let object):
                if let array = try NDArrayJSON.array(from: object), let result = array as? T { return result }
            default: break
            }
        }
        if let integer = type as? any FixedWidthInteger.Type {
            guard let number = value.intValue else { throw mismatch(type) }
            guard let converted = integer.init(exactly: number) as? T else { throw mismatch(type) }
            return converted
        }
        return try T(from: ValueDecoder(value: value, codingPath: codingPath))
    }
}
