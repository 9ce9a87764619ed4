import CTIFFShims
import ImMetaIOCore

/// The system's libtiff (Debian's libtiff6), for what our own codecs do not read: CCITT fax
/// (modified Huffman, Group 3, Group 4), old-style JPEG, LZMA and whatever else this libtiff was
/// built with (LERC, JBIG, SGILog, PixarLog, ThunderScan, NeXT), and YCbCr that only converts to
/// RGB (see ``TIFFPage/Route``).
///
/// Every call opens its own libtiff handle on the page's directory, over the file's bytes in
/// memory: calls on different threads share nothing, and libtiff's messages come back on the
/// handle and become the error's text (libtiff's handlers return; nothing longjmps). The layout
/// libtiff reads from the directory must equal ours before anything is decoded, so buffers sized
/// from our parse (and checked against the decode limits) are the ones libtiff fills.
struct LibTIFFDecoder {
    let page: TIFFPage

    /// `libtiff 4.5.0`, from libtiff's version line ("LIBTIFF, Version 4.5.0 …").
    static var version: String {
        let line = String(cString: immetaio_tiff_version()).split(separator: "\n").first ?? ""
        guard let number = line.split(separator: " ").drop(while: { $0 != "Version" }).dropFirst().first else { return "libtiff" }
        return "libtiff \(number)"
    }

    /// Whether this libtiff decodes `compression`.
    static func hasCodec(_ compression: Int) -> Bool {
        compression >= 0 && compression <= 0xFFFF && immetaio_tiff_has_codec(Int32(compression)) != 0
    }

    /// Checks what can be checked from the directory alone: that libtiff has the codec, and that
    /// pixels converted to RGB fit the page's 8-bit, 3-sample shape.
    static func checkDecodable(_ page: TIFFPage) throws(TIFFError) {
        guard hasCodec(page.compression) else {
            throw .unsupported("compression \(page.compression) (neither immetaio's codecs nor the system's \(version) decode it)")
        }
        if page.route == .libtiffRGB, page.samples != 3 || page.bits != 8 || page.planar {
            throw .unsupported("YCbCr with \(page.samples) samples of \(page.bits) bits\(page.planar ? " in separate planes" : "")")
        }
        // libtiff's predictors: horizontal on 8…64-bit samples, floating point on floats.
        let predictor = page.predictor
        guard predictor == 1 || (predictor == 2 && [8, 16, 32, 64].contains(page.bits)) || (predictor == 3 && page.sampleFormat == 3)
        else { throw .unsupported("predictor \(predictor) with \(page.bits)-bit samples in libtiff's codecs") }
    }

    /// How many strips or tiles one handle decodes in a row. Old-style JPEG keeps one JPEG stream
    /// for the whole page and restarts it for a strip read out of order, so a page's strips go
    /// through one handle in order; other codecs' strips are independent and spread over cores.
    static func runLength(_ page: TIFFPage, workers: Int) -> Int {
        page.compression == 6 ? max(1, page.chunkCount) : max(1, (page.chunkCount + 4 * workers - 1) / (4 * workers))
    }

    /// Decodes strips or tiles `chunks` (in ascending order) into `out`, laid out as
    /// ``TIFFPage/decodeChunk(_:file:source:littleEndian:into:rows:)`` lays them out. No single
    /// buffer (ours or libtiff's) grows past `maxAllocation` bytes.
    func decode(
        _ chunks: [Int], file: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, rows: Range<Int>? = nil,
        maxAllocation: Int
    ) throws(TIFFError) {
        guard let first = chunks.first else { return }
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = immetaio_tiff_open(
            file.baseAddress, file.count, UInt64(page.directory.offset), Int64(clamping: maxAllocation), &message, message.count)
        else { throw .corrupt("libtiff: \(Self.text(message))") }
        defer { immetaio_tiff_close(handle) }
        try checkLayout(handle)
        let placement = page.placement(of: first, rows: rows)
        // A tile may be larger than a small image, but not without bound.
        let pageBytes = page.height * placement.rowBytes * (page.planar ? page.samples : 1)
        let largest = min(maxAllocation, max(16 * pageBytes, 1 << 28))
        if page.route == .libtiffRGB {
            let bytes = placement.chunkWidth * placement.chunkHeight * 3
            guard bytes * 4 / 3 <= largest else { throw .corrupt("a strip or tile of \(bytes) bytes for a smaller image") }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 16)
            defer { buffer.deallocate() }
            for index in chunks { try convert(index, handle: handle, buffer: buffer, into: out, rows: rows) }
            return
        }
        guard placement.chunkBytes <= largest else {
            throw .corrupt("a strip or tile of \(placement.chunkBytes) bytes for a smaller image")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: placement.chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        for index in chunks {
            let produced = immetaio_tiff_read_chunk(handle, UInt32(index), buffer.baseAddress, buffer.count)
            guard produced >= 0 else { throw .corrupt("libtiff: \(String(cString: immetaio_tiff_message(handle)))") }
            let data = UnsafeRawBufferPointer(rebasing: buffer[0..<min(buffer.count, Int(produced))])
            page.place(data, page.placement(of: index, rows: rows), littleEndian: true, filtered: true, into: out)
        }
    }

    /// Converts strip or tile `index` to RGB through libtiff's RGBA interface (whole chunks: its
    /// YCbCr blocks do not split) and copies the rows inside the window.
    private func convert(
        _ index: Int, handle: OpaquePointer, buffer: UnsafeMutableRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
        rows: Range<Int>?
    ) throws(TIFFError) {
        let at = page.placement(of: index, rows: rows)
        guard at.window.overlaps(at.y0..<(at.y0 + at.copyHeight)), let target = out.baseAddress, let source = buffer.baseAddress
        else { return }
        let status = immetaio_tiff_read_rgb(
            handle, UInt32(at.x0), UInt32(at.y0), UInt32(at.copyWidth), UInt32(at.copyHeight),
            source.assumingMemoryBound(to: UInt8.self), buffer.count)
        guard status == 0 else { throw .corrupt("libtiff: \(String(cString: immetaio_tiff_message(handle)))") }
        for y in 0..<at.copyHeight where at.window.contains(at.y0 + y) {
            (target + at.targetOffset(y)).copyMemory(from: source + y * at.copyBytes, byteCount: at.copyBytes)
        }
    }

    /// Refuses a directory that libtiff reads otherwise than we do (a damaged or unusual one):
    /// the buffers are sized from our reading.
    private func checkLayout(_ handle: OpaquePointer) throws(TIFFError) {
        var layout = immetaio_tiff_layout()
        guard immetaio_tiff_layout_of(handle, &layout) == 0 else { throw .corrupt("libtiff finds no image size") }
        let ours = [
            page.width, page.height, page.samples, page.bits, page.compression, page.planar ? 1 : 0, page.tileWidth == nil ? 0 : 1,
            page.tileWidth ?? page.width, page.rowsPerChunk,
        ]
        let theirs = [
            Int(layout.width), Int(layout.height), Int(layout.samples), Int(layout.bits), Int(layout.compression),
            Int(layout.planar), Int(layout.tiled), Int(layout.chunk_width), Int(layout.chunk_height),
        ]
        guard ours == theirs, Int(layout.chunks) >= page.chunkCount else {
            throw .corrupt("libtiff reads the directory differently (width, height, samples, bits, compression, planar, tiled, chunk size: ours \(ours), libtiff's \(theirs))")
        }
        if page.route == .libtiff, Int(layout.chunk_size) != page.placement(of: 0, rows: nil).chunkBytes {
            throw .corrupt("libtiff sizes a strip or tile at \(layout.chunk_size) bytes")
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
