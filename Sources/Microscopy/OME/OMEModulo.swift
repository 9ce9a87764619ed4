/// The modulo description of an image (OME "Additions" 2011-09): a dimension that interleaves a
/// second one, such as FLIM lifetime bins along C. Stored in an ``OMEXMLAnnotation`` with the
/// namespace ``annotationNamespace``.
public struct OMEModulo: Sendable, Hashable {
    /// The annotation namespace of a modulo annotation.
    public static let annotationNamespace = "openmicroscopy.org/omero/dimension/modulo"
    /// The value of the `namespace` attribute of the `Modulo` element.
    public static let additionsNamespace = "http://www.openmicroscopy.org/Schemas/Additions/2011-09"

    /// How one axis is subdivided.
    public struct Along: Sendable, Hashable {
        /// `lifetime`, `angle`, `phase`, `tile`, `lambda`, `other` …
        public var type: String?
        /// Free text when ``type`` is `other`.
        public var typeDescription: String?
        /// The unit of ``start``, ``step`` and ``end`` (`ps`, `nm` …).
        public var unit: String?
        /// The first value.
        public var start: Double?
        /// The step between values.
        public var step: Double?
        /// The last value.
        public var end: Double?
        /// One label per step, when the steps are named rather than numbered.
        public var labels: [String]

        /// Creates a subdivision.
        public init(
            type: String? = nil, typeDescription: String? = nil, unit: String? = nil, start: Double? = nil, step: Double? = nil,
            end: Double? = nil, labels: [String] = []
        ) {
            self.type = type
            self.typeDescription = typeDescription
            self.unit = unit
            self.start = start
            self.step = step
            self.end = end
            self.labels = labels
        }

        /// The number of steps: the labels, or `(end - start) / step + 1`.
        public var count: Int? {
            if !labels.isEmpty { return labels.count }
            guard let start, let end, let step, step != 0 else { return nil }
            let steps = ((end - start) / step).rounded() + 1
            guard steps.isFinite, steps >= 1, steps < Double(Int32.max) else { return nil }
            return Int(steps)
        }
    }

    /// The subdivision of Z.
    public var alongZ: Along?
    /// The subdivision of T.
    public var alongT: Along?
    /// The subdivision of C.
    public var alongC: Along?

    /// Creates a modulo description.
    public init(alongZ: Along? = nil, alongT: Along? = nil, alongC: Along? = nil) {
        self.alongZ = alongZ
        self.alongT = alongT
        self.alongC = alongC
    }

    /// Reads the modulo description of an XML annotation, or `nil` when it holds none.
    public init?(_ annotation: OMEXMLAnnotation) {
        guard let modulo = annotation.valueElements().first(where: { $0.localName == "Modulo" }) else { return nil }
        func along(_ name: String) -> Along? {
            guard let element = modulo.firstElement(named: name) else { return nil }
            return Along(
                type: element.attribute("Type"), typeDescription: element.attribute("TypeDescription"), unit: element.attribute("Unit"),
                start: OMEValue.double(element.attribute("Start")), step: OMEValue.double(element.attribute("Step")),
                end: OMEValue.double(element.attribute("End")), labels: element.elements(named: "Label").map(\.text))
        }
        self.init(alongZ: along("ModuloAlongZ"), alongT: along("ModuloAlongT"), alongC: along("ModuloAlongC"))
        if alongZ == nil, alongT == nil, alongC == nil { return nil }
    }

    /// The description as an XML annotation with the modulo namespace.
    public func xmlAnnotation(id: String) -> OMEXMLAnnotation {
        // In the Additions namespace (declared, not only named): in OME's own namespace a `Label`
        // would be taken for the ROI shape of that name by schema validation.
        var modulo = XMLTreeElement(
            "Modulo", attributes: [XMLAttribute("xmlns", Self.additionsNamespace), XMLAttribute("namespace", Self.additionsNamespace)])
        for (name, along) in [("ModuloAlongZ", alongZ), ("ModuloAlongT", alongT), ("ModuloAlongC", alongC)] {
            guard let along else { continue }
            var element = XMLTreeElement(
                name,
                attributes: [
                    "Type": along.type, "TypeDescription": along.typeDescription, "Unit": along.unit,
                    "Start": along.start.map(OMEValue.format), "Step": along.step.map(OMEValue.format),
                    "End": along.end.map(OMEValue.format),
                ])
            for label in along.labels {
                var labelElement = XMLTreeElement("Label")
                labelElement.append(text: label)
                element.append(labelElement)
            }
            modulo.append(element)
        }
        return OMEXMLAnnotation(id: id, namespace: Self.annotationNamespace, value: modulo.xmlString(declaration: false, indentation: nil))
    }
}
