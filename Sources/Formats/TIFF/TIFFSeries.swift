import ImMetaIOCore
import NDArrayModule

/// The first series of a TIFF file: the pages it spans and the array they form, with axis
/// letters, found the way tifffile finds them.
///
/// In order: OME-XML in the first page's description (sizes and `DimensionOrder` of the first
/// `Image`, modulo annotations splitting an axis), an ImageJ hyperstack description (`images`,
/// `channels`, `slices`, `frames`), tifffile's shaped description (`{"shape": [...]}`), and
/// otherwise the leading run of pages with one shape and dtype. Axes of size 1 are dropped, as
/// tifffile does. A description that does not fit the pages falls back to the next rule.
struct TIFFSeries {
    /// Index of the first page (in the reader's list of full-resolution pages).
    var firstPage: Int
    var pageCount: Int
    var shape: [Int]
    var axes: String
    /// `ome`, `imagej`, `shaped` or `generic`.
    var kind: String

    static func detect(_ pages: [TIFFPage]) -> TIFFSeries {
        let first = pages[0]
        let description = first.directory.text(270) ?? ""
        if description.contains("<OME"), let series = ome(description, pages) { return series }
        if description.hasPrefix("ImageJ="), let series = imageJ(description, pages) { return series }
        if description.hasPrefix("{"), let series = shaped(description, pages) { return series }
        let run = pages.prefix { $0.shape == first.shape && $0.dtype == first.dtype }.count
        let axes = pageAxes(first)
        return run > 1
            ? TIFFSeries(firstPage: 0, pageCount: run, shape: [run] + first.shape, axes: "I" + axes, kind: "generic")
            : TIFFSeries(firstPage: 0, pageCount: 1, shape: first.shape, axes: axes, kind: "generic")
    }

    /// `YX`, `YXS` (contiguous samples) or `SYX` (separate planes).
    static func pageAxes(_ page: TIFFPage) -> String {
        page.samples == 1 ? "YX" : (page.planar ? "SYX" : "YXS")
    }

    /// A series of `count` pages from `start` with the given outer sizes and axes, if those pages
    /// exist and share the first one's shape and dtype.
    private static func make(
        _ pages: [TIFFPage], start: Int, outer: [(size: Int, axis: Character)], kind: String
    ) -> TIFFSeries? {
        let kept = outer.filter { $0.size > 1 }
        // Sizes come from the file's text: multiplied with overflow checks.
        guard let count = NDArray.checkedElementCount(kept.map(\.size)), start >= 0, count >= 1, start <= pages.count - count
        else { return nil }
        let first = pages[start]
        guard pages[start..<(start + count)].allSatisfy({ $0.shape == first.shape && $0.dtype == first.dtype }) else { return nil }
        var shape = kept.map(\.size), axes = String(kept.map(\.axis))
        // Page axes of size 1 are dropped too (a 1-row image keeps its X).
        for (size, axis) in zip(first.shape, pageAxes(first)) where size > 1 || axis == "X" || axis == "Y" {
            shape.append(size)
            axes.append(axis)
        }
        return TIFFSeries(firstPage: start, pageCount: count, shape: shape, axes: axes, kind: kind)
    }

    private static func ome(_ xml: String, _ pages: [TIFFPage]) -> TIFFSeries? {
        guard let pixels = XMLScan.firstElement("Pixels", in: xml),
            let order = pixels["DimensionOrder"], order.count == 5, order.hasPrefix("XY")
        else { return nil }
        func size(_ axis: Character) -> Int { Int(pixels["Size\(axis)"] ?? "1") ?? 1 }
        let samples = pages[0].samples
        var outer: [(size: Int, axis: Character)] = []
        for axis in order.dropFirst(2).reversed() {
            var count = size(axis)
            if axis == "C", samples > 1 {
                guard count % samples == 0 else { return nil }
                count /= samples  // the samples of each page are part of C
            }
            // A modulo annotation splits the axis into an outer part and an inner one.
            if let modulo = XMLScan.firstElement("ModuloAlong\(axis)", in: xml), let inner = moduloSize(modulo, xml: xml),
                inner > 1, count % inner == 0
            {
                outer.append((count / inner, axis))
                outer.append((inner, ["Z": "Q", "C": "H", "T": "E"][axis] ?? "Q"))
            } else {
                outer.append((count, axis))
            }
        }
        let start = XMLScan.firstElement("TiffData", in: xml).flatMap { $0["IFD"] }.flatMap { Int($0) } ?? 0
        return make(pages, start: start, outer: outer, kind: "ome")
    }

