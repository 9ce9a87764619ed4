import Foundation
import ImMetaIOCore
import NDArrayModule

/// A TIFF file's pages opened for other modules of this package (the microscopy readers): the
/// directories with their tags, SubIFD pyramids, and window reads that decode only the strips or
/// tiles a window overlaps.
package final class TIFFContainer: Sendable {
    /// The file's path, for errors.
    package let path: String
    /// The file's bytes (memory-mapped; positioned reads for large ones).
    package let bytes: ResourceBytes
    /// Whether the file is little-endian.
    package let littleEndian: Bool
    /// Whether the file is BigTIFF.
    package let bigTIFF: Bool
    /// Every page of the main IFD chain, reduced-resolution ones included, in file order.
    package let pages: [TIFFContainerPage]

    /// Opens a TIFF file and reads its IFD chain.
    package convenience init(path: String) throws(ImMetaIOError) {
        try self.init(bytes: ResourceBytes(mapping: path), path: path)
    }

    /// Reads the IFD chain of TIFF bytes.
    package init(bytes: ResourceBytes, path: String) throws(ImMetaIOError) {
        self.path = path
        self.bytes = bytes
        do throws(TIFFError) {
            let parser = try TIFFParser(bytes.stableBytes)
            littleEndian = parser.littleEndian
            bigTIFF = parser.bigTIFF
            pages = try parser.directories().map { directory throws(TIFFError) in TIFFContainerPage(try TIFFPage(directory)) }
        } catch {
            throw Self.publicError(error, path: path)
        }
        guard !pages.isEmpty else { throw ImMetaIOError(.corruptData, "invalid TIFF: no pages", file: path) }
    }

    /// Only the first page of a TIFF file, for telling kinds of TIFF apart (OME, LSM, ImageJ)
    /// without reading every directory of a long stack.
    package static func firstPage(path: String) throws(ImMetaIOError) -> TIFFContainerPage {
        let bytes = try ResourceBytes(mapping: path)
        do throws(TIFFError) {
            let parser = try TIFFParser(bytes.stableBytes)
            return TIFFContainerPage(try TIFFPage(parser.readDirectory(at: parser.firstIFD).0))
        } catch {
            throw publicError(error, path: path)
        }
    }

    /// The pages a page's SubIFDs tag (330) points at: the reduced resolutions of a pyramid, in
    /// the tag's order. Empty when the page has none.
    package func subPages(of page: TIFFContainerPage) throws(ImMetaIOError) -> [TIFFContainerPage] {
        guard let offsets = page.integers(330), !offsets.isEmpty else { return [] }
        guard offsets.count <= 64 else { throw ImMetaIOError(.corruptData, "invalid TIFF: \(offsets.count) SubIFDs", file: path) }
        do throws(TIFFError) {
            let parser = try TIFFParser(bytes.stableBytes)
            return try offsets.map { offset throws(TIFFError) in TIFFContainerPage(try TIFFPage(parser.readDirectory(at: offset).0)) }
        } catch {
            throw Self.publicError(error, path: path)
        }
    }

    /// Decodes rows `rows` and columns `columns` of a page into `out`, which holds
    /// `rows.count × columns.count` pixels of the page's samples (`S` planes first when the page
    /// stores samples separately), in native byte order. Only the strips or tiles the window
    /// overlaps are read.
    package func decode(
        _ page: TIFFContainerPage, rows: Range<Int>, columns: Range<Int>, into out: UnsafeMutableRawBufferPointer
    ) throws(ImMetaIOError) {
        let inner = page.page
        do throws(TIFFError) {
            try inner.checkDecodable(file: bytes.stableBytes)
        } catch {
            throw Self.publicError(error, path: path)
        }
        guard rows.lowerBound >= 0, rows.upperBound <= inner.height, columns.lowerBound >= 0, columns.upperBound <= inner.width
        else { throw ImMetaIOError(.invalidArgument, "window outside the \(inner.height)×\(inner.width) page", file: path) }
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let itemSize = inner.dtype.itemSize
        let perPixel = inner.planar ? 1 : inner.samples
        let planes = inner.planar ? inner.samples : 1
        let fullWidth = columns == 0..<inner.width
        // Whole rows of the window, all columns (the chunks write whole rows of the page).
        let rowBytes = inner.width * perPixel * itemSize
        let chunkIndices = page.chunks(rows: rows, columns: columns)
        let decodeInto: (UnsafeMutableRawBufferPointer) throws(ImMetaIOError) -> Void = { buffer throws(ImMetaIOError) in
            let file = self.bytes.stableBytes, source = self.bytes, little = self.littleEndian
            // Work units: one strip or tile each, or runs that share a libtiff handle.
            let run = inner.route == .native
                ? 1 : LibTIFFDecoder.runLength(inner, workers: ProcessInfo.processInfo.activeProcessorCount)
            let units = (chunkIndices.count + run - 1) / run
            do throws(TIFFError) {
                try ParallelLoop.forEach(units) { (unit: Int) throws(TIFFError) in
                    if inner.route == .native {
                        try inner.decodeChunk(chunkIndices[unit], file: file, source: source, littleEndian: little, into: buffer, rows: rows)
                    } else {
                        let chunks = Array(chunkIndices[(unit * run)..<min(chunkIndices.count, (unit + 1) * run)])
                        try LibTIFFDecoder(page: inner).decode(
                            chunks, file: file, into: buffer, rows: rows, maxAllocation: DecodeLimits.default.maxBytes)
                    }
                }
            } catch {
                throw Self.publicError(error, path: self.path)
            }
        }
        let windowBytes = rows.count * columns.count * perPixel * itemSize * planes
        guard out.count >= windowBytes else { throw ImMetaIOError(.invalidArgument, "window buffer too small", file: path) }
        if fullWidth {
            try decodeInto(UnsafeMutableRawBufferPointer(rebasing: out[0..<windowBytes]))
            return
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: rows.count * rowBytes * planes, alignment: 16)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        try decodeInto(scratch)
        let pixelBytes = perPixel * itemSize
        let outRow = columns.count * pixelBytes
        guard let target = out.baseAddress, let source = scratch.baseAddress else { return }
        for plane in 0..<planes {
            for y in 0..<rows.count {
                let from = (plane * rows.count + y) * rowBytes + columns.lowerBound * pixelBytes
                let to = (plane * rows.count + y) * outRow
                (target + to).copyMemory(from: source + from, byteCount: outRow)
            }
        }
    }

    private static func publicError(_ error: TIFFError, path: String) -> ImMetaIOError {
        switch error {
        case .notTIFF: ImMetaIOError(.unsupportedFormat, "not a TIFF file", file: path)
        case .corrupt(let message): ImMetaIOError(.corruptData, "invalid TIFF: \(message)", file: path)
        case .unsupported(let message): ImMetaIOError(.unsupportedFeature, "TIFF \(message) is not supported yet", file: path)
        case .refused(let message): ImMetaIOError(.unsupportedFeature, message, file: path)
        }
    }
}

