import OrderedCollections

/// One of the `StructuredAnnotations` of an OME document.
public enum OMEAnnotation: Sendable, Hashable {
    /// Key–value pairs.
    case map(OMEMapAnnotation)
    /// Arbitrary XML (the modulo description of FLIM and spectral data, vendor blocks).
    case xml(OMEXMLAnnotation)
    /// Another annotation type (`CommentAnnotation`, `LongAnnotation`, `TagAnnotation` …), kept
    /// whole from 2016-06 documents.
    case other(XMLTreeElement)

    /// The annotation's ID (`Annotation:0`).
    public var id: String {
        switch self {
        case .map(let map): map.id
        case .xml(let xml): xml.id
        case .other(let element): element.attribute("ID") ?? ""
        }
    }

    /// The annotation's namespace, when it has one.
    public var namespace: String? {
        switch self {
        case .map(let map): map.namespace
        case .xml(let xml): xml.namespace
        case .other(let element): element.attribute("Namespace")
        }
    }
}

/// A `MapAnnotation`: key–value pairs in order (a key may repeat).
public struct OMEMapAnnotation: Sendable, Hashable {
    /// One pair.
    public struct Pair: Sendable, Hashable {
        /// The key (`K`).
        public var key: String
        /// The value.
        public var value: String

        /// Creates a pair.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The annotation ID (`Annotation:0`).
    public var id: String
    /// The namespace that says how to read the pairs (`openmicroscopy.org/omero/client/mapAnnotation`).
    public var namespace: String?
    /// A free-text description.
    public var description: String?
    /// The pairs, in order.
    public var pairs: [Pair]
    /// The IDs of annotations attached to this one.
    public var annotationRefs: [String]

    /// Creates a map annotation.
    public init(id: String, namespace: String? = nil, pairs: [Pair] = []) {
        self.id = id
        self.namespace = namespace
        self.pairs = pairs
        annotationRefs = []
    }

    /// Creates a map annotation from an ordered dictionary.
    public init(id: String, namespace: String? = nil, values: OrderedDictionary<String, String>) {
        self.init(id: id, namespace: namespace, pairs: values.map { Pair($0.key, $0.value) })
    }

    /// The pairs as a dictionary; the first value wins for a repeated key.
    public var values: OrderedDictionary<String, String> {
        var result: OrderedDictionary<String, String> = [:]
        for pair in pairs where result[pair.key] == nil { result[pair.key] = pair.value }
        return result
    }
}

/// An `XMLAnnotation`: its `Value` kept as raw XML text, so that it is written back unchanged.
public struct OMEXMLAnnotation: Sendable, Hashable {
    /// The annotation ID (`Annotation:0`).
    public var id: String
    /// The namespace that says how to read the value (`openmicroscopy.org/omero/dimension/modulo`).
    public var namespace: String?
    /// A free-text description.
    public var description: String?
    /// The content of `Value` as XML text (zero or more elements). Elements of the OME
    /// namespace appear without prefix; other namespaces are declared where they are used.
    public var value: String
    /// The IDs of annotations attached to this one.
    public var annotationRefs: [String]

    /// Creates an XML annotation.
    public init(id: String, namespace: String? = nil, value: String) {
        self.id = id
        self.namespace = namespace
        self.value = value
        annotationRefs = []
    }

    /// The elements of ``value``, parsed; empty when it holds none or is not well-formed.
    public func valueElements(limits: XMLLimits = .default) -> [XMLTreeElement] {
        guard let wrapper = try? XMLTreeElement(parsing: "<Value>" + value + "</Value>", limits: limits) else { return [] }
        return wrapper.elements
    }
}
