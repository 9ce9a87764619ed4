/// Builds the OME model from a parsed OME-XML tree of any schema version since 2010: elements
/// are matched by local name, so `SA:`, `SPW:` and `Bin:` prefixes of older versions read the
/// same. What the model does not hold is kept only from 2016-06 documents, whose structure the
/// writer reproduces; older documents' extra content is dropped rather than written invalidly.
struct OMEXMLDecoder {
    /// Whether the document is 2016-06, so that its unmodelled content can be written back.
    let keepsExtras: Bool

    init(root: XMLTreeElement) {
        keepsExtras = root.namespaceURI == OMEDocument.namespace
    }

    func document(_ root: XMLTreeElement) throws(ImMetaIOError) -> OMEDocument {
        guard root.localName == "OME" else {
            throw ImMetaIOError(.unsupportedFormat, "not OME-XML: the root element is <\(root.name)>, not <OME>")
        }
        var document = OMEDocument(creator: root.attribute("Creator"), uuid: root.attribute("UUID"))
        for element in root.elements {
            switch element.localName {
            case "Image": document.images.append(try image(element, index: document.images.count))
            case "Instrument": document.instruments.append(instrument(element, index: document.instruments.count))
            case "StructuredAnnotations": document.annotations += annotations(element)
            case "BinaryOnly":
                document.binaryOnly = OMEBinaryOnly(
                    metadataFile: element.attribute("MetadataFile") ?? "", uuid: element.attribute("UUID") ?? "")
            default:
                if keepsExtras, OMEXMLLayout.omeChildRank[element.localName] != nil { document.otherElements.append(Self.detach(element)) }
            }
        }
        return document
    }

    private func image(_ element: XMLTreeElement, index: Int) throws(ImMetaIOError) -> OMEImage {
        let id = element.attribute("ID") ?? "Image:\(index)"
        guard let pixelsElement = element.firstElement(named: "Pixels") else {
            throw ImMetaIOError(.corruptData, "OME-XML image \(id) has no Pixels element")
        }
        var image = OMEImage(id: id, name: element.attribute("Name"), pixels: try pixels(pixelsElement, imageID: id, index: index))
        for child in element.elements {
            switch child.localName {
            case "AcquisitionDate", "AcquiredDate": image.acquisitionDate = child.text.trimmingSpaces
            case "Description": image.description = child.text
            case "InstrumentRef": image.instrumentRef = child.attribute("ID")
            case "ObjectiveSettings":
                if let objectiveID = child.attribute("ID") {
                    image.objectiveSettings = OMEObjectiveSettings(
                        id: objectiveID, medium: child.attribute("Medium"),
                        refractiveIndex: OMEValue.double(child.attribute("RefractiveIndex")),
                        correctionCollar: OMEValue.double(child.attribute("CorrectionCollar")))
                }
            case "AnnotationRef": if let ref = child.attribute("ID") { image.annotationRefs.append(ref) }
            case "Pixels": break
            default:
                if keepsExtras, OMEXMLLayout.imageChildRank[child.localName] != nil { image.otherElements.append(Self.detach(child)) }
            }
        }
        return image
    }

    private func pixels(_ element: XMLTreeElement, imageID: String, index: Int) throws(ImMetaIOError) -> OMEPixels {
        guard let typeText = element.attribute("Type") else {
            throw ImMetaIOError(.corruptData, "OME-XML image \(imageID): Pixels has no Type")
        }
        guard let type = OMEPixelType(rawValue: typeText.trimmingSpaces) else {
            throw ImMetaIOError(.corruptData, "OME-XML image \(imageID): unknown pixel type '\(typeText)'")
        }
        var order = OMEDimensionOrder.xyzct
        if let orderText = element.attribute("DimensionOrder") {
            guard let parsed = OMEDimensionOrder(rawValue: orderText.trimmingSpaces) else {
                throw ImMetaIOError(.corruptData, "OME-XML image \(imageID): unknown DimensionOrder '\(orderText)'")
            }
            order = parsed
        }
        var sizes: [Int] = []
        for name in ["SizeX", "SizeY", "SizeZ", "SizeC", "SizeT"] {
            guard let size = OMEValue.positiveInt(element.attribute(name)) else {
                throw ImMetaIOError(
                    .corruptData,
                    "OME-XML image \(imageID): Pixels \(name) is \(element.attribute(name).map { "'\($0)'" } ?? "missing"), not a positive integer"
                )
            }
            sizes.append(size)
        }
        var pixels = OMEPixels(
            id: element.attribute("ID") ?? "Pixels:\(index)", dimensionOrder: order, type: type, sizeX: sizes[0], sizeY: sizes[1],
            sizeZ: sizes[2],
            sizeC: sizes[3], sizeT: sizes[4])
        pixels.significantBits = OMEValue.positiveInt(element.attribute("SignificantBits"))
        pixels.physicalSizeX = OMEValue.length(
            element.attribute("PhysicalSizeX"), unit: element.attribute("PhysicalSizeXUnit"), default: .micrometer, positive: true)
        pixels.physicalSizeY = OMEValue.length(
            element.attribute("PhysicalSizeY"), unit: element.attribute("PhysicalSizeYUnit"), default: .micrometer, positive: true)
        pixels.physicalSizeZ = OMEValue.length(
            element.attribute("PhysicalSizeZ"), unit: element.attribute("PhysicalSizeZUnit"), default: .micrometer, positive: true)
        pixels.timeIncrement = OMEValue.time(element.attribute("TimeIncrement"), unit: element.attribute("TimeIncrementUnit"))
        pixels.bigEndian = OMEValue.bool(element.attribute("BigEndian"))
        pixels.interleaved = OMEValue.bool(element.attribute("Interleaved"))
        for child in element.elements {
            switch child.localName {
            case "Channel": pixels.channels.append(channel(child, imageIndex: index, index: pixels.channels.count))
            case "TiffData": pixels.tiffData.append(tiffData(child))
            case "BinData": pixels.binData.append(Self.detach(child))
            case "Plane": if let plane = plane(child) { pixels.planes.append(plane) }
            default: break
            }
        }
        return pixels
    }

