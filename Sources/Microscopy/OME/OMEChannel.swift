/// A `Channel` of OME pixels: what was imaged in it and how it is shown.
public struct OMEChannel: Sendable, Hashable {
    /// The `Channel` ID (`Channel:0:0`).
    public var id: String
    /// The channel's name.
    public var name: String?
    /// Samples per pixel (3 for an RGB camera channel).
    public var samplesPerPixel: Int?
    /// The display colour (OME's signed `RRGGBBAA` integer).
    public var color: RGBAColor?
    /// The excitation wavelength (nm when the file names no unit).
    public var excitationWavelength: Length?
    /// The emission wavelength (nm when the file names no unit).
    public var emissionWavelength: Length?
    /// The fluorophore.
    public var fluor: String?
    /// The pinhole size (µm when the file names no unit).
    public var pinholeSize: Length?
    /// The IDs of the annotations attached to the channel.
    public var annotationRefs: [String]
    /// Attributes not modelled here (`AcquisitionMode`, `IlluminationType` …), kept from
    /// 2016-06 documents.
    public var otherAttributes: [XMLAttribute]
    /// Child elements not modelled here (`LightSourceSettings`, `DetectorSettings`,
    /// `FilterSetRef`, `LightPath`), kept from 2016-06 documents.
    public var otherElements: [XMLTreeElement]

    /// Creates a channel.
    public init(
        id: String, name: String? = nil, samplesPerPixel: Int? = nil, color: RGBAColor? = nil, excitationWavelength: Length? = nil,
        emissionWavelength: Length? = nil, fluor: String? = nil
    ) {
        self.id = id
        self.name = name
        self.samplesPerPixel = samplesPerPixel
        self.color = color
        self.excitationWavelength = excitationWavelength
        self.emissionWavelength = emissionWavelength
        self.fluor = fluor
        annotationRefs = []
        otherAttributes = []
        otherElements = []
    }
}
