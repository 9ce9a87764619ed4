import CDeflate
import CFITSIO
import Foundation
import ImMetaIOCore
import NDArrayModule

/// An open cfitsio file over memory, and the memory: released together whatever happens.
///
/// cfitsio keeps pointers to the buffer's address and size for the file's lifetime, so they live
/// here, next to the handle that uses them.
final class FITSMemoryFile {
    let address = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
    let size = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    /// A gunzipped copy, owned here, when the file was gzip-compressed.
    var inflated: UnsafeMutableRawPointer?
    var handle: UnsafeMutablePointer<fitsfile>?

    init() {
        address.initialize(to: nil)
        size.initialize(to: 0)
    }

    deinit {
        var status: Int32 = 0
        if let handle { ffclos(handle, &status) }
        address.deallocate()
        size.deallocate()
        inflated?.deallocate()
    }
}

/// Reads the image HDUs of one FITS file held in memory.
final class FITSReader: ImageReader {
    private let request: ReadRequest
    private let raw: Bool
    private let memory = FITSMemoryFile()
    private var file: UnsafeMutablePointer<fitsfile>? { memory.handle }
    /// The HDU numbers (1-based) that hold images, in file order.
    private let imageHDUs: [Int32]

    struct Layout {
        var shape: [Int]
        var dtype: DType
        var datatype: Int32
        var blank: Bool
        /// BSCALE and BZERO to apply in float32 arithmetic, as astropy does for 8/16-bit integers.
        var float32Scaling: (scale: Float, zero: Float, rawType: Int32, rawDType: DType, blank: Double?)?
    }