    private func channel(_ element: XMLTreeElement, imageIndex: Int, index: Int) -> OMEChannel {
        var attributes = AttributeReader(element)
        var channel = OMEChannel(id: attributes["ID"] ?? "Channel:\(imageIndex):\(index)", name: attributes["Name"])
        channel.samplesPerPixel = OMEValue.positiveInt(attributes["SamplesPerPixel"])
        channel.color = OMEValue.color(attributes["Color"])
        channel.excitationWavelength = OMEValue.length(
            attributes["ExcitationWavelength"], unit: attributes["ExcitationWavelengthUnit"], default: .nanometer, positive: true)
        channel.emissionWavelength = OMEValue.length(
            attributes["EmissionWavelength"], unit: attributes["EmissionWavelengthUnit"], default: .nanometer, positive: true)
        channel.fluor = attributes["Fluor"]
        channel.pinholeSize = OMEValue.length(attributes["PinholeSize"], unit: attributes["PinholeSizeUnit"], default: .micrometer)
        if keepsExtras { channel.otherAttributes = attributes.remaining }
        for child in element.elements {
            if child.localName == "AnnotationRef" {
                if let ref = child.attribute("ID") { channel.annotationRefs.append(ref) }
            } else if keepsExtras, OMEXMLLayout.channelChildRank[child.localName] != nil {
                channel.otherElements.append(Self.detach(child))
            }
        }
        return channel
    }

    private func tiffData(_ element: XMLTreeElement) -> OMETiffData {
        var block = OMETiffData(
            ifd: OMEValue.nonNegativeInt(element.attribute("IFD")) ?? 0, firstZ: OMEValue.nonNegativeInt(element.attribute("FirstZ")) ?? 0,
            firstT: OMEValue.nonNegativeInt(element.attribute("FirstT")) ?? 0,
            firstC: OMEValue.nonNegativeInt(element.attribute("FirstC")) ?? 0,
            planeCount: OMEValue.nonNegativeInt(element.attribute("PlaneCount")))
        if let uuid = element.firstElement(named: "UUID") {
            let value = uuid.text.trimmingSpaces
            block.uuid = value.isEmpty ? nil : value
            block.fileName = uuid.attribute("FileName")
        }
        return block
    }

    private func plane(_ element: XMLTreeElement) -> OMEPlane? {
        guard let z = OMEValue.nonNegativeInt(element.attribute("TheZ")), let t = OMEValue.nonNegativeInt(element.attribute("TheT")),
            let c = OMEValue.nonNegativeInt(element.attribute("TheC"))
        else { return nil }
        var plane = OMEPlane(
            theZ: z, theT: t, theC: c, deltaT: OMEValue.time(element.attribute("DeltaT"), unit: element.attribute("DeltaTUnit")),
            exposureTime: OMEValue.time(element.attribute("ExposureTime"), unit: element.attribute("ExposureTimeUnit")),
            positionX: OMEValue.length(element.attribute("PositionX"), unit: element.attribute("PositionXUnit"), default: .referenceFrame),
            positionY: OMEValue.length(element.attribute("PositionY"), unit: element.attribute("PositionYUnit"), default: .referenceFrame),
            positionZ: OMEValue.length(element.attribute("PositionZ"), unit: element.attribute("PositionZUnit"), default: .referenceFrame))
        for child in element.elements {
            switch child.localName {
            case "HashSHA1": plane.hashSHA1 = child.text.trimmingSpaces
            case "AnnotationRef": if let ref = child.attribute("ID") { plane.annotationRefs.append(ref) }
            default: break
            }
        }
        return plane
    }

