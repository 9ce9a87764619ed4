/// An OME `Image`: one multi-dimensional image (a series, scene or well sample) with its pixels.
public struct OMEImage: Sendable, Hashable {
    /// The `Image` ID (`Image:0`).
    public var id: String
    /// The image's name.
    public var name: String?
    /// When the acquisition started, ISO 8601 as written in the file.
    public var acquisitionDate: String?
    /// A free-text description.
    public var description: String?
    /// The ID of the instrument that took the image.
    public var instrumentRef: String?
    /// The objective used (its ID) and how.
    public var objectiveSettings: OMEObjectiveSettings?
    /// The pixels.
    public var pixels: OMEPixels
    /// The IDs of the annotations attached to the image.
    public var annotationRefs: [String]
    /// Child elements not modelled here (`ExperimenterRef`, `StageLabel`, `ImagingEnvironment`,
    /// `ROIRef` …), kept from 2016-06 documents.
    public var otherElements: [XMLTreeElement]

    /// Creates an image.
    public init(id: String, name: String? = nil, pixels: OMEPixels) {
        self.id = id
        self.name = name
        self.pixels = pixels
        annotationRefs = []
        otherElements = []
    }
}

/// An image's `ObjectiveSettings`: which objective (by ID) and with which medium.
public struct OMEObjectiveSettings: Sendable, Hashable {
    /// The ID of the objective in the instrument.
    public var id: String
    /// The immersion medium (`Air`, `Oil`, `Water`, `Glycerol`, `Other`).
    public var medium: String?
    /// The refractive index of the medium.
    public var refractiveIndex: Double?
    /// The correction collar setting.
    public var correctionCollar: Double?

    /// Creates objective settings.
    public init(id: String, medium: String? = nil, refractiveIndex: Double? = nil, correctionCollar: Double? = nil) {
        self.id = id
        self.medium = medium
        self.refractiveIndex = refractiveIndex
        self.correctionCollar = correctionCollar
    }
}
