#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An n-dimensional array of one ``DType``: shape, C-contiguous copy-on-write storage and typed
/// access without copies.
///
/// Copies of an `NDArray` share their bytes until one of them is mutated, so passing an array to
/// a background save costs nothing. Elements are stored in native byte order, rows last-axis
/// fastest (C order), as numpy does by default.
///
/// ```swift
/// var image = NDArray(shape: [480, 640, 3], dtype: .uint8)
/// image.withUnsafeMutableBufferPointer(of: UInt8.self) { pixels in pixels[0] = 255 }
/// let gray = try NDArray([1.0, 2.0, 3.0, 4.0] as [Double], shape: [2, 2])
/// ```
public struct NDArray: Sendable {
    /// The element type.
    public let dtype: DType
    /// The extent of each axis; empty for a zero-dimensional (scalar) array.
    public private(set) var shape: [Int]
    @usableFromInline var storage: NDArrayStorage

    /// Creates a zero-filled array.
    ///
    /// A negative extent is a programmer error and traps; sizes from files go through
    /// ``init(validatingShape:dtype:)`` or a decode limit first.
    public init(shape: [Int], dtype: DType) {
        let count = NDArray.elementCount(shape)
        self.dtype = dtype
        self.shape = shape
        storage = NDArrayStorage(byteCount: count * dtype.itemSize, zeroed: true)
    }

