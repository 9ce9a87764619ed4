/// Writes the OME model as a 2016-06 tree: children in schema order, values in their lexical
/// forms, references only to objects that exist, enumerations only with allowed values.
struct OMEXMLEncoder {
    let annotationIDs: Set<String>
    let instrumentIDs: Set<String>
    let objectiveIDs: Set<String>

    init(_ document: OMEDocument) {
        annotationIDs = Set(document.annotations.map(\.id))
        instrumentIDs = Set(document.instruments.map(\.id))
        objectiveIDs = Set(document.instruments.flatMap { $0.objectives.map(\.id) })
    }

    func document(_ document: OMEDocument) -> XMLTreeElement {
        var root = XMLTreeElement(
            "OME",
            attributes: [
                XMLAttribute("xmlns", OMEDocument.namespace), XMLAttribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                XMLAttribute("xsi:schemaLocation", "\(OMEDocument.namespace) \(OMEDocument.namespace)/ome.xsd"),
            ])
        if let uuid = document.uuid, OMEValue.isUUID(uuid) { root.setAttribute("UUID", uuid) }
        if let creator = document.creator { root.setAttribute("Creator", creator) }
        if let binaryOnly = document.binaryOnly {
            root.append(
                XMLTreeElement(
                    "BinaryOnly",
                    attributes: [XMLAttribute("MetadataFile", binaryOnly.metadataFile), XMLAttribute("UUID", binaryOnly.uuid)]))
            return root
        }
        var modelled: [(rank: Int, element: XMLTreeElement)] = []
        modelled += document.instruments.map { (9, instrument($0)) }
        modelled += document.images.map { (10, image($0)) }
        if !document.annotations.isEmpty {
            modelled.append((11, XMLTreeElement("StructuredAnnotations", children: document.annotations.map { .element(annotation($0)) })))
        }
        root.children = OMEXMLLayout.ordered(modelled, kept: document.otherElements, ranks: OMEXMLLayout.omeChildRank)
        return root
    }

    private func refs(_ ids: [String], to known: Set<String>, name: String = "AnnotationRef") -> [XMLTreeElement] {
        ids.filter(known.contains).map { XMLTreeElement(name, attributes: [XMLAttribute("ID", $0)]) }
    }

    private func textElement(_ name: String, _ text: String) -> XMLTreeElement {
        var element = XMLTreeElement(name)
        element.append(text: text)
        return element
    }

    private func image(_ image: OMEImage) -> XMLTreeElement {
        var element = XMLTreeElement("Image", attributes: ["ID": image.id, "Name": image.name])
        var modelled: [(rank: Int, element: XMLTreeElement)] = []
        if let date = image.acquisitionDate, OMEValue.isDateTime(date) { modelled.append((0, textElement("AcquisitionDate", date))) }
        if let description = image.description { modelled.append((2, textElement("Description", description))) }
        if let ref = image.instrumentRef, instrumentIDs.contains(ref) {
            modelled.append((5, XMLTreeElement("InstrumentRef", attributes: [XMLAttribute("ID", ref)])))
        }
        if let settings = image.objectiveSettings, objectiveIDs.contains(settings.id) {
            modelled.append(
                (
                    6,
                    XMLTreeElement(
                        "ObjectiveSettings",
                        attributes: [
                            "ID": settings.id, "CorrectionCollar": settings.correctionCollar.map(OMEValue.format),
                            "Medium": settings.medium.map { OMEXMLLayout.media.contains($0) ? $0 : "Other" },
                            "RefractiveIndex": settings.refractiveIndex.map(OMEValue.format),
                        ])
                ))
        }
        modelled.append((9, pixels(image.pixels)))
        modelled += refs(image.annotationRefs, to: annotationIDs).map { (12, $0) }
        element.children = OMEXMLLayout.ordered(modelled, kept: image.otherElements, ranks: OMEXMLLayout.imageChildRank)
        return element
    }

