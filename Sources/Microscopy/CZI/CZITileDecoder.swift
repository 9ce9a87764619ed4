import CJXRShims
import CShims
import CZstd
import ImMetaIOCore

/// A subblock's pixels at its stored size, rows packed, in the file's sample order (blue first
/// for colour types) unless ``rgbOrder`` says the codec already delivered red first.
struct CZIDecodedTile {
    enum Storage {
        /// Uncompressed data used in place: the file's own bytes.
        case file(UnsafeRawBufferPointer)
        case owned([UInt8])
        /// Decoded into a batch slot's scratch buffer (valid until the slot decodes again).
        case scratch(UnsafeRawBufferPointer)
        /// Gray16 as zstd1 stores it with hi-lo packing: every low byte, then every high byte from
        /// `half`; unpacked while pasting. `words` pixels are there (the rest reads as zero).
        case hiLo(UnsafeRawBufferPointer, half: Int, words: Int)
    }

    var storage: Storage
    var rgbOrder: Bool

    /// The tile's pixels as stored bytes (for ``Storage/hiLo(_:half:words:)``, the packed bytes,
    /// which ``CZICompositor`` unpacks itself).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .file(let bytes), .scratch(let bytes), .hiLo(let bytes, _, _): body(bytes)
        case .owned(let bytes): bytes.withUnsafeBytes(body)
        }
    }
}

/// Decodes subblock data into a ``CZIDecodedTile`` of the directory entry's stored size. Data of
/// the wrong size is cropped or zero-filled to it (the directory's word is final).
enum CZITileDecoder {
    /// libjpeg's `J_COLOR_SPACE` values for the JPEG shim.
    private static let jpegGrayscale: Int32 = 1
    private static let jpegRGB: Int32 = 2

    /// Decodes a subblock's data. With `scratch`, zstd data is inflated into that reusable buffer
    /// (no fresh allocation per tile) and the tile stays valid until the slot decodes again.
    static func decode(
        _ data: UnsafeRawBufferPointer, entry: CZIDirectoryEntry, source: CZISource, scratch: CZIScratchBuffer? = nil
    ) throws(ImMetaIOError) -> CZIDecodedTile {
        guard let layout = entry.pixelType.layout, let pixelBytes = entry.pixelType.bytesPerPixel else {
            throw source.error(.unsupportedFeature, "pixel type \(entry.pixelType) of subblock \(entry.index) is not supported")
        }
        let pixels = entry.storedWidth * entry.storedHeight
        let shape = [entry.storedHeight, entry.storedWidth, layout.samples]
        try source.limits.check(pixels: pixels, shape: shape, dtype: layout.dtype, file: source.path)
        let expected = pixels * pixelBytes
        switch entry.compression {
        case .uncompressed:
            if data.count >= expected { return CZIDecodedTile(storage: .file(UnsafeRawBufferPointer(rebasing: data.prefix(expected))), rgbOrder: false) }
            let (tile, _) = filled(expected) { output in
                output.copyMemory(from: data)
                return data.count
            }
            return CZIDecodedTile(storage: .owned(tile), rgbOrder: false)
        case .zstd0:
            if let scratch { return try zstdIntoScratch(data, expected: expected, entry: entry, source: source, scratch: scratch) }
            return CZIDecodedTile(storage: .owned(try zstd(data, expected: expected, entry: entry, source: source)), rgbOrder: false)
        case .zstd1:
            if let scratch { return try zstd1IntoScratch(data, expected: expected, entry: entry, source: source, scratch: scratch) }
            return CZIDecodedTile(storage: .owned(try zstd1(data, expected: expected, entry: entry, source: source)), rgbOrder: false)
        case .jpeg:
            return try jpeg(data, entry: entry, expected: expected, source: source)
        case .jpegXR:
            return try jpegXR(data, entry: entry, expected: expected, source: source)
        default:
            throw source.error(
                .unsupportedFeature,
                "subblock \(entry.index) uses \(entry.compression) (code \(entry.compression.rawValue)), which is not supported")
        }
    }

    /// `count` bytes whose first part `fill` writes (returning how many), the rest zero; also
    /// returns how many `fill` wrote.
    private static func filled<E: Error>(_ count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> ([UInt8], Int) {
        var failure: E?
        var written = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            do throws(E) { written = try fill(raw) } catch { failure = error }
            written = min(max(written, 0), count)
            if written < count, let base = raw.baseAddress {
                (base + written).initializeMemory(as: UInt8.self, repeating: 0, count: count - written)
            }
            initialized = count
        }
        if let failure { throw failure }
        return (bytes, written)
    }