    /// The length of a modulo axis: its labels, or `(End - Start) / Step + 1`.
    private static func moduloSize(_ attributes: [String: String], xml: String) -> Int? {
        if let start = attributes["Start"].flatMap(Double.init), let end = attributes["End"].flatMap(Double.init) {
            let step = attributes["Step"].flatMap(Double.init) ?? 1
            guard step > 0, end >= start, (end - start) / step < 1e6 else { return nil }
            return Int(((end - start) / step).rounded(.down)) + 1
        }
        return nil
    }

    private static func imageJ(_ description: String, _ pages: [TIFFPage]) -> TIFFSeries? {
        var values: [String: Int] = [:]
        for line in description.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let number = Int(parts[1]) { values[String(parts[0])] = number }
        }
        let images = values["images"] ?? 1
        let frames = values["frames"] ?? 1, slices = values["slices"] ?? 1
        var channels = values["channels"] ?? 1
        if pages[0].samples > 1, channels == pages[0].samples { channels = 1 }  // RGB: channels are the samples
        guard frames * slices * channels == images || images == 1 else { return nil }
        return make(pages, start: 0, outer: [(frames, "T"), (slices, "Z"), (channels, "C")], kind: "imagej")
    }

    private static func shaped(_ description: String, _ pages: [TIFFPage]) -> TIFFSeries? {
        guard let shape = (try? JSONParser.parse(description))?["shape"]?.arrayValue?.compactMap(\.intValue),
            !shape.isEmpty, shape.allSatisfy({ $0 >= 0 })
        else { return nil }
        let page = pages[0].shape
        guard shape.count >= page.count, Array(shape.suffix(page.count)) == page else { return nil }
        guard let count = NDArray.checkedElementCount(Array(shape.dropLast(page.count))), count >= 1, count <= pages.count,
            pages[0..<count].allSatisfy({ $0.shape == page && $0.dtype == pages[0].dtype })
        else { return nil }
        let axes = String(repeating: "Q", count: shape.count - page.count) + pageAxes(pages[0])
        return TIFFSeries(firstPage: 0, pageCount: count, shape: shape, axes: axes, kind: "shaped")
    }
}

/// Just enough XML reading for OME-XML headers: the attributes of the first element with a
/// given local name (any namespace prefix).
enum XMLScan {
    static func firstElement(_ name: String, in xml: String) -> [String: String]? {
        let bytes = Array(xml.utf8)
        let target = Array(name.utf8)
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            // The element's name, without a namespace prefix.
            var j = i + 1
            while j < bytes.count, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: ">"), bytes[j] != UInt8(ascii: "/") { j += 1 }
            var nameStart = i + 1
            if let colon = bytes[(i + 1)..<j].lastIndex(of: UInt8(ascii: ":")) { nameStart = colon + 1 }
            guard Array(bytes[nameStart..<j]) == target else {
                i = j
                continue
            }
            return attributes(bytes, from: j)
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// `key="value"` pairs up to the end of the start tag.
    private static func attributes(_ bytes: [UInt8], from start: Int) -> [String: String] {
        var result: [String: String] = [:]
        var i = start
        while i < bytes.count, bytes[i] != UInt8(ascii: ">") {
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            let keyStart = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: ">"), !isSpace(bytes[i]) { i += 1 }
            let key = String(decoding: bytes[keyStart..<i], as: UTF8.self)
            guard i < bytes.count, bytes[i] == UInt8(ascii: "="), i + 1 < bytes.count else {
                i += 1
                continue
            }
            let quote = bytes[i + 1]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { break }
            var end = i + 2
            while end < bytes.count, bytes[end] != quote { end += 1 }
            result[key] = String(decoding: bytes[(i + 2)..<min(end, bytes.count)], as: UTF8.self)
            i = end + 1
        }
        return result
    }
}
