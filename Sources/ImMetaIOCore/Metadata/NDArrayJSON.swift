import NDArrayModule

/// The JSON form of an `NDArray` that Python immetaio uses in sidecars:
/// `{"type": "ndarray", "values": <nested lists, numpy's tolist()>, "dtype": "<f4"}`.
public enum NDArrayJSON {
    /// The object form of an array. Elements become JSON numbers (floats as the double nearest
    /// the stored value, as numpy's `tolist()` gives them) or booleans. uint64 values above
    /// `Int.max` become doubles.
    public static func object(for array: NDArray) -> JSONValue {
        let flat = elements(of: array)
        var offset = 0
        func nest(_ axis: Int) -> JSONValue {
            if axis == array.shape.count {
                defer { offset += 1 }
                return flat[offset]
            }
            return .array((0..<array.shape[axis]).map { _ in nest(axis + 1) })
        }
        return ["type": "ndarray", "values": nest(0), "dtype": .string(array.dtype.typestr)]
    }

    private static func elements(of array: NDArray) -> [JSONValue] {
        func integers<T: FixedWidthInteger & NDArrayElement>(_ type: T.Type) -> [JSONValue] {
            array.scalars(as: type).map { value in Int(exactly: value).map(JSONValue.int) ?? .double(Double(value)) }
        }
        switch array.dtype {
        case .bool: return array.scalars(as: Bool.self).map(JSONValue.bool)
        case .uint8: return integers(UInt8.self)
        case .uint16: return integers(UInt16.self)
        case .uint32: return integers(UInt32.self)
        case .uint64: return integers(UInt64.self)
        case .int8: return integers(Int8.self)
        case .int16: return integers(Int16.self)
        case .int32: return integers(Int32.self)
        case .int64: return integers(Int64.self)
        case .float16, .float32: return array.astype(.float64).scalars(as: Double.self).map(JSONValue.double)
        case .float64: return array.scalars(as: Double.self).map(JSONValue.double)
        }
    }

    /// Why an object tagged `"type": "ndarray"` cannot become an array.
    public struct InvalidArray: Error, Sendable, CustomStringConvertible {
        /// The problem.
        public var description: String
    }

    /// The array an object describes, `nil` when the object is not tagged `"type": "ndarray"`.
    ///
    /// Without a `dtype`, numpy's inference applies: bool if every value is, int64 if every value
    /// is an integer, float64 otherwise.
    public static func array(from object: JSONObject) throws(InvalidArray) -> NDArray? {
        guard object["type"]?.stringValue == "ndarray" else { return nil }
        guard let values = object["values"] else { throw InvalidArray(description: "ndarray without 'values'") }
        var shape: [Int] = []
        var probe = values
        while case .array(let items) = probe {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        var leaves: [JSONValue] = []
        func collect(_ value: JSONValue, _ axis: Int) throws(InvalidArray) {
            if axis == shape.count {
                guard value.isScalar, value != .null, value.stringValue == nil else {
                    throw InvalidArray(description: "ndarray values must be a rectangular nesting of numbers")
                }
                leaves.append(value)
                return
            }
            guard case .array(let items) = value, items.count == shape[axis] else {
                throw InvalidArray(description: "ndarray values are not rectangular (expected \(shape[axis]) items on axis \(axis))")
            }
            for item in items { try collect(item, axis + 1) }
        }
        try collect(values, 0)
        let dtype: DType
        if let name = object["dtype"]?.stringValue {
            guard let parsed = DType(name) else { throw InvalidArray(description: "unsupported ndarray dtype '\(name)'") }
            dtype = parsed
        } else if leaves.isEmpty {
            dtype = .float64
        } else if leaves.allSatisfy({ $0.boolValue != nil }) {
            dtype = .bool
        } else if leaves.allSatisfy({ if case .int = $0 { true } else { false } }) {
            dtype = .int64
        } else {
            dtype = .float64
        }
        switch dtype {
        case .bool:
            return NDArray(leaves.map { $0.boolValue ?? (($0.doubleValue ?? 0) != 0) }).reshapedUnchecked(shape)
        case .float16, .float32, .float64:
            return NDArray(leaves.map { $0.doubleValue ?? ($0.boolValue == true ? 1 : 0) }).astype(dtype).reshapedUnchecked(shape)
        default:
            // Integers go through Int64 (exact); doubles in an integer array round as astype does.
            let allIntegers = leaves.allSatisfy { if case .double = $0 { false } else { true } }
            if allIntegers {
                return NDArray(leaves.map { Int64($0.intValue ?? ($0.boolValue == true ? 1 : 0)) }).astype(dtype).reshapedUnchecked(shape)
            }
            return NDArray(leaves.map { $0.doubleValue ?? ($0.boolValue == true ? 1 : 0) }).astype(dtype).reshapedUnchecked(shape)
        }
    }
}

extension NDArray {
    /// A reshape whose element count is known to match.
    fileprivate func reshapedUnchecked(_ shape: [Int]) -> NDArray {
        (try? reshaped(shape)) ?? self
    }
}
