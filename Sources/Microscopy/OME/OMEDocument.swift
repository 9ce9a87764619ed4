/// An OME-XML document (schema 2016-06): images, instruments and structured annotations, or a
/// `BinaryOnly` pointer to a companion metadata file.
///
/// Reads OME-XML of any schema version since 2010 (elements are matched by local name) and
/// writes 2016-06:
/// ```swift
/// let document = try OMEDocument(parsing: imageDescription)
/// let pixels = document.images[0].pixels          // sizes, type, physical sizes with units
/// let xml = document.xmlString()                  // schema-valid 2016-06
/// ```
/// Content the model does not hold (plates, ROIs, light sources, other annotation types …) is
/// kept from 2016-06 documents and written back in its place; from older documents it is
/// dropped, since its structure may differ from 2016-06.
public struct OMEDocument: Sendable, Hashable {
    /// The 2016-06 OME namespace.
    public static let namespace = "http://www.openmicroscopy.org/Schemas/OME/2016-06"

    /// The software that wrote the document.
    public var creator: String?
    /// The document's UUID (`urn:uuid:…`), which `TiffData` blocks of multi-file sets refer to.
    public var uuid: String?
    /// The images, in order (one per series or scene).
    public var images: [OMEImage]
    /// The instruments.
    public var instruments: [OMEInstrument]
    /// The structured annotations, in order.
    public var annotations: [OMEAnnotation]
    /// For a TIFF of a multi-file set whose metadata lives in a companion file: that file.
    public var binaryOnly: OMEBinaryOnly?
    /// Top-level elements not modelled here (`Plate`, `Screen`, `ROI`, `Experimenter`,
    /// `Project`, `Dataset` …), kept from 2016-06 documents.
    public var otherElements: [XMLTreeElement]

    /// Creates a document.
    public init(
        creator: String? = nil, uuid: String? = nil, images: [OMEImage] = [], instruments: [OMEInstrument] = [],
        annotations: [OMEAnnotation] = []
    ) {
        self.creator = creator
        self.uuid = uuid
        self.images = images
        self.instruments = instruments
        self.annotations = annotations
        otherElements = []
    }

    /// Parses OME-XML bytes (UTF-8, or UTF-16 with a byte-order mark).
    /// - Throws: `ImMetaIOError` with `corruptData` for malformed XML or a missing required
    ///   value (pixel type, sizes), `unsupportedFormat` when the root element is not `OME`,
    ///   `limitExceeded` when a limit is exceeded.
    public init(parsing bytes: some Collection<UInt8>, limits: XMLLimits = .default) throws(ImMetaIOError) {
        let root: XMLTreeElement
        do {
            root = try XMLTreeElement(parsing: bytes, limits: limits)
        } catch {
            throw ImMetaIOError(error)
        }
        try self.init(xml: root)
    }

    /// Parses OME-XML held in a string.
    public init(parsing text: String, limits: XMLLimits = .default) throws(ImMetaIOError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// Builds the model from a parsed tree whose root is `OME`.
    public init(xml root: XMLTreeElement) throws(ImMetaIOError) {
        self = try OMEXMLDecoder(root: root).document(root)
    }

    /// The document as a 2016-06 element tree.
    public func xmlElement() -> XMLTreeElement {
        OMEXMLEncoder(self).document(self)
    }

    /// The document as 2016-06 OME-XML text, with an XML declaration.
    /// - Parameter indentation: One indentation level, or `nil` (the default) for one line, as
    ///   OME-TIFF writers store it.
    public func xmlString(indentation: String? = nil) -> String {
        xmlElement().xmlString(declaration: true, indentation: indentation)
    }

    /// The annotation with this ID.
    public func annotation(id: String) -> OMEAnnotation? {
        annotations.first { $0.id == id }
    }

    /// The instrument with this ID.
    public func instrument(id: String) -> OMEInstrument? {
        instruments.first { $0.id == id }
    }

    /// The modulo description (FLIM lifetime bins, spectral steps) of an image: the first
    /// modulo XML annotation the image refers to.
    public func modulo(for image: OMEImage) -> OMEModulo? {
        for ref in image.annotationRefs {
            if case .xml(let xml)? = annotation(id: ref), let modulo = OMEModulo(xml) { return modulo }
        }
        return nil
    }

    /// A new random UUID in the form OME uses (`urn:uuid:…`).
    public static func makeUUID() -> String { OMEValue.makeUUID() }
}

/// The `BinaryOnly` element of a TIFF in a multi-file set: the companion file holding the
/// metadata.
public struct OMEBinaryOnly: Sendable, Hashable {
    /// The companion file's name (`set.companion.ome`).
    public var metadataFile: String
    /// The companion document's UUID.
    public var uuid: String

    /// Creates a pointer to a companion file.
    public init(metadataFile: String, uuid: String) {
        self.metadataFile = metadataFile
        self.uuid = uuid
    }
}
