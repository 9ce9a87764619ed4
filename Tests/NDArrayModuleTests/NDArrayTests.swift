import NDArrayModule
import Testing

@Suite struct DTypeTests {
    @Test(arguments: [
        (DType.bool, "|b1"), (.uint8, "|u1"), (.uint16, "<u2"), (.uint32, "<u4"), (.uint64, "<u8"), (.int8, "|i1"),
        (.int16, "<i2"), (.int32, "<i4"), (.int64, "<i8"), (.float16, "<f2"), (.float32, "<f4"), (.float64, "<f8"),
    ])
    func typestrRoundTrips(dtype: DType, typestr: String) {
        #expect(dtype.typestr == typestr)
        #expect(DType(typestr) == dtype)
        #expect(DType(dtype.rawValue) == dtype)
    }

    @Test func parsesByteOrdersAndRefusesOthers() {
        #expect(DType(">f8") == .float64)
        #expect(DType("?") == .bool)
        #expect(ByteOrder(typestr: ">u2") == .bigEndian)
        #expect(ByteOrder(typestr: "|u1") == .native)
        #expect(DType("|O") == nil)
        #expect(DType("<c8") == nil)
        #expect(DType("<U5") == nil)
    }
}

@Suite struct NDArrayTests {
    @Test func createsFromScalarsAndChecksShape() throws {
        let array = try NDArray([1, 2, 3, 4, 5, 6] as [Int16], shape: [2, 3])
        #expect(array.shape == [2, 3])
        #expect(array.dtype == .int16)
        #expect(array.count == 6)
        #expect(array.byteCount == 12)
        #expect(array.scalars(as: Int16.self) == [1, 2, 3, 4, 5, 6])
        #expect(throws: NDArrayError.self) { try NDArray([1, 2, 3] as [Int16], shape: [2, 2]) }
        let scalar = NDArray(scalar: 2.5)
        #expect(scalar.shape == [])
        #expect(scalar.count == 1)
        #expect(scalar.scalars(as: Double.self) == [2.5])
        #expect(NDArray(shape: [2, 2], dtype: .float32).scalars(as: Float.self) == [0, 0, 0, 0])
    }

    @Test func copyOnWriteSharesUntilMutation() {
        let original = NDArray([1, 2, 3] as [UInt8])
        var copy = original
        #expect(copy.sharesStorage(with: original))
        copy.withUnsafeMutableBufferPointer(of: UInt8.self) { $0[0] = 9 }
        #expect(!copy.sharesStorage(with: original))
        #expect(original.scalars(as: UInt8.self) == [1, 2, 3])
        #expect(copy.scalars(as: UInt8.self) == [9, 2, 3])
    }

    @Test func reshapeSharesStorageAndInfersOneAxis() throws {
        let array = NDArray(Array(0..<24) as [Int32])
        let reshaped = try array.reshaped([2, -1, 4])
        #expect(reshaped.shape == [2, 3, 4])
        #expect(reshaped.sharesStorage(with: array))
        #expect(throws: NDArrayError.self) { try array.reshaped([5, 5]) }
        #expect(throws: NDArrayError.self) { try array.reshaped([-1, -1]) }
    }

    @Test func transposeMatchesNumpy() throws {
        let array = try NDArray(Array(0..<24) as [Int32], shape: [2, 3, 4])
        let transposed = try array.transposed([2, 0, 1])
        #expect(transposed.shape == [4, 2, 3])
        // numpy: np.arange(24).reshape(2,3,4).transpose(2,0,1).ravel()[:8]
        #expect(Array(transposed.scalars(as: Int32.self).prefix(8)) == [0, 4, 8, 12, 16, 20, 1, 5])
        #expect(throws: NDArrayError.self) { try array.transposed([0, 0, 1]) }
    }

    @Test func stacksAlongANewAxis() throws {
        let a = NDArray([1, 2] as [UInt8]), b = NDArray([3, 4] as [UInt8])
        let stacked = try NDArray.stacked([a, b])
        #expect(stacked.shape == [2, 2])
        #expect(stacked.scalars(as: UInt8.self) == [1, 2, 3, 4])
        #expect(throws: NDArrayError.self) { try NDArray.stacked([a, NDArray([1] as [UInt8])]) }
    }

    @Test func equalityComparesDTypeShapeAndBytes() throws {
        let a = NDArray([1, 2, 3, 4] as [UInt8])
        #expect(a == NDArray([1, 2, 3, 4] as [UInt8]))
        #expect(a != NDArray([1, 2, 3, 5] as [UInt8]))
        #expect(a != (try a.reshaped([2, 2])))
        #expect(a != a.astype(.uint16))
    }
}

@Suite struct ConversionTests {
    @Test func floatToIntegerRoundsHalfToEvenAndClips() {
        let values = NDArray([-1.5, -0.5, 0.5, 1.5, 2.5, 254.6, 300, -7, .nan, .infinity] as [Double])
        #expect(values.astype(.uint8).scalars(as: UInt8.self) == [0, 0, 0, 2, 2, 255, 255, 0, 0, 255])
        #expect(values.astype(.int8).scalars(as: Int8.self) == [-2, 0, 0, 2, 2, 127, 127, -7, 0, 127])
        let big = NDArray([1e30, -1e30, 9.3e18] as [Double])
        #expect(big.astype(.int64).scalars(as: Int64.self) == [.max, .min, .max])
        #expect(big.astype(.uint64).scalars(as: UInt64.self) == [.max, 0, 9_300_000_000_000_000_000])
    }

    @Test func integersSaturate() {
        let values = NDArray([-300, -1, 0, 200, 70000] as [Int32])
        #expect(values.astype(.uint8).scalars(as: UInt8.self) == [0, 0, 0, 200, 255])
        #expect(values.astype(.int16).scalars(as: Int16.self) == [-300, -1, 0, 200, 32767])
        #expect(NDArray([UInt64.max]).astype(.int64).scalars(as: Int64.self) == [.max])
    }

    @Test func boolConversions() {
        #expect(NDArray([0, 0.5, .nan] as [Double]).astype(.bool).scalars(as: Bool.self) == [false, true, true])
        #expect(NDArray([true, false]).astype(.float32).scalars(as: Float.self) == [1, 0])
    }

    @Test func float16MatchesIEEE() {
        // Bit patterns numpy gives for np.array([...], np.float16).view(np.uint16).
        let values = NDArray([1.0, -2.0, 65504, 70000, 6e-8, 1e-8, 0.1, 1.0009765625, .infinity, -0.0] as [Double])
        let half = values.astype(.float16)
        let bits = half.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(bits == [0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x0001, 0x0000, 0x2E66, 0x3C01, 0x7C00, 0x8000])
        let back = half.astype(.float64).scalars(as: Double.self)
        #expect(back[0] == 1 && back[2] == 65504 && back[3].isInfinite && back[4] == 0x1p-24)
        #expect(NDArray([Double.nan]).astype(.float16).astype(.float32).scalars(as: Float.self)[0].isNaN)
        // Ties to even: 2049 lies halfway between 2048 and 2050.
        #expect(NDArray([2049] as [Int32]).astype(.float16).astype(.int32).scalars(as: Int32.self) == [2048])
    }

    @Test func sameDTypeReturnsSameStorage() {
        let array = NDArray([1, 2] as [Float])
        #expect(array.astype(.float32).sharesStorage(with: array))
    }
}