    // MARK: Zstandard

    /// Decompresses the Zstandard frame(s) in `input` into `output`, stopping when it is full, and
    /// returns the bytes produced. Never allocates by the frame's declared size; input that ends
    /// early yields what it holds.
    private static func inflate(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, entry: CZIDirectoryEntry, source: CZISource,
        context reused: OpaquePointer? = nil
    ) throws(ImMetaIOError) -> Int {
        guard !input.isEmpty, !output.isEmpty else { return 0 }
        let owned = reused == nil ? ZSTD_createDCtx() : nil
        guard let context = reused ?? owned else { throw source.error(.io, "out of memory for a Zstandard decoder") }
        defer { if let owned { ZSTD_freeDCtx(owned) } }
        // A whole frame that fits decodes in one call, straight into the output (streaming would
        // allocate a window as large as the frame); a damaged or truncated one is streamed below,
        // which keeps what decodes before the damage.
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if declared < ZSTD_CONTENTSIZE_ERROR, declared <= UInt64(output.count) {
            let produced = ZSTD_decompressDCtx(context, output.baseAddress, output.count, input.baseAddress, input.count)
            if ZSTD_isError(produced) == 0 { return produced }
        }
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        while outBuffer.pos < outBuffer.size {
            let before = (inBuffer.pos, outBuffer.pos)
            let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(result) != 0 {
                let reason = String(cString: ZSTD_getErrorName(result))
                throw source.error(.corruptData, "the Zstandard data of subblock \(entry.index) is damaged (\(reason))")
            }
            if result == 0, inBuffer.pos == inBuffer.size { break }
            if before == (inBuffer.pos, outBuffer.pos) { break }
        }
        return outBuffer.pos
    }

    private static func zstd(_ data: UnsafeRawBufferPointer, expected: Int, entry: CZIDirectoryEntry, source: CZISource) throws(ImMetaIOError) -> [UInt8] {
        try filled(expected) { (output) throws(ImMetaIOError) in try inflate(data, into: output, entry: entry, source: source) }.0
    }

    /// zstd1: a header (byte 0 = 1: none; byte 0 = 3: byte 1 = 1 and bit 0 of byte 2 = hi-lo byte
    /// packing), then a Zstandard frame. Hi-lo packed 16-bit data holds all low bytes, then all
    /// high bytes.
    private static func zstd1(_ data: UnsafeRawBufferPointer, expected: Int, entry: CZIDirectoryEntry, source: CZISource) throws(ImMetaIOError) -> [UInt8] {
        let (frame, hiLo) = try zstd1Header(data, entry: entry, source: source)
        guard hiLo else { return try zstd(frame, expected: expected, entry: entry, source: source) }
        let capacity = try hiLoCapacity(frame, expected: expected, entry: entry, source: source)
        let (packed, produced) = try filled(capacity) { (output) throws(ImMetaIOError) in
            try inflate(frame, into: output, entry: entry, source: source)
        }
        let half = produced / 2
        return filled(expected) { output in
            let words = min(half, expected / 2)
            packed.withUnsafeBytes { packed in
                for index in 0..<words {
                    output[2 * index] = packed[index]
                    output[2 * index + 1] = packed[index + half]
                }
            }
            return words * 2
        }.0
    }

    /// zstd0 (or zstd1 without hi-lo packing) inflated into the slot's scratch buffer.
    private static func zstdIntoScratch(
        _ data: UnsafeRawBufferPointer, expected: Int, entry: CZIDirectoryEntry, source: CZISource, scratch: CZIScratchBuffer
    ) throws(ImMetaIOError) -> CZIDecodedTile {
        let output = try scratch.buffer(expected, source: source)
        let produced = min(try inflate(data, into: output, entry: entry, source: source, context: scratch.context), expected)
        if produced < expected { UnsafeMutableRawBufferPointer(rebasing: output[produced..<expected]).initializeMemory(as: UInt8.self, repeating: 0) }
        return CZIDecodedTile(storage: .scratch(UnsafeRawBufferPointer(rebasing: output[0..<expected])), rgbOrder: false)
    }

