import ImMetaIOCore
import NDArrayModule

/// Zarr v3 data type names and their fill values, mapped to ``DType``.
enum ZarrDataType {
    static let names: [String: DType] = [
        "bool": .bool, "int8": .int8, "int16": .int16, "int32": .int32, "int64": .int64,
        "uint8": .uint8, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
        "float16": .float16, "float32": .float32, "float64": .float64,
    ]

    static func dtype(_ name: String) -> DType? { names[name] }

    static func name(_ dtype: DType) -> String {
        names.first { $0.value == dtype }?.key ?? dtype.rawValue
    }

    /// One element holding the fill value, as native-order bytes.
    static func fillBytes(_ value: JSONValue, dtype: DType) throws(ImMetaIOError) -> [UInt8] {
        func invalid() -> ImMetaIOError {
            ImMetaIOError(.corruptData, "fill_value \(value) does not fit data type \(name(dtype))")
        }
        func bytes<T>(_ number: T) -> [UInt8] { withUnsafeBytes(of: number) { Array($0) } }
        switch dtype {
        case .bool:
            guard let flag = value.boolValue else { throw invalid() }
            return [flag ? 1 : 0]
        case .float16, .float32, .float64:
            var double: Double
            switch value {
            case .string("NaN"): double = .nan
            case .string("Infinity"): double = .infinity
            case .string("-Infinity"): double = -.infinity
            case .string(let text) where text.hasPrefix("0x"):
                // The exact bit pattern, as hexadecimal of the element's width.
                guard let bits = UInt64(text.dropFirst(2), radix: 16), text.count - 2 == dtype.itemSize * 2 else { throw invalid() }
                return (0..<dtype.itemSize).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
            default:
                guard let number = value.doubleValue else { throw invalid() }
                double = number
            }
            // NDArray's conversion rounds to float16 on every platform (Swift's Float16 is not).
            return NDArray(scalar: double).astype(dtype).withUnsafeBytes { Array($0) }
        default:
            guard let number = value.intValue ?? (value.doubleValue.flatMap { $0 >= 0 && $0 < 0x1p64 && $0.rounded() == $0 ? Int(exactly: $0) : nil })
            else {
                // uint64 values above Int.max arrive as doubles.
                if dtype == .uint64, let double = value.doubleValue, double >= 0, double < 0x1p64, double.rounded() == double {
                    return bytes(UInt64(double))
                }
                throw invalid()
            }
            switch dtype {
            case .int8: guard let v = Int8(exactly: number) else { throw invalid() }; return bytes(v)
            case .int16: guard let v = Int16(exactly: number) else { throw invalid() }; return bytes(v)
            case .int32: guard let v = Int32(exactly: number) else { throw invalid() }; return bytes(v)
            case .int64: return bytes(Int64(number))
            case .uint8: guard let v = UInt8(exactly: number) else { throw invalid() }; return bytes(v)
            case .uint16: guard let v = UInt16(exactly: number) else { throw invalid() }; return bytes(v)
            case .uint32: guard let v = UInt32(exactly: number) else { throw invalid() }; return bytes(v)
            default: guard let v = UInt64(exactly: number) else { throw invalid() }; return bytes(v)
            }
        }
    }

    /// The JSON spelling of a fill value given as one element's native bytes.
    static func fillJSON(_ bytes: [UInt8], dtype: DType) -> JSONValue {
        func load<T>(_: T.Type) -> T { bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) } }
        func float(_ value: Double) -> JSONValue {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
            return .double(value)
        }
        switch dtype {
        case .bool: return .bool(bytes.first != 0)
        case .int8: return .int(Int(load(Int8.self)))
        case .int16: return .int(Int(load(Int16.self)))
        case .int32: return .int(Int(load(Int32.self)))
        case .int64: return .int(Int(load(Int64.self)))
        case .uint8: return .int(Int(load(UInt8.self)))
        case .uint16: return .int(Int(load(UInt16.self)))
        case .uint32: return .int(Int(load(UInt32.self)))
        case .uint64:
            let value = load(UInt64.self)
            return value <= UInt64(Int.max) ? .int(Int(value)) : .double(Double(value))
        case .float16:
            let half = NDArray(unsafeUninitializedShape: [], dtype: .float16) { out in
                bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(2))) }
            }
            return float(half.astype(.float64).scalars(as: Double.self).first ?? 0)
        case .float32: return float(Double(load(Float.self)))
        case .float64: return float(load(Double.self))
        }
    }
}
