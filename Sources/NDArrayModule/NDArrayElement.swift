/// A Swift type that can be an element of an ``NDArray``: it names the ``DType`` it stands for.
///
/// `Bool`, the fixed-width integers, `Float16` (where the platform has it), `Float` and `Double`
/// conform. Typed access (``NDArray/withUnsafeBufferPointer(of:_:)``) checks that the array's
/// dtype is the element's.
public protocol NDArrayElement: Sendable, Equatable {
    /// The dtype whose memory layout this type has.
    static var dtype: DType { get }
}

extension Bool: NDArrayElement { public static var dtype: DType { .bool } }
extension UInt8: NDArrayElement { public static var dtype: DType { .uint8 } }
extension UInt16: NDArrayElement { public static var dtype: DType { .uint16 } }
extension UInt32: NDArrayElement { public static var dtype: DType { .uint32 } }
extension UInt64: NDArrayElement { public static var dtype: DType { .uint64 } }
extension Int8: NDArrayElement { public static var dtype: DType { .int8 } }
extension Int16: NDArrayElement { public static var dtype: DType { .int16 } }
extension Int32: NDArrayElement { public static var dtype: DType { .int32 } }
extension Int64: NDArrayElement { public static var dtype: DType { .int64 } }
extension Float: NDArrayElement { public static var dtype: DType { .float32 } }
extension Double: NDArrayElement { public static var dtype: DType { .float64 } }
#if !(os(macOS) && arch(x86_64))
extension Float16: NDArrayElement { public static var dtype: DType { .float16 } }
#endif