    private func pixels(_ pixels: OMEPixels) -> XMLTreeElement {
        var element = XMLTreeElement(
            "Pixels",
            attributes: [
                "ID": pixels.id, "DimensionOrder": pixels.dimensionOrder.rawValue, "Type": pixels.type.rawValue,
                "SignificantBits": pixels.significantBits.flatMap { $0 > 0 ? String($0) : nil },
                "Interleaved": pixels.interleaved.map(OMEValue.format), "BigEndian": pixels.bigEndian.map(OMEValue.format),
                "SizeX": String(pixels.sizeX), "SizeY": String(pixels.sizeY), "SizeZ": String(pixels.sizeZ), "SizeC": String(pixels.sizeC),
                "SizeT": String(pixels.sizeT),
            ])
        Self.setLength(pixels.physicalSizeX, "PhysicalSizeX", positive: true, on: &element)
        Self.setLength(pixels.physicalSizeY, "PhysicalSizeY", positive: true, on: &element)
        Self.setLength(pixels.physicalSizeZ, "PhysicalSizeZ", positive: true, on: &element)
        Self.setTime(pixels.timeIncrement, "TimeIncrement", on: &element)
        for channel in pixels.channels { element.append(self.channel(channel)) }
        if !pixels.tiffData.isEmpty {
            for block in pixels.tiffData { element.append(tiffData(block)) }
        } else if !pixels.binData.isEmpty {
            for block in pixels.binData { element.append(block) }
        } else {
            element.append(XMLTreeElement("MetadataOnly"))
        }
        for plane in pixels.planes { element.append(self.plane(plane)) }
        return element
    }

    private func channel(_ channel: OMEChannel) -> XMLTreeElement {
        var element = XMLTreeElement(
            "Channel",
            attributes: [
                "ID": channel.id, "Name": channel.name, "SamplesPerPixel": channel.samplesPerPixel.flatMap { $0 > 0 ? String($0) : nil },
                "Fluor": channel.fluor, "Color": channel.color.map { String($0.omeInteger) },
            ])
        Self.setLength(channel.excitationWavelength, "ExcitationWavelength", positive: true, on: &element)
        Self.setLength(channel.emissionWavelength, "EmissionWavelength", positive: true, on: &element)
        Self.setLength(channel.pinholeSize, "PinholeSize", positive: false, on: &element)
        for attribute in channel.otherAttributes where element.attribute(attribute.name) == nil { element.attributes.append(attribute) }
        let modelled = refs(channel.annotationRefs, to: annotationIDs).map { (rank: 3, element: $0) }
        element.children = OMEXMLLayout.ordered(modelled, kept: channel.otherElements, ranks: OMEXMLLayout.channelChildRank)
        return element
    }

    private func tiffData(_ block: OMETiffData) -> XMLTreeElement {
        var element = XMLTreeElement(
            "TiffData",
            attributes: [
                "IFD": String(block.ifd), "FirstZ": String(block.firstZ), "FirstT": String(block.firstT), "FirstC": String(block.firstC),
                "PlaneCount": block.planeCount.map(String.init),
            ])
        if let uuid = block.uuid, OMEValue.isUUID(uuid) {
            var uuidElement = XMLTreeElement("UUID", attributes: ["FileName": block.fileName])
            uuidElement.append(text: uuid)
            element.append(uuidElement)
        }
        return element
    }

    private func plane(_ plane: OMEPlane) -> XMLTreeElement {
        var element = XMLTreeElement("Plane", attributes: ["TheZ": String(plane.theZ), "TheT": String(plane.theT), "TheC": String(plane.theC)])
        Self.setTime(plane.deltaT, "DeltaT", on: &element)
        Self.setTime(plane.exposureTime, "ExposureTime", on: &element)
        Self.setLength(plane.positionX, "PositionX", positive: false, on: &element)
        Self.setLength(plane.positionY, "PositionY", positive: false, on: &element)
        Self.setLength(plane.positionZ, "PositionZ", positive: false, on: &element)
        if let hash = plane.hashSHA1, hash.utf8.count == 40, hash.allSatisfy(\.isHexDigit) { element.append(textElement("HashSHA1", hash)) }
        for ref in refs(plane.annotationRefs, to: annotationIDs) { element.append(ref) }
        return element
    }