    /// zstd1 into the slot's scratch buffer: Gray16 with hi-lo packing stays packed (the
    /// compositor unpacks it while pasting); Bgr48 with it is unpacked here.
    private static func zstd1IntoScratch(
        _ data: UnsafeRawBufferPointer, expected: Int, entry: CZIDirectoryEntry, source: CZISource, scratch: CZIScratchBuffer
    ) throws(ImMetaIOError) -> CZIDecodedTile {
        let (frame, hiLo) = try zstd1Header(data, entry: entry, source: source)
        guard hiLo else { return try zstdIntoScratch(frame, expected: expected, entry: entry, source: source, scratch: scratch) }
        guard entry.pixelType == .gray16 else {
            return CZIDecodedTile(storage: .owned(try zstd1(data, expected: expected, entry: entry, source: source)), rgbOrder: false)
        }
        let capacity = try hiLoCapacity(frame, expected: expected, entry: entry, source: source)
        let packed = try scratch.buffer(capacity, source: source)
        let produced = try inflate(frame, into: packed, entry: entry, source: source, context: scratch.context)
        let half = produced / 2
        return CZIDecodedTile(
            storage: .hiLo(UnsafeRawBufferPointer(rebasing: packed[0..<produced]), half: half, words: min(half, expected / 2)), rgbOrder: false)
    }

    /// The frame after zstd1's header, and whether the header asks for hi-lo unpacking.
    private static func zstd1Header(
        _ data: UnsafeRawBufferPointer, entry: CZIDirectoryEntry, source: CZISource
    ) throws(ImMetaIOError) -> (UnsafeRawBufferPointer, Bool) {
        var headerSize = 0
        var hiLo = false
        if data.count >= 1, data[0] == 1 {
            headerSize = 1
        } else if data.count >= 3, data[0] == 3, data[1] == 1 {
            headerSize = 3
            hiLo = data[2] & 1 == 1
        }
        guard headerSize > 0 else {
            throw source.error(.corruptData, "subblock \(entry.index) has no valid zstd1 header (first byte \(data.first.map(String.init) ?? "missing"))")
        }
        if hiLo, entry.pixelType != .gray16, entry.pixelType != .bgr48 {
            throw source.error(
                .unsupportedFeature, "subblock \(entry.index) asks for hi-lo byte unpacking of \(entry.pixelType) pixels (only Gray16 and Bgr48 have it)")
        }
        return (UnsafeRawBufferPointer(rebasing: data[headerSize...]), hiLo)
    }

    /// The split point of hi-lo data is half of what the frame holds, so all of it is needed: its
    /// declared size when that is plausible, else the expected size.
    private static func hiLoCapacity(
        _ frame: UnsafeRawBufferPointer, expected: Int, entry: CZIDirectoryEntry, source: CZISource
    ) throws(ImMetaIOError) -> Int {
        let declared = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        guard declared < ZSTD_CONTENTSIZE_ERROR, declared > 0 else { return expected }
        guard declared <= UInt64(expected) * 4 + 64 else {
            throw source.error(.corruptData, "the zstd1 data of subblock \(entry.index) declares \(declared) bytes for \(expected) bytes of pixels")
        }
        return Int(declared)
    }

    // MARK: JPEG

    private static func jpeg(_ data: UnsafeRawBufferPointer, entry: CZIDirectoryEntry, expected: Int, source: CZISource) throws(ImMetaIOError) -> CZIDecodedTile {
        let components: Int
        let colorSpace: Int32
        switch entry.pixelType {
        case .gray8: (components, colorSpace) = (1, jpegGrayscale)
        case .bgr24: (components, colorSpace) = (3, jpegRGB)
        default:
            throw source.error(.unsupportedFeature, "subblock \(entry.index) is JPEG-compressed \(entry.pixelType), which JPEG cannot hold")
        }
        let input = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var message = [CChar](repeating: 0, count: 256)
        var header = immetaio_jpeg_header()
        guard immetaio_jpeg_read_header(input, data.count, &header, &message, message.count) == IMMETAIO_JPEG_OK else {
            throw source.error(.corruptData, "the JPEG data of subblock \(entry.index) is damaged: \(text(message))")
        }
        let (width, height) = (Int(header.width), Int(header.height))
        guard width > 0, height > 0 else { throw source.error(.corruptData, "the JPEG data of subblock \(entry.index) has no pixels") }
        try source.limits.check(pixels: width * height, shape: [height, width, components], dtype: .uint8, file: source.path)
        var decoded = [UInt8](repeating: 0, count: width * height * components)
        var warnings: Int32 = 0
        let status = decoded.withUnsafeMutableBufferPointer { pixels in
            immetaio_jpeg_decode(input, data.count, colorSpace, pixels.baseAddress, pixels.count, &warnings, &message, message.count)
        }
        guard status == IMMETAIO_JPEG_OK else {
            throw source.error(.corruptData, "the JPEG data of subblock \(entry.index) is damaged: \(text(message))")
        }
        if width == entry.storedWidth, height == entry.storedHeight {
            return CZIDecodedTile(storage: .owned(decoded), rgbOrder: true)
        }
        let tile = cropped(decoded, width: width, height: height, pixelBytes: components, to: entry, expected: expected)
        return CZIDecodedTile(storage: .owned(tile), rgbOrder: true)
    }