    init(_ request: ReadRequest, raw: Bool, hdu: JSONValue?) throws {
        self.request = request
        self.raw = raw
        let bytes = request.bytes.stableBytes
        var start = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
        var size = bytes.count
        if bytes.starts(with: [0x1F, 0x8B]) {
            (start, size) = try Self.gunzip(bytes, request: request)
            memory.inflated = start
        }
        if size % 2880 != 0 {
            // cfitsio reads memory files in whole 2880-byte records and would read past the end of
            // a truncated one: give it a zero-padded copy.
            let padded = (size / 2880 + 1) * 2880
            let copy = UnsafeMutableRawPointer.allocate(byteCount: padded, alignment: 16)
            copy.initializeMemory(as: UInt8.self, repeating: 0, count: padded)
            if let start { copy.copyMemory(from: start, byteCount: size) }
            memory.inflated?.deallocate()
            memory.inflated = copy
            start = copy
            size = padded
        }
        do throws(FITSHeaderCheck.Invalid) {
            try FITSHeaderCheck.validate(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : size))
        } catch {
            throw request.error(.corruptData, "invalid tile-compressed image header: \(error.reason)")
        }
        memory.address.pointee = start
        memory.size.pointee = size
        var status: Int32 = 0
        var handle: UnsafeMutablePointer<fitsfile>?
        ffomem(&handle, "memory.fits", READONLY, memory.address, memory.size, 0, nil, &status)
        guard status == 0, let handle else {
            if let handle { memory.handle = handle }
            throw request.error(.corruptData, "invalid FITS file: \(fitsMessage(status))")
        }
        memory.handle = handle
        var count: Int32 = 0
        ffthdu(handle, &count, &status)
        var images: [Int32] = []
        for number in 1...max(1, count) where status == 0 {
            var kind: Int32 = 0
            ffmahd(handle, number, &kind, &status)
            var axes: Int32 = 0
            ffgidm(handle, &axes, &status)
            // Random-groups data (GROUPS = T) is not an image.
            var groups: Int32 = 0
            var keyStatus: Int32 = 0
            ffgkyl(handle, "GROUPS", &groups, nil, &keyStatus)
            if keyStatus != 0 {
                ffcmsg()
                groups = 0
            }
            if status == 0, kind == IMAGE_HDU, axes > 0, groups == 0 { images.append(number) }
            if status != 0 { break }
        }
        if status != 0 {
            ffcmsg()
            status = 0
        }
        if let hdu {
            let number: Int32?
            if let index = hdu.intValue {
                number = images.contains(Int32(index + 1)) ? Int32(index + 1) : nil
            } else if let name = hdu.stringValue {
                number = images.first { Self.extname(handle, $0)?.uppercased() == name.uppercased() }
            } else {
                number = nil
            }
            guard let number else {
                imageHDUs = []
                throw request.error(.invalidArgument, "no image HDU \(hdu) (image HDUs: \(images.map { Int($0) - 1 }))")
            }
            imageHDUs = [number]
        } else {
            imageHDUs = images
        }
        guard !imageHDUs.isEmpty else { throw request.error(.unsupportedFeature, "the FITS file holds no image HDU (tables or random groups only)") }
    }

    private static func gunzip(_ bytes: UnsafeRawBufferPointer, request: ReadRequest) throws -> (UnsafeMutableRawPointer, Int) {
        // gzip records the uncompressed size modulo 2^32 in its last four bytes.
        guard bytes.count >= 18 else { throw request.error(.corruptData, "truncated gzip data") }
        let size = (0..<4).reduce(0) { $0 | Int(bytes[bytes.count - 4 + $1]) << (8 * $1) }
        guard size > 0, size <= request.limits.maxBytes else {
            throw request.error(.limitExceeded, "gzip-compressed FITS of \(size) bytes exceeds the limits")
        }
        guard let decompressor = libdeflate_alloc_decompressor() else { throw request.error(.io, "no decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        let output = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        var produced = 0
        let result = libdeflate_gzip_decompress(decompressor, bytes.baseAddress, bytes.count, output, size, &produced)
        guard result == LIBDEFLATE_SUCCESS, produced == size else {
            output.deallocate()
            throw request.error(.corruptData, "damaged gzip data")
        }
        return (output, size)
    }

    private static func extname(_ file: UnsafeMutablePointer<fitsfile>, _ number: Int32) -> String? {
        var status: Int32 = 0
        var kind: Int32 = 0
        ffmahd(file, number, &kind, &status)
        var value = [CChar](repeating: 0, count: 81)
        ffgkys(file, "EXTNAME", &value, nil, &status)
        if status != 0 {
            ffcmsg()
            return number == 1 ? "PRIMARY" : nil
        }
        return String(decoding: value.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func move(to index: Int) throws -> UnsafeMutablePointer<fitsfile> {
        guard let file, imageHDUs.indices.contains(index) else {
            throw request.error(.invalidArgument, "image \(index) does not exist; the file holds \(imageHDUs.count)")
        }
        var status: Int32 = 0
        var kind: Int32 = 0
        ffmahd(file, imageHDUs[index], &kind, &status)
        guard status == 0 else { throw request.error(.corruptData, "cannot read HDU \(imageHDUs[index] - 1): \(fitsMessage(status))") }
        return file
    }

    private func keyDouble(_ file: UnsafeMutablePointer<fitsfile>, _ key: String) -> Double? {
        var status: Int32 = 0
        var value = 0.0
        ffgkyd(file, key, &value, nil, &status)
        if status != 0 {
            ffcmsg()
            return nil
        }
        return value
    }

    private func layout(_ index: Int) throws -> Layout {
        let file = try move(to: index)
        var status: Int32 = 0
        var bitpix: Int32 = 0, equivalent: Int32 = 0, axes: Int32 = 0
        ffgidt(file, &bitpix, &status)
        ffgiet(file, &equivalent, &status)
        if equivalent == LONGLONG_IMG, keyDouble(file, "BZERO") == 0x1p63, keyDouble(file, "BSCALE") ?? 1 == 1 {
            // The standard offset of unsigned 64-bit data, which this cfitsio does not report
            // as an equivalent type (astropy reads it as uint64).
            equivalent = ULONGLONG_IMG
        }
        ffgidm(file, &axes, &status)
        guard status == 0, axes > 0, axes <= 999 else { throw request.error(.corruptData, "invalid image header: \(fitsMessage(status))") }
        var sizes = [Int64](repeating: 0, count: Int(axes))
        ffgiszll(file, axes, &sizes, &status)
        guard status == 0, sizes.allSatisfy({ $0 >= 0 }) else { throw request.error(.corruptData, "invalid image size") }
        let shape = sizes.reversed().map { Int($0) }
        let blank = !raw && bitpix > 0 && keyDouble(file, "BLANK") != nil
        var type = raw ? bitpix : equivalent
        if blank { type = bitpix <= 16 ? FLOAT_IMG : DOUBLE_IMG }
        let (dtype, datatype): (DType, Int32) = switch type {
        case BYTE_IMG: (.uint8, TBYTE)
        case SBYTE_IMG: (.int8, TSBYTE)
        case SHORT_IMG: (.int16, TSHORT)
        case USHORT_IMG: (.uint16, TUSHORT)
        case LONG_IMG: (.int32, TINT)
        case ULONG_IMG: (.uint32, TUINT)
        case LONGLONG_IMG: (.int64, TLONGLONG)
        case ULONGLONG_IMG: (.uint64, TULONGLONG)
        case FLOAT_IMG: (.float32, TFLOAT)
        default: (.float64, TDOUBLE)
        }
        var scaling: (Float, Float, Int32, DType, Double?)?
        if !raw, bitpix == BYTE_IMG || bitpix == SHORT_IMG, dtype == .float32 {
            // astropy converts to float32 first and scales in float32; cfitsio would scale in
            // double and round once, which differs in the last bit.
            let scale = keyDouble(file, "BSCALE") ?? 1, zero = keyDouble(file, "BZERO") ?? 0
            scaling = (Float(scale), Float(zero), bitpix == BYTE_IMG ? TBYTE : TSHORT, bitpix == BYTE_IMG ? .uint8 : .int16,
                       keyDouble(file, "BLANK"))
        }
        return Layout(shape: shape, dtype: dtype, datatype: datatype, blank: blank, float32Scaling: scaling)
    }

    func imageCount() throws -> Int { imageHDUs.count }

    func properties(at index: Int) throws -> ImageProperties {
        let layout = try layout(index)
        return ImageProperties(shape: layout.shape, dtype: layout.dtype, imageCount: imageHDUs.count)
    }

    func metadata(at index: Int) throws -> JSONObject {
        let file = try move(to: index)
        var status: Int32 = 0
        var count: Int32 = 0, more: Int32 = 0
        ffghsp(file, &count, &more, &status)
        var header = JSONObject()
        for number in 1...max(1, count) where status == 0 && count > 0 {
            var name = [CChar](repeating: 0, count: 80), value = [CChar](repeating: 0, count: 80)
            ffgkyn(file, number, &name, &value, nil, &status)
            let key = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let text = String(decoding: value.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key != "COMMENT", key != "HISTORY", key != "END" else { continue }
            header[key] = Self.parseValue(text)
        }
        if status != 0 { ffcmsg() }
        var meta: JSONObject = ["hdu": .int(Int(imageHDUs[index]) - 1)]
        if let name = header["EXTNAME"]?.stringValue { meta["extname"] = .string(name) }
        if let bitpix = header["BITPIX"] { meta["bitpix"] = bitpix }
        meta["header"] = .object(header)
        return meta
    }

    /// A card value: quoted strings, T/F, integers and floats (FITS writes exponents with D too).
    static func parseValue(_ text: String) -> JSONValue {
        if text.hasPrefix("'") {
            var inner = text.dropFirst()
            if inner.hasSuffix("'") { inner = inner.dropLast() }
            return .string(inner.replacingOccurrences(of: "''", with: "'").trimmingCharacters(in: .whitespaces))
        }
        if text == "T" { return .bool(true) }
        if text == "F" { return .bool(false) }
        if let integer = Int(text) { return .int(integer) }
        if let number = Double(text.replacingOccurrences(of: "D", with: "E")) { return .double(number) }
        return text.isEmpty ? .null : .string(text)
    }

    func read(at index: Int) throws -> NDArray {
        let layout = try layout(index)
        let file = try move(to: index)
        // cfitsio's memory driver reads whole records past the end of a data unit that the file
        // cuts short (pixel reads and checksums both; found by fuzzing under AddressSanitizer):
        // refuse such a unit before cfitsio reads it.
        var headerStart: Int64 = 0, dataStart: Int64 = 0, dataEnd: Int64 = 0, extentStatus: Int32 = 0
        ffghadll(file, &headerStart, &dataStart, &dataEnd, &extentStatus)
        guard extentStatus == 0, dataStart >= 0, dataEnd <= Int64(memory.size.pointee) else {
            ffcmsg()
            throw request.error(.corruptData, "the image's data runs past the end of the file (the file is cut short)")
        }
        var compressionStatus: Int32 = 0
        if fits_is_compressed_image(file, &compressionStatus) != 0 {
            // cfitsio's tile decoders are not safe on damaged data: check the checksum when the
            // file has one, and walk every Rice tile before cfitsio decodes it.
            var dataStatus: Int32 = 0, headerStatus: Int32 = 0, status: Int32 = 0
            ffvcks(file, &dataStatus, &headerStatus, &status)
            ffcmsg()
            if status == 0, dataStatus == -1 {
                throw request.error(.corruptData, "the compressed image's DATASUM checksum does not match")
            }
            let image = UnsafeRawBufferPointer(start: memory.address.pointee, count: memory.size.pointee)
            do throws(RiceValidator.Invalid) {
                try RiceValidator.check(file, bytes: image)
            } catch {
                throw request.error(.corruptData, "damaged tile-compressed image: \(error.reason)")
            }
            _ = try move(to: index)
        }
        try request.limits.check(
            pixels: NDArray.checkedElementCount(layout.shape) ?? .max, shape: layout.shape, dtype: layout.dtype,
            file: request.displayName)
        var status: Int32 = 0
        if raw || layout.float32Scaling != nil { ffpscl(file, 1, 0, &status) }
        let count = NDArray.checkedElementCount(layout.shape) ?? 0
        if let scaling = layout.float32Scaling {
            var stored = NDArray(shape: layout.shape, dtype: scaling.rawDType)
            var origin = [Int64](repeating: 1, count: layout.shape.count)
            var anyNull: Int32 = 0
            if count > 0 {
                stored.withUnsafeMutableBytes { out in
                    _ = ffgpxvll(file, scaling.rawType, &origin, Int64(count), nil, out.baseAddress, &anyNull, &status)
                }
            }
            var kind: Int32 = 0
            var reset: Int32 = 0
            ffmahd(file, 1, &kind, &reset)  // scaling is re-read from the header next time
            ffcmsg()
            guard status == 0 else { throw request.error(.corruptData, "cannot read the pixels: \(fitsMessage(status))") }
            var image = stored.astype(.float32)
            image.withUnsafeMutableBufferPointer(of: Float.self) { values in
                let rawValues = stored.astype(.float64).scalars(as: Double.self)
                for i in values.indices {
                    if let blank = scaling.blank, rawValues[i] == blank {
                        values[i] = .nan
                    } else {
                        values[i] = values[i] * scaling.scale + scaling.zero
                    }
                }
            }
            return image
        }
        var first = [Int64](repeating: 1, count: layout.shape.count)
        var nan = Double.nan
        var floatNaN = Float.nan
        var anyNull: Int32 = 0
        let image = NDArray(unsafeUninitializedShape: layout.shape, dtype: layout.dtype) { out in
            guard count > 0 else { return }
            // Blank pixels of integer images, and the undefined pixels of tile-compressed float
            // images, become NaN as astropy returns them; plain float images keep their bits.
            var compressionStatus: Int32 = 0
            let compressedFloat = layout.dtype.isFloatingPoint && fits_is_compressed_image(file, &compressionStatus) != 0
            if layout.blank || compressedFloat {
                if layout.dtype == .float32 {
                    ffgpxvll(file, layout.datatype, &first, Int64(count), &floatNaN, out.baseAddress, &anyNull, &status)
                } else {
                    ffgpxvll(file, layout.datatype, &first, Int64(count), &nan, out.baseAddress, &anyNull, &status)
                }
            } else {
                ffgpxvll(file, layout.datatype, &first, Int64(count), nil, out.baseAddress, &anyNull, &status)
            }
            if status != 0 { out.initializeMemory(as: UInt8.self, repeating: 0) }
        }
        if raw {
            var reset: Int32 = 0
            // Scaling is re-read from the header the next time the HDU is entered.
            var kind: Int32 = 0
            ffmahd(file, 1, &kind, &reset)
            ffcmsg()
        }
        guard status == 0 else { throw request.error(.corruptData, "cannot read the pixels: \(fitsMessage(status))") }
        return image
    }
}