/// One page (IFD) of a ``TIFFContainer``: its geometry, sample type and tags.
package struct TIFFContainerPage: Sendable {
    let page: TIFFPage

    init(_ page: TIFFPage) { self.page = page }

    /// Width in pixels.
    package var width: Int { page.width }
    /// Height in pixels.
    package var height: Int { page.height }
    /// Samples per pixel.
    package var samples: Int { page.samples }
    /// Whether samples are stored in separate planes.
    package var planar: Bool { page.planar }
    /// Bits per sample as stored.
    package var bitsPerSample: Int { page.bits }
    /// The element type the samples decode to.
    package var dtype: DType { page.dtype }
    /// The compression code (tag 259).
    package var compression: Int { page.compression }
    /// Whether NewSubfileType marks the page as a reduced-resolution image (thumbnails, overviews).
    package var isReduced: Bool { page.reduced }
    /// Tile size (height, width), when tiled.
    package var tileSize: (height: Int, width: Int)? { page.tileWidth.map { (page.rowsPerChunk, $0) } }
    /// numpy-order shape: H×W, H×W×S or S×H×W.
    package var shape: [Int] { page.shape }

    /// A tag's first integer value.
    package func integer(_ tag: UInt16) -> Int? { page.directory.integer(tag) }
    /// A tag's integer values.
    package func integers(_ tag: UInt16) -> [Int]? { page.directory.integers(tag) }
    /// A tag's first rational or floating-point value.
    package func real(_ tag: UInt16) -> Double? { page.directory.real(tag) }
    /// An ASCII tag's text.
    package func text(_ tag: UInt16) -> String? { page.directory.text(tag) }
    /// A tag's values as bytes (BYTE, UNDEFINED and ASCII tags), or `nil`.
    package func byteValues(_ tag: UInt16) -> [UInt8]? {
        guard let entry = page.directory.entries[tag] else { return nil }
        if !entry.bytes.isEmpty { return entry.bytes }
        guard entry.type == 1 || entry.type == 7 else { return nil }
        return entry.integers.map { UInt8(truncatingIfNeeded: $0) }
    }
    /// The tag's value type and count, when present.
    package func tagInfo(_ tag: UInt16) -> (type: Int, count: Int)? {
        page.directory.entries[tag].map { (Int($0.type), $0.count) }
    }

    /// The indices of the strips or tiles (of every sample plane) that overlap a window.
    func chunks(rows: Range<Int>, columns: Range<Int>) -> [Int] {
        guard !rows.isEmpty, !columns.isEmpty else { return [] }
        let chunkWidth = page.tileWidth ?? page.width, chunkHeight = page.rowsPerChunk
        let across = (page.width + chunkWidth - 1) / chunkWidth, down = (page.height + chunkHeight - 1) / chunkHeight
        let planes = page.planar ? page.samples : 1
        var result: [Int] = []
        for plane in 0..<planes {
            for row in (rows.lowerBound / chunkHeight)...((rows.upperBound - 1) / chunkHeight) {
                for column in (columns.lowerBound / chunkWidth)...((columns.upperBound - 1) / chunkWidth) {
                    result.append((plane * down + row) * across + column)
                }
            }
        }
        return result
    }
}
