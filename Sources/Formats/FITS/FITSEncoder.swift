import CFITSIO
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Writes one array as the primary image HDU of a FITS file built in memory.
enum FITSEncoder {
    static func encode(_ image: NDArray, header: JSONObject, to sink: OutputSink) throws {
        let (bitpix, datatype): (Int32, Int32)
        switch image.dtype {
        case .uint8: (bitpix, datatype) = (BYTE_IMG, TBYTE)
        case .int8: (bitpix, datatype) = (SBYTE_IMG, TSBYTE)
        case .int16: (bitpix, datatype) = (SHORT_IMG, TSHORT)
        case .uint16: (bitpix, datatype) = (USHORT_IMG, TUSHORT)
        case .int32: (bitpix, datatype) = (LONG_IMG, TINT)
        case .uint32: (bitpix, datatype) = (ULONG_IMG, TUINT)
        case .int64: (bitpix, datatype) = (LONGLONG_IMG, TLONGLONG)
        case .uint64: (bitpix, datatype) = (ULONGLONG_IMG, TULONGLONG)
        case .float32: (bitpix, datatype) = (FLOAT_IMG, TFLOAT)
        case .float64: (bitpix, datatype) = (DOUBLE_IMG, TDOUBLE)
        case .float16, .bool:
            throw ImMetaIOError(.invalidArgument, "FITS has no \(image.dtype) images; convert to float32 or uint8", file: sink.displayName)
        }
        guard (1...999).contains(image.rank) else {
            throw ImMetaIOError(.invalidArgument, "FITS images have 1 to 999 axes, not \(image.rank)", file: sink.displayName)
        }
        let address = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        let size = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        address.initialize(to: malloc(2880))
        size.initialize(to: 2880)
        defer {
            free(address.pointee)
            address.deallocate()
            size.deallocate()
        }
        var status: Int32 = 0
        var file: UnsafeMutablePointer<fitsfile>?
        ffimem(&file, address, size, 2880, realloc, &status)
        var axes = image.shape.reversed().map { Int64($0) }
        ffcrimll(file, bitpix, Int32(image.rank), &axes, &status)
        for (key, value) in header where status == 0 {
            guard key.utf8.count <= 8, !["SIMPLE", "BITPIX", "EXTEND", "BZERO", "BSCALE", "END"].contains(key.uppercased()),
                !key.uppercased().hasPrefix("NAXIS")
            else { continue }
            switch value {
            case .string(let text): ffpkys(file, key, text, nil, &status)
            case .int(var number): ffpky(file, TLONGLONG, key, &number, nil, &status)
            case .double(var number): ffpky(file, TDOUBLE, key, &number, nil, &status)
            case .bool(let flag):
                var logical: Int32 = flag ? 1 : 0
                ffpky(file, TLOGICAL, key, &logical, nil, &status)
            default: continue
            }
        }
        var first = [Int64](repeating: 1, count: image.rank)
        if image.count > 0 {
            image.withUnsafeBytes { raw in
                _ = ffppxll(file, datatype, &first, Int64(image.count), UnsafeMutableRawPointer(mutating: raw.baseAddress), &status)
            }
        }
        var closeStatus: Int32 = 0
        ffclos(file, &closeStatus)
        guard status == 0, closeStatus == 0, let bytes = address.pointee else {
            throw ImMetaIOError(.io, "FITS encoding failed: \(fitsMessage(status != 0 ? status : closeStatus))", file: sink.displayName)
        }
        // The file's size is a whole number of 2880-byte blocks.
        let used = (size.pointee / 2880) * 2880
        try sink.write(UnsafeRawBufferPointer(start: bytes, count: used))
    }
}