    /// Creates an array whose bytes the closure initialises, without zero-filling them first.
    ///
    /// Decoders use this to let a C library write straight into the array's storage. The
    /// closure must initialise every byte of the buffer it is given.
    public init(
        unsafeUninitializedShape shape: [Int], dtype: DType,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        let count = NDArray.elementCount(shape)
        self.dtype = dtype
        self.shape = shape
        storage = NDArrayStorage(byteCount: count * dtype.itemSize, zeroed: false)
        try initializer(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount))
    }

    /// Creates an array whose bytes the closure initialises, on transparent huge pages when it is
    /// large (for readers whose kernel calls fill the whole buffer in large copies; see
    /// `NDArrayStorage`). For this package's decoders only.
    package init(
        unsafeUninitializedShape shape: [Int], dtype: DType, hugePages: Bool,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        let count = NDArray.elementCount(shape)
        self.dtype = dtype
        self.shape = shape
        storage = NDArrayStorage(byteCount: count * dtype.itemSize, zeroed: false, hugePages: hugePages)
        try initializer(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount))
    }

    /// Creates an array whose bytes the closure initialises, handing it `scratchBytes` more bytes
    /// than the array needs: a decoder can inflate into the larger buffer and compact in place.
    /// The closure must leave the array's bytes (the first `byteCount`) initialised.
    public init(
        unsafeUninitializedShape shape: [Int], dtype: DType, scratchBytes: Int,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        let count = NDArray.elementCount(shape)
        self.dtype = dtype
        self.shape = shape
        storage = NDArrayStorage(byteCount: count * dtype.itemSize, zeroed: false, extra: max(0, scratchBytes))
        try initializer(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount + max(0, scratchBytes)))
    }

    /// Creates an array from elements in C order.
    ///
    /// - Throws: ``NDArrayError/shapeMismatch(expected:actual:)`` when the shape does not hold
    ///   exactly `values.count` elements.
    public init<Element: NDArrayElement>(_ values: [Element], shape: [Int]) throws(NDArrayError) {
        guard let count = NDArray.checkedElementCount(shape), count == values.count else {
            throw .shapeMismatch(expected: shape, actual: [values.count])
        }
        self.init(unsafeUninitializedShape: shape, dtype: Element.dtype) { raw in
            values.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
    }

    /// Creates a one-dimensional array of the given elements.
    public init<Element: NDArrayElement>(_ values: [Element]) {
        self.init(unsafeUninitializedShape: [values.count], dtype: Element.dtype) { raw in
            values.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
    }

    /// Creates a zero-dimensional array holding one scalar.
    public init<Element: NDArrayElement>(scalar: Element) {
        self.init(unsafeUninitializedShape: [], dtype: Element.dtype) { raw in
            Swift.withUnsafeBytes(of: scalar) { raw.copyMemory(from: $0) }
        }
    }

    /// Creates a zero-filled array from a shape read from untrusted input.
    ///
    /// - Throws: ``NDArrayError/invalidShape(_:)`` when an extent is negative or the byte count
    ///   overflows.
    public init(validatingShape shape: [Int], dtype: DType) throws(NDArrayError) {
        guard let count = NDArray.checkedElementCount(shape),
            !count.multipliedReportingOverflow(by: dtype.itemSize).overflow
        else { throw .invalidShape(shape) }
        self.init(shape: shape, dtype: dtype)
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// Number of elements (the product of the shape; 1 for a scalar).
    public var count: Int { NDArray.elementCount(shape) }

    /// Number of bytes of element data.
    public var byteCount: Int { storage.byteCount }

    /// The element count of a shape, or `nil` when an extent is negative or the product overflows.
    public static func checkedElementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }

    static func elementCount(_ shape: [Int]) -> Int {
        guard let count = checkedElementCount(shape) else {
            preconditionFailure("invalid NDArray shape \(shape)")
        }
        return count
    }
}

// MARK: - Access without copies

extension NDArray {
    /// Calls `body` with the array's bytes.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: storage.byteCount))
    }

    /// Calls `body` with the array's bytes for writing, copying them first if they are shared.
    @inlinable
    public mutating func withUnsafeMutableBytes<R>(
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount))
    }

    /// Calls `body` with the array's bytes for writing, copying them first if they are shared, and
    /// waits for it: for readers that fill the buffer from several tasks as data arrives. The
    /// buffer is valid until `body` returns; `body` must not keep it.
    package mutating func withUnsafeMutableBytesAcrossAwaits<R>(
        _ body: (UnsafeMutableRawBufferPointer) async throws -> R
    ) async rethrows -> R {
        makeUnique()
        return try await body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.byteCount))
    }

    /// Calls `body` with the elements as a typed buffer.
    ///
    /// Asking for an element type other than the array's dtype is a programmer error and traps.
    @inlinable
    public func withUnsafeBufferPointer<Element: NDArrayElement, R>(
        of type: Element.Type, _ body: (UnsafeBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        precondition(Element.dtype == dtype, "NDArray of \(dtype) accessed as \(Element.dtype)")
        let typed = storage.pointer.assumingMemoryBound(to: Element.self)
        return try body(UnsafeBufferPointer(start: typed, count: count))
    }

    /// Calls `body` with the elements as a mutable typed buffer, copying first if shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<Element: NDArrayElement, R>(
        of type: Element.Type, _ body: (UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        precondition(Element.dtype == dtype, "NDArray of \(dtype) accessed as \(Element.dtype)")
        makeUnique()
        let typed = storage.pointer.assumingMemoryBound(to: Element.self)
        return try body(UnsafeMutableBufferPointer(start: typed, count: count))
    }

    /// The elements in C order, copied into a Swift array.
    public func scalars<Element: NDArrayElement>(as type: Element.Type) -> [Element] {
        withUnsafeBufferPointer(of: type) { Array($0) }
    }

    /// Whether this array shares its storage with another copy (for tests of copy-on-write).
    public func sharesStorage(with other: NDArray) -> Bool { storage === other.storage }

    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }
}

// MARK: - Shape changes

