import OrderedCollections

/// The metadata of a ThorImage acquisition from its `Experiment.xml`.
enum ThorlabsExperiment {
    static func metadata(root: XMLTreeElement, layout: ThorlabsRAWLayout, rawPath: String, experimentPath: String) -> MicroscopyMetadata {
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: layout.shape, dtype: .uint16)
        metadata.name = root.firstElement(named: "Name")?.attribute("name").flatMap { $0.isEmpty ? nil : $0 }
        let lsm = root.elements(named: "LSM").first { $0.attribute("pixelX") != nil }

        // Newer ThorImage versions write pixelWidthUM/pixelHeightUM; their pixelSizeUM can be stale.
        if let width = positiveDouble(lsm?.attribute("pixelWidthUM")) ?? positiveDouble(lsm?.attribute("pixelSizeUM")) {
            metadata.physicalSizeX = Length(width, .micrometer)
        }
        if let height = positiveDouble(lsm?.attribute("pixelHeightUM")) ?? positiveDouble(lsm?.attribute("pixelSizeUM")) {
            metadata.physicalSizeY = Length(height, .micrometer)
        }
        if layout.sizeZ > 1,
            let step = double(root.elements(named: "ZStage").first { $0.attribute("steps") != nil }?.attribute("stepSizeUM")), step != 0
        {
            // The sign says the direction of the stack, which the annotations keep.
            metadata.physicalSizeZ = Length(abs(step), .micrometer)
        }
        metadata.timeIncrement = timeIncrement(root: root, lsm: lsm, layout: layout)

        // The digitiser's bit depth, when a ThorImage version writes one on the LSM element; the
        // Camera element's bitsPerPixel describes a camera, not laser-scanning data.
        if let bits = lsm.flatMap({ $0.attribute("bitsPerPixel") ?? $0.attribute("bitDepth") }).flatMap(ThorlabsRAWLayout.positive),
            bits < 16
        {
            metadata.significantBits = bits
        }

        let wavelengths = root.firstElement(named: "Wavelengths")?.elements(named: "Wavelength") ?? []
        if wavelengths.count == layout.sizeC {
            metadata.channels = wavelengths.map { MicroscopyChannel(name: $0.attribute("name"), samplesPerPixel: 1) }
        }
        metadata.acquisitionDate = root.firstElement(named: "Date")?.attribute("date").flatMap(isoDate)
        if let magnification = root.firstElement(named: "Magnification") {
            let name = magnification.attribute("name").flatMap { $0.isEmpty ? nil : $0 }
            let nominal = name.flatMap(nominalMagnification) ?? positiveDouble(magnification.attribute("mag"))
            if name != nil || nominal != nil { metadata.instrument = InstrumentSummary(objective: name, nominalMagnification: nominal) }
        }
        metadata.provenance = ["format": "Thorlabs RAW", "source": rawPath, "metadata": experimentPath]
        if let version = root.firstElement(named: "Software")?.attribute("version") {
            metadata.provenance["software"] = "ThorImage \(version)"
        }
        metadata.annotations = annotations(root)
        return metadata
    }

    /// Streaming: frames follow each other at the scanner's frame rate (divided by cumulative
    /// averaging), a fast-Z volume every `Z + flyback` frames. Z and T capture: `Timelapse@intervalSec`.
    private static func timeIncrement(root: XMLTreeElement, lsm: XMLTreeElement?, layout: ThorlabsRAWLayout) -> TimeQuantity? {
        guard layout.sizeT > 1 else { return nil }
        if layout.isStreaming {
            guard let frameRate = positiveDouble(lsm?.attribute("frameRate")) else { return nil }
            if layout.isFastZ { return TimeQuantity(Double(layout.sizeZ + layout.flybackFrames) / frameRate, .second) }
            let averaged =
                lsm?.attribute("averageMode")?.trimmingSpaces == "1" ? ThorlabsRAWLayout.positive(lsm?.attribute("averageNum")) ?? 1 : 1
            return TimeQuantity(Double(averaged) / frameRate, .second)
        }
        return positiveDouble(root.firstElement(named: "Timelapse")?.attribute("intervalSec")).map { TimeQuantity($0, .second) }
    }

    /// Every attribute as `Element.attribute` (paths below the root, `Name[i]` for repeated
    /// siblings), and non-empty element text as `Element`, in document order.
    static func annotations(_ root: XMLTreeElement) -> OrderedDictionary<String, String> {
        var result: OrderedDictionary<String, String> = [:]
        var pending = namedChildren(of: root, prefix: "").reversed() as [(path: String, element: XMLTreeElement)]
        while let (path, element) = pending.popLast() {
            for attribute in element.attributes { result[path + "." + attribute.name] = attribute.value }
            let text = element.text.trimmingSpaces
            if !text.isEmpty { result[path] = text }
            pending += namedChildren(of: element, prefix: path).reversed()
        }
        return result
    }

    private static func namedChildren(of element: XMLTreeElement, prefix: String) -> [(path: String, element: XMLTreeElement)] {
        let children = element.elements
        var counts: [String: Int] = [:]
        for child in children { counts[child.name, default: 0] += 1 }
        var seen: [String: Int] = [:]
        return children.map { child in
            var name = child.name
            if counts[child.name, default: 0] > 1 {
                seen[child.name, default: 0] += 1
                name += "[\(seen[child.name, default: 0])]"
            }
            return (prefix.isEmpty ? name : prefix + "." + name, child)
        }
    }

    /// `MM/DD/YYYY hh:mm:ss` (optionally with AM/PM, or the date alone) as ISO 8601; ISO input
    /// is kept; anything else gives `nil`.
    static func isoDate(_ text: String) -> String? {
        let trimmed = text.trimmingSpaces
        if trimmed.count >= 10, trimmed.utf8.prefix(4).allSatisfy({ $0 >= 48 && $0 <= 57 }), trimmed.dropFirst(4).first == "-" {
            return trimmed
        }
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        guard let datePart = parts.first else { return nil }
        let date = datePart.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard date.count == 3, let month = date[0], let day = date[1], let year = date[2], (1...12).contains(month), (1...31).contains(day),
            (1000...9999).contains(year)
        else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day8601 = "\(year)-\(two(month))-\(two(day))"
        guard parts.count >= 2 else { return day8601 }
        let time = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard time.count == 2 || time.count == 3, var hour = time[0], let minute = time[1], let second = time.count == 3 ? time[2] : 0,
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        if parts.count >= 3 {
            switch parts[2].uppercased() {
            case "AM": if hour == 12 { hour = 0 }
            case "PM": if hour < 12 { hour += 12 }
            default: return nil
            }
        }
        return "\(day8601)T\(two(hour)):\(two(minute)):\(two(second))"
    }

    /// `20X` → 20, `1.25x` → 1.25.
    private static func nominalMagnification(_ name: String) -> Double? {
        let trimmed = name.trimmingSpaces
        guard let last = trimmed.last, last == "X" || last == "x" else { return nil }
        return positiveDouble(String(trimmed.dropLast()))
    }

    private static func double(_ text: String?) -> Double? {
        guard let text, let value = Double(text.trimmingSpaces), value.isFinite else { return nil }
        return value
    }

    private static func positiveDouble(_ text: String?) -> Double? {
        double(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