    private func instrument(_ element: XMLTreeElement, index: Int) -> OMEInstrument {
        var instrument = OMEInstrument(id: element.attribute("ID") ?? "Instrument:\(index)")
        for child in element.elements {
            var attributes = AttributeReader(child)
            switch child.localName {
            case "Microscope":
                var microscope = OMEMicroscope(
                    manufacturer: attributes["Manufacturer"], model: attributes["Model"], type: attributes["Type"])
                if keepsExtras { microscope.otherAttributes = attributes.remaining }
                instrument.microscope = microscope
            case "Objective":
                var objective = OMEObjective(
                    id: attributes["ID"] ?? "Objective:\(index):\(instrument.objectives.count)", manufacturer: attributes["Manufacturer"],
                    model: attributes["Model"], nominalMagnification: OMEValue.double(attributes["NominalMagnification"]),
                    lensNA: OMEValue.double(attributes["LensNA"]), immersion: attributes["Immersion"])
                if keepsExtras { objective.otherAttributes = attributes.remaining }
                objective.annotationRefs = child.elements(named: "AnnotationRef").compactMap { $0.attribute("ID") }
                instrument.objectives.append(objective)
            case "Detector":
                var detector = OMEDetector(
                    id: attributes["ID"] ?? "Detector:\(index):\(instrument.detectors.count)", manufacturer: attributes["Manufacturer"],
                    model: attributes["Model"], type: attributes["Type"])
                if keepsExtras { detector.otherAttributes = attributes.remaining }
                detector.annotationRefs = child.elements(named: "AnnotationRef").compactMap { $0.attribute("ID") }
                instrument.detectors.append(detector)
            case "AnnotationRef":
                if let ref = child.attribute("ID") { instrument.annotationRefs.append(ref) }
            default:
                if keepsExtras, OMEXMLLayout.instrumentChildRank[child.localName] != nil {
                    instrument.otherElements.append(Self.detach(child))
                }
            }
        }
        return instrument
    }

    private func annotations(_ element: XMLTreeElement) -> [OMEAnnotation] {
        var result: [OMEAnnotation] = []
        for child in element.elements {
            guard let id = child.attribute("ID") else { continue }
            let description = child.firstElement(named: "Description")?.text
            let refs = child.elements(named: "AnnotationRef").compactMap { $0.attribute("ID") }
            switch child.localName {
            case "MapAnnotation":
                var map = OMEMapAnnotation(id: id, namespace: child.attribute("Namespace"))
                map.description = description
                map.annotationRefs = refs
                map.pairs = (child.firstElement(named: "Value")?.elements(named: "M") ?? []).map {
                    OMEMapAnnotation.Pair($0.attribute("K") ?? "", $0.text)
                }
                result.append(.map(map))
            case "XMLAnnotation":
                let content = (child.firstElement(named: "Value")?.elements ?? []).map {
                    Self.detach($0).xmlString(declaration: false, indentation: nil)
                }
                var xml = OMEXMLAnnotation(id: id, namespace: child.attribute("Namespace"), value: content.joined())
                xml.description = description
                xml.annotationRefs = refs
                result.append(.xml(xml))
            default:
                if keepsExtras, OMEXMLLayout.annotationTypes.contains(child.localName) { result.append(.other(Self.detach(child))) }
            }
        }
        return result
    }

    /// A copy of an element that reads the same wherever it is written in a 2016-06 document:
    /// OME-family elements lose their prefix (the document's default namespace is OME's),
    /// OME-family namespace declarations point at 2016-06, and other namespaces are declared on
    /// the elements that use them.
    static func detach(_ element: XMLTreeElement, outputDefault: String? = OMEDocument.namespace) -> XMLTreeElement {
        var copy = element
        for index in copy.attributes.indices
        where (copy.attributes[index].name == "xmlns" || copy.attributes[index].name.hasPrefix("xmlns:"))
            && OMEValue.isOMENamespace(copy.attributes[index].value)
        {
            copy.attributes[index].value = OMEDocument.namespace
        }
        var inScopeDefault = copy.attribute("xmlns").map { $0.isEmpty ? nil : $0 } ?? outputDefault
        let uri = element.namespaceURI
        if OMEValue.isOMENamespace(uri) {
            copy.name = element.localName
            copy.namespaceURI = OMEDocument.namespace
            if inScopeDefault != OMEDocument.namespace {
                copy.setAttribute("xmlns", OMEDocument.namespace)
                inScopeDefault = OMEDocument.namespace
            }
        } else if let prefix = element.prefix {
            if let uri, copy.attribute("xmlns:" + prefix) == nil, prefix != "xml" { copy.setAttribute("xmlns:" + prefix, uri) }
        } else if inScopeDefault != uri {
            copy.setAttribute("xmlns", uri ?? "")
            inScopeDefault = uri
        }
        copy.children = copy.children.map { node in
            if case .element(let child) = node { return .element(detach(child, outputDefault: inScopeDefault)) }
            return node
        }
        return copy
    }
}

/// Reads an element's attributes and tracks which were read, to keep the rest.
struct AttributeReader {
    private let element: XMLTreeElement
    private var used: Set<String> = []

    init(_ element: XMLTreeElement) { self.element = element }

    subscript(name: String) -> String? {
        mutating get {
            used.insert(name)
            return element.attribute(name)
        }
    }

    /// The attributes not read, without namespace declarations.
    var remaining: [XMLAttribute] {
        element.attributes.filter { !used.contains($0.name) && $0.name != "xmlns" && !$0.name.hasPrefix("xmlns:") }
    }
}