extension NDArray {
    /// The same elements viewed with another shape; the storage is shared, not copied.
    ///
    /// One extent may be `-1`: it is inferred from the element count, as in numpy.
    /// - Throws: ``NDArrayError/shapeMismatch(expected:actual:)`` when the counts differ.
    public func reshaped(_ newShape: [Int]) throws(NDArrayError) -> NDArray {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        if inferred.count > 1 { throw .invalidShape(newShape) }
        if let axis = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != axis }.map(\.element)
            guard let rest = NDArray.checkedElementCount(known), rest > 0, count % rest == 0 else {
                throw .shapeMismatch(expected: newShape, actual: shape)
            }
            resolved[axis] = count / rest
        }
        guard NDArray.checkedElementCount(resolved) == count else {
            throw .shapeMismatch(expected: newShape, actual: shape)
        }
        var view = self
        view.shape = resolved
        return view
    }

    /// A C-contiguous copy with the axes permuted: axis `i` of the result is axis `axes[i]` of
    /// this array (numpy's `transpose`).
    /// - Throws: ``NDArrayError/invalidAxes(_:rank:)`` unless `axes` is a permutation of `0..<rank`.
    public func transposed(_ axes: [Int]) throws(NDArrayError) -> NDArray {
        guard axes.count == rank, Set(axes) == Set(0..<rank) else { throw .invalidAxes(axes, rank: rank) }
        return permuted(axes)
    }

    /// ``transposed(_:)`` for permutations the caller builds (not from input): axes at the end that
    /// keep their place are copied as one contiguous run.
    package func permuted(_ axes: [Int]) -> NDArray {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "not a permutation of the axes")
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let itemSize = dtype.itemSize
        var kept = 0
        while kept < rank, axes[rank - 1 - kept] == rank - 1 - kept { kept += 1 }
        let run = shape.suffix(kept).reduce(itemSize, *)
        let outer = rank - kept
        var sourceStrides = [Int](repeating: itemSize, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[axis] = sourceStrides[axis + 1] * shape[axis + 1] }
        let permutedStrides = axes.prefix(outer).map { sourceStrides[$0] }
        return withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: newShape, dtype: dtype) { destination in
                guard !destination.isEmpty, let from = source.baseAddress, let to = destination.baseAddress else { return }
                var index = [Int](repeating: 0, count: outer)
                var offset = 0, written = 0
                while true {
                    (to + written).copyMemory(from: from + offset, byteCount: run)
                    written += run
                    var axis = outer - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += permutedStrides[axis]
                        if index[axis] < newShape[axis] { break }
                        offset -= permutedStrides[axis] * newShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                    if axis < 0 { return }
                }
            }
        }
    }

    /// Stacks arrays of one shape and dtype along a new leading axis.
    /// - Throws: ``NDArrayError/shapeMismatch(expected:actual:)`` or
    ///   ``NDArrayError/dtypeMismatch(expected:actual:)`` when the arrays differ.
    public static func stacked(_ arrays: [NDArray]) throws(NDArrayError) -> NDArray {
        guard let first = arrays.first else { throw .invalidShape([0]) }
        for array in arrays {
            guard array.shape == first.shape else { throw .shapeMismatch(expected: first.shape, actual: array.shape) }
            guard array.dtype == first.dtype else { throw .dtypeMismatch(expected: first.dtype, actual: array.dtype) }
        }
        return NDArray(unsafeUninitializedShape: [arrays.count] + first.shape, dtype: first.dtype) { raw in
            var offset = 0
            for array in arrays {
                array.withUnsafeBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: raw[offset..<offset + bytes.count]).copyMemory(from: bytes)
                }
                offset += array.byteCount
            }
        }
    }
}

// MARK: - Equality and description

extension NDArray: Equatable {
    /// Arrays are equal when dtype, shape and every byte are equal (so NaNs with equal bits compare
    /// equal, and `0.0` differs from `-0.0`).
    public static func == (lhs: NDArray, rhs: NDArray) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        // Same dtype and shape: the same byte count.
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                // memcmp: a byte loop through elementsEqual took ~1 s for 400 MB.
                a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }
}

extension NDArray: CustomStringConvertible {
    /// A summary such as `NDArray(shape: [480, 640, 3], dtype: uint8)`.
    public var description: String { "NDArray(shape: \(shape), dtype: \(dtype))" }
}

extension NDArray: Hashable {
    /// Hashes dtype, shape and bytes, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(dtype)
        hasher.combine(shape)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