    private func instrument(_ instrument: OMEInstrument) -> XMLTreeElement {
        var element = XMLTreeElement("Instrument", attributes: [XMLAttribute("ID", instrument.id)])
        var modelled: [(rank: Int, element: XMLTreeElement)] = []
        if let microscope = instrument.microscope {
            var child = XMLTreeElement(
                "Microscope",
                attributes: [
                    "Manufacturer": microscope.manufacturer, "Model": microscope.model,
                    "Type": microscope.type.map { OMEXMLLayout.microscopeTypes.contains($0) ? $0 : "Other" },
                ])
            child.attributes += microscope.otherAttributes.filter { child.attribute($0.name) == nil }
            modelled.append((0, child))
        }
        for detector in instrument.detectors {
            var child = XMLTreeElement(
                "Detector",
                attributes: [
                    "Manufacturer": detector.manufacturer, "Model": detector.model, "ID": detector.id,
                    "Type": detector.type.map { OMEXMLLayout.detectorTypes.contains($0) ? $0 : "Other" },
                ])
            child.attributes += detector.otherAttributes.filter { child.attribute($0.name) == nil }
            child.children = refs(detector.annotationRefs, to: annotationIDs).map { .element($0) }
            modelled.append((2, child))
        }
        for objective in instrument.objectives {
            var child = XMLTreeElement(
                "Objective",
                attributes: [
                    "Manufacturer": objective.manufacturer, "Model": objective.model, "ID": objective.id,
                    "Immersion": objective.immersion.map { OMEXMLLayout.immersions.contains($0) ? $0 : "Other" },
                    "LensNA": objective.lensNA.map(OMEValue.format),
                    "NominalMagnification": objective.nominalMagnification.map(OMEValue.format),
                ])
            child.attributes += objective.otherAttributes.filter { child.attribute($0.name) == nil }
            child.children = refs(objective.annotationRefs, to: annotationIDs).map { .element($0) }
            modelled.append((3, child))
        }
        modelled += refs(instrument.annotationRefs, to: annotationIDs).map { (7, $0) }
        element.children = OMEXMLLayout.ordered(modelled, kept: instrument.otherElements, ranks: OMEXMLLayout.instrumentChildRank)
        return element
    }

    private func annotation(_ annotation: OMEAnnotation) -> XMLTreeElement {
        switch annotation {
        case .other(let element):
            return element
        case .map(let map):
            var element = annotationElement(
                "MapAnnotation", id: map.id, namespace: map.namespace, description: map.description, refs: map.annotationRefs)
            var value = XMLTreeElement("Value")
            for pair in map.pairs {
                var entry = XMLTreeElement("M", attributes: [XMLAttribute("K", pair.key)])
                entry.append(text: pair.value)
                value.append(entry)
            }
            element.append(value)
            return element
        case .xml(let xml):
            var element = annotationElement(
                "XMLAnnotation", id: xml.id, namespace: xml.namespace, description: xml.description, refs: xml.annotationRefs)
            var value = XMLTreeElement("Value")
            if let parsed = try? XMLTreeElement(parsing: "<Value xmlns=\"\(OMEDocument.namespace)\">" + xml.value + "</Value>") {
                value.children = parsed.children
            } else {
                // Not well-formed XML: kept as text rather than lost (the schema wants elements here).
                value.append(text: xml.value)
            }
            element.append(value)
            return element
        }
    }

    private func annotationElement(_ name: String, id: String, namespace: String?, description: String?, refs ids: [String]) -> XMLTreeElement {
        var element = XMLTreeElement(name, attributes: ["ID": id, "Namespace": namespace])
        if let description { element.append(textElement("Description", description)) }
        for ref in refs(ids, to: annotationIDs) { element.append(ref) }
        return element
    }

    private static func setLength(_ length: Length?, _ name: String, positive: Bool, on element: inout XMLTreeElement) {
        guard let length, length.value.isFinite, !positive || length.value > 0 else { return }
        element.setAttribute(name, OMEValue.format(length.value))
        element.setAttribute(name + "Unit", length.unit.symbol)
    }

    private static func setTime(_ time: TimeQuantity?, _ name: String, on element: inout XMLTreeElement) {
        guard let time, time.value.isFinite else { return }
        element.setAttribute(name, OMEValue.format(time.value))
        element.setAttribute(name + "Unit", time.unit.symbol)
    }
}
