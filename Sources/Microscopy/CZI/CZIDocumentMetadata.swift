import ImMetaIOCore
import OrderedCollections

/// What the CZI reader takes from the document's XML metadata (`ImageDocument/Metadata`):
/// calibration, channels, acquisition date, instrument basics, scene names, and the leaves of
/// `Information` and `Scaling` flattened for ``MicroscopyMetadata/annotations``.
struct CZIDocumentMetadata: Sendable {
    /// Pixel sizes in metres, from `Scaling/Items/Distance[@Id=X|Y|Z]/Value`.
    var distanceX: Double?
    var distanceY: Double?
    var distanceZ: Double?
    /// One entry per channel of `Information/Image/Dimensions/Channels` (names and colours missing
    /// there are taken from `DisplaySetting/Channels`).
    var channels: [MicroscopyChannel] = []
    var acquisitionDate: String?
    /// Seconds between time points.
    var timeIncrement: Double?
    var instrument: InstrumentSummary?
    /// Scene names by scene index.
    var sceneNames: [Int: String] = [:]
    var documentName: String?
    var componentBitCount: Int?
    /// `CZI.Information.Image.SizeX` … (attributes as `…Channel[0]@Name`).
    var annotations: OrderedDictionary<String, String> = [:]

    static let empty = CZIDocumentMetadata()

    /// The most leaves copied into annotations, and the longest value kept.
    static let maxAnnotations = 4000
    static let maxAnnotationLength = 2000

    private init() {}

    init(root: CZIXMLElement) {
        let metadata = root.localName == "Metadata" ? root : root.firstElement(named: "Metadata") ?? root
        let information = metadata.firstElement(named: "Information")
        let image = information?.firstElement(named: "Image")
        let dimensions = image?.firstElement(named: "Dimensions")

        for distance in metadata.element(at: "Scaling", "Items")?.elements(named: "Distance") ?? [] {
            guard let value = distance.firstElement(named: "Value").flatMap({ Double($0.text.trimmingSpaces) }), value.isFinite, value > 0
            else { continue }
            switch distance.attribute("Id") {
            case "X": distanceX = value
            case "Y": distanceY = value
            case "Z": distanceZ = value
            default: break
            }
        }

        let described = dimensions?.element(at: "Channels")?.elements(named: "Channel") ?? []
        let displayed = metadata.element(at: "DisplaySetting", "Channels")?.elements(named: "Channel") ?? []
        for index in 0..<max(described.count, displayed.count) {
            let info = index < described.count ? described[index] : nil
            let display = index < displayed.count ? displayed[index] : nil
            var channel = MicroscopyChannel()
            channel.name = [info?.attribute("Name"), display?.attribute("Name")].compactMap { $0?.trimmingSpaces }.first { !$0.isEmpty }
            channel.color = [info, display].compactMap { $0?.firstElement(named: "Color").flatMap { Self.color($0.text) } }.first
            channel.excitationWavelength = info?.number("ExcitationWavelength").map { Length($0, .nanometer) }
            channel.emissionWavelength = info?.number("EmissionWavelength").map { Length($0, .nanometer) }
            channels.append(channel)
        }

        acquisitionDate = [image?.firstElement(named: "AcquisitionDateAndTime")?.text, dimensions?.element(at: "T", "StartTime")?.text]
            .compactMap { $0?.trimmingSpaces }.first { !$0.isEmpty && !$0.hasPrefix("0001-01-01") }

        let positions = dimensions?.element(at: "T", "Positions")
        if let increment = positions?.element(at: "Interval")?.number("Increment"), increment > 0 {
            timeIncrement = increment
        } else if let offsets = positions?.element(at: "List", "Offsets")?.text.split(separator: " ").compactMap({ Double($0) }),
            offsets.count >= 2, let first = offsets.first, let last = offsets.last, last > first
        {
            timeIncrement = (last - first) / Double(offsets.count - 1)
        }

        instrument = Self.instrument(information: information, image: image, firstChannel: described.first)

        for scene in dimensions?.element(at: "S", "Scenes")?.elements(named: "Scene") ?? [] {
            if let index = scene.attribute("Index").flatMap({ Int($0.trimmingSpaces) }), let name = scene.attribute("Name")?.trimmingSpaces,
                !name.isEmpty
            {
                sceneNames[index] = name
            }
        }
        documentName = [information?.element(at: "Document", "Name")?.text, information?.element(at: "Document", "Title")?.text]
            .compactMap { $0?.trimmingSpaces }.first { !$0.isEmpty }
        componentBitCount = image?.number("ComponentBitCount").flatMap { $0 > 0 && $0 < 64 ? Int($0) : nil }

        for (name, element) in [("Information", information), ("Scaling", metadata.firstElement(named: "Scaling"))] {
            if let element { flatten(element, path: "CZI.\(name)") }
        }
    }

