import NDArrayModule
import Testing

@Suite struct NPYTests {
    static func sample(_ dtype: DType) -> NDArray {
        NDArray([0, 1, 2, 3, 4, 5, 250, 7] as [Double]).astype(dtype)
    }

    @Test(arguments: DType.allCases)
    func roundTripsEveryDType(dtype: DType) throws {
        let array = try Self.sample(dtype).reshaped([2, 2, 2])
        let bytes = NPY.encode(array)
        #expect(bytes.count % 64 == array.byteCount % 64)
        let decoded = try bytes.withUnsafeBytes { try NPY.decode($0) }
        #expect(decoded == array)
    }

    @Test func writesNumpysHeader() {
        let header = NPY.encodeHeader(shape: [3], dtype: .uint16)
        let text = String(decoding: header[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }"))
        #expect(header.count == 128)
        #expect(header.last == 0x0A)
        #expect(Array(header[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    }

    /// Builds an NPY file by hand (as numpy would for these headers).
    static func file(version: UInt8, header dict: String, data: [UInt8]) -> [UInt8] {
        let prefix = version == 1 ? 10 : 12
        var text = Array(dict.utf8)
        while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var bytes = NPY.magic + [version, 0]
        let lengthBytes = version == 1 ? 2 : 4
        for i in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: text.count >> (8 * i))) }
        return bytes + text + data
    }

    @Test func readsBigEndianAndVersions2And3() throws {
        for version: UInt8 in [1, 2, 3] {
            let file = Self.file(
                version: version, header: "{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }", data: [0x01, 0x02, 0x00, 0xFF])
            let array = try file.withUnsafeBytes { try NPY.decode($0) }
            #expect(array.scalars(as: UInt16.self) == [0x0102, 0x00FF])
            let header = try file.withUnsafeBytes { try NPY.readHeader($0) }
            #expect(header.version.major == version)
            #expect(header.byteOrder == .bigEndian)
        }
    }

    @Test func readsFortranOrder() throws {
        // np.arange(6, dtype='<i4').reshape(2, 3) saved with order='F': memory 0 3 1 4 2 5.
        let data = [0, 3, 1, 4, 2, 5].flatMap { value -> [UInt8] in [UInt8(value), 0, 0, 0] }
        let file = Self.file(version: 1, header: "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", data: data)
        let array = try file.withUnsafeBytes { try NPY.decode($0) }
        #expect(array.shape == [2, 3])
        #expect(array.scalars(as: Int32.self) == [0, 1, 2, 3, 4, 5])
    }

    @Test func refusesObjectArraysAndBadFiles() throws {
        let object = Self.file(version: 1, header: "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: [0])
        #expect(throws: NPYError.unsupportedDType("|O")) { try object.withUnsafeBytes { try NPY.decode($0) } }
        let error = NPYError.unsupportedDType("|O")
        #expect(error.description.contains("object arrays"))
        let truncated = Self.file(version: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", data: [0, 0])
        #expect(throws: NPYError.self) { try truncated.withUnsafeBytes { try NPY.decode($0) } }
        let structured = Self.file(version: 1, header: "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        #expect(throws: NPYError.self) { try structured.withUnsafeBytes { try NPY.decode($0) } }
        let garbage = Self.file(version: 1, header: "{'descr': '<f8', 'shape': ((((", data: [])
        #expect(throws: NPYError.self) { try garbage.withUnsafeBytes { try NPY.decode($0) } }
        #expect(throws: NPYError.notNPY) { try [1, 2, 3].withUnsafeBytes { try NPY.decode($0) } }
        let huge = Self.file(version: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", data: [])
        #expect(throws: NPYError.self) { try huge.withUnsafeBytes { try NPY.decode($0, maxByteCount: 1 << 30) } }
        let deep = Self.file(version: 1, header: String(repeating: "(", count: 5000), data: [])
        #expect(throws: NPYError.self) { try deep.withUnsafeBytes { try NPY.readHeader($0) } }
    }
}