    /// The top-left part of a `width`×`height` image at the entry's stored size, zero-padded.
    private static func cropped(_ image: [UInt8], width: Int, height: Int, pixelBytes: Int, to entry: CZIDirectoryEntry, expected: Int) -> [UInt8] {
        var tile = [UInt8](repeating: 0, count: expected)
        let rowBytes = min(width, entry.storedWidth) * pixelBytes
        for row in 0..<min(height, entry.storedHeight) {
            let from = row * width * pixelBytes, to = row * entry.storedWidth * pixelBytes
            tile.replaceSubrange(to..<(to + rowBytes), with: image[from..<(from + rowBytes)])
        }
        return tile
    }

    // MARK: JPEG XR

    private static func jpegXR(_ data: UnsafeRawBufferPointer, entry: CZIDirectoryEntry, expected: Int, source: CZISource) throws(ImMetaIOError) -> CZIDecodedTile {
        let pixelBytes = entry.pixelType.bytesPerPixel ?? 1
        let maxPixels = min(source.limits.maxPixels, source.limits.maxBytes / pixelBytes)
        var info = immetaio_jxr_info()
        var code: Int32 = 0
        var status: Int32 = 0
        let (tile, _) = filled(expected) { output in
            status = immetaio_jxr_decode(
                data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self),
                output.count, Int32(entry.storedWidth), Int32(entry.storedHeight), Int32(pixelBytes), maxPixels, &info, &code)
            return status == IMMETAIO_JXR_OK ? output.count : 0
        }
        let subblock = "the JPEG XR data of subblock \(entry.index)"
        switch Int(status) {
        case IMMETAIO_JXR_OK, IMMETAIO_JXR_FORMAT_MISMATCH, IMMETAIO_JXR_UNSUPPORTED: break
        case IMMETAIO_JXR_TOO_LARGE:
            throw source.error(.limitExceeded, "\(subblock) is \(info.width)×\(info.height) pixels, beyond the decode limits")
        case IMMETAIO_JXR_NOMEM: throw source.error(.io, "out of memory decoding \(subblock)")
        case IMMETAIO_JXR_NO_PROCESS: throw source.error(.io, "cannot start a process to decode \(subblock)")
        case IMMETAIO_JXR_CRASHED: throw source.error(.corruptData, "\(subblock) is damaged (the JPEG XR decoder failed on it)")
        default: throw source.error(.corruptData, "\(subblock) is damaged (jxrlib error \(code))")
        }
        let rgbOrder: Bool
        switch (entry.pixelType, Int(info.format)) {
        case (.gray8, IMMETAIO_JXR_FORMAT_GRAY8), (.gray16, IMMETAIO_JXR_FORMAT_GRAY16), (.gray32Float, IMMETAIO_JXR_FORMAT_GRAY32_FLOAT),
            (.bgr24, IMMETAIO_JXR_FORMAT_BGR24), (.bgra32, IMMETAIO_JXR_FORMAT_BGRA32):
            rgbOrder = false
        case (.bgr24, IMMETAIO_JXR_FORMAT_RGB24), (.bgr48, IMMETAIO_JXR_FORMAT_RGB48), (.bgr96Float, IMMETAIO_JXR_FORMAT_RGB96_FLOAT):
            rgbOrder = true
        default:
            throw source.error(.corruptData, "\(subblock) holds \(jpegXRFormatName(info.format)) pixels, not \(entry.pixelType)")
        }
        return CZIDecodedTile(storage: .owned(tile), rgbOrder: rgbOrder)
    }

    private static func jpegXRFormatName(_ format: Int32) -> String {
        switch Int(format) {
        case IMMETAIO_JXR_FORMAT_GRAY8: "8-bit gray"
        case IMMETAIO_JXR_FORMAT_GRAY16: "16-bit gray"
        case IMMETAIO_JXR_FORMAT_GRAY32_FLOAT: "32-bit float gray"
        case IMMETAIO_JXR_FORMAT_BGR24: "24-bit BGR"
        case IMMETAIO_JXR_FORMAT_RGB24: "24-bit RGB"
        case IMMETAIO_JXR_FORMAT_RGB48: "48-bit RGB"
        case IMMETAIO_JXR_FORMAT_BGRA32: "32-bit BGRA"
        case IMMETAIO_JXR_FORMAT_RGB96_FLOAT: "96-bit float RGB"
        default: "unsupported"
        }
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