    /// `#AARRGGBB` (ZEN's order) or `#RRGGBB`.
    static func color(_ text: String) -> RGBAColor? {
        var digits = Substring(text.trimmingSpaces)
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        guard let value = UInt32(digits, radix: 16) else { return nil }
        switch digits.count {
        case 8:
            return RGBAColor(
                red: UInt8(truncatingIfNeeded: value >> 16), green: UInt8(truncatingIfNeeded: value >> 8),
                blue: UInt8(truncatingIfNeeded: value), alpha: UInt8(truncatingIfNeeded: value >> 24))
        case 6:
            return RGBAColor(red: UInt8(truncatingIfNeeded: value >> 16), green: UInt8(truncatingIfNeeded: value >> 8), blue: UInt8(truncatingIfNeeded: value))
        default:
            return nil
        }
    }

    /// The microscope, objective and detector the image refers to (or the first listed).
    private static func instrument(information: CZIXMLElement?, image: CZIXMLElement?, firstChannel: CZIXMLElement?) -> InstrumentSummary? {
        let instrument = information?.firstElement(named: "Instrument")
        func pick(_ list: [CZIXMLElement], id: String?) -> CZIXMLElement? {
            list.first { id != nil && $0.attribute("Id") == id } ?? list.first
        }
        func name(_ element: CZIXMLElement?) -> String? {
            [element?.attribute("Name"), element?.firstElement(named: "Model")?.text, element?.firstElement(named: "System")?.text]
                .compactMap { $0?.trimmingSpaces }.first { !$0.isEmpty }
        }
        var summary = InstrumentSummary()
        let microscope = pick(
            instrument?.element(at: "Microscopes")?.elements(named: "Microscope") ?? [], id: image?.firstElement(named: "MicroscopeRef")?.attribute("Id"))
        summary.microscope = name(microscope)
        let objective = pick(
            instrument?.element(at: "Objectives")?.elements(named: "Objective") ?? [],
            id: image?.element(at: "ObjectiveSettings", "ObjectiveRef")?.attribute("Id"))
        summary.objective = name(objective)
        summary.nominalMagnification = objective?.number("NominalMagnification")
        summary.lensNA = objective?.number("LensNA")
        summary.immersion = objective?.firstElement(named: "Immersion").map(\.text.trimmingSpaces).flatMap { $0.isEmpty ? nil : $0 }
        let detector = pick(
            instrument?.element(at: "Detectors")?.elements(named: "Detector") ?? [],
            id: firstChannel?.element(at: "DetectorSettings", "Detector")?.attribute("Id"))
        summary.detector = name(detector)
        return summary == InstrumentSummary() ? nil : summary
    }

    /// Copies the leaves (and attributes) under `element` into ``annotations``, indexing repeated
    /// element names (`Channel[1]`).
    private mutating func flatten(_ element: CZIXMLElement, path: String) {
        guard annotations.count < Self.maxAnnotations else { return }
        for attribute in element.attributes {
            add("\(path)@\(attribute.name)", attribute.value)
        }
        if element.elements.isEmpty {
            add(path, element.text.trimmingSpaces)
            return
        }
        var totals: [String: Int] = [:]
        for child in element.elements { totals[child.localName, default: 0] += 1 }
        var seen: [String: Int] = [:]
        for child in element.elements {
            let name = child.localName
            let index = seen[name, default: 0]
            seen[name] = index + 1
            flatten(child, path: totals[name, default: 0] > 1 ? "\(path).\(name)[\(index)]" : "\(path).\(name)")
        }
    }

    private mutating func add(_ key: String, _ value: String) {
        guard !value.isEmpty, annotations.count < Self.maxAnnotations, annotations[key] == nil else { return }
        annotations[key] = value.count > Self.maxAnnotationLength ? String(value.prefix(Self.maxAnnotationLength)) + "…" : value
    }
}

extension CZIXMLElement {
    /// The element reached by following first children of these names.
    func element(at names: String...) -> CZIXMLElement? {
        var current = self
        for name in names {
            guard let next = current.firstElement(named: name) else { return nil }
            current = next
        }
        return current
    }

    /// The number in the text of the first child of this name, when finite.
    func number(_ name: String) -> Double? {
        guard let value = firstElement(named: name).flatMap({ Double($0.text.trimmingSpaces) }), value.isFinite else { return nil }
        return value
    }
}
