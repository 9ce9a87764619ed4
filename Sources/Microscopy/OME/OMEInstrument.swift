/// An OME `Instrument`: the microscope with its objectives and detectors. Light sources,
/// filters and dichroics are kept whole in ``otherElements``.
public struct OMEInstrument: Sendable, Hashable {
    /// The `Instrument` ID (`Instrument:0`).
    public var id: String
    /// The microscope stand.
    public var microscope: OMEMicroscope?
    /// The detectors.
    public var detectors: [OMEDetector]
    /// The objectives.
    public var objectives: [OMEObjective]
    /// The IDs of the annotations attached to the instrument.
    public var annotationRefs: [String]
    /// Child elements not modelled here (`Laser`, `Arc`, `Filter`, `FilterSet`, `Dichroic` …),
    /// kept from 2016-06 documents.
    public var otherElements: [XMLTreeElement]

    /// Creates an instrument.
    public init(id: String, microscope: OMEMicroscope? = nil, detectors: [OMEDetector] = [], objectives: [OMEObjective] = []) {
        self.id = id
        self.microscope = microscope
        self.detectors = detectors
        self.objectives = objectives
        annotationRefs = []
        otherElements = []
    }
}

/// The microscope stand of an instrument.
public struct OMEMicroscope: Sendable, Hashable {
    /// The manufacturer.
    public var manufacturer: String?
    /// The model.
    public var model: String?
    /// `Upright`, `Inverted`, `Dissection`, `Electrophysiology` or `Other`.
    public var type: String?
    /// Attributes not modelled here (`SerialNumber`, `LotNumber`).
    public var otherAttributes: [XMLAttribute]

    /// Creates a microscope description.
    public init(manufacturer: String? = nil, model: String? = nil, type: String? = nil) {
        self.manufacturer = manufacturer
        self.model = model
        self.type = type
        otherAttributes = []
    }
}

/// An objective of an instrument.
public struct OMEObjective: Sendable, Hashable {
    /// The `Objective` ID (`Objective:0:0`).
    public var id: String
    /// The manufacturer.
    public var manufacturer: String?
    /// The model (`Plan-Apochromat 63x/1.40 Oil`).
    public var model: String?
    /// The nominal magnification.
    public var nominalMagnification: Double?
    /// The numerical aperture.
    public var lensNA: Double?
    /// `Oil`, `Water`, `WaterDipping`, `Air`, `Multi`, `Glycerol` or `Other`.
    public var immersion: String?
    /// The IDs of the annotations attached to the objective.
    public var annotationRefs: [String]
    /// Attributes not modelled here (`Correction`, `WorkingDistance`, `SerialNumber` …).
    public var otherAttributes: [XMLAttribute]

    /// Creates an objective description.
    public init(
        id: String, manufacturer: String? = nil, model: String? = nil, nominalMagnification: Double? = nil, lensNA: Double? = nil,
        immersion: String? = nil
    ) {
        self.id = id
        self.manufacturer = manufacturer
        self.model = model
        self.nominalMagnification = nominalMagnification
        self.lensNA = lensNA
        self.immersion = immersion
        annotationRefs = []
        otherAttributes = []
    }
}

/// A detector of an instrument.
public struct OMEDetector: Sendable, Hashable {
    /// The `Detector` ID (`Detector:0:0`).
    public var id: String
    /// The manufacturer.
    public var manufacturer: String?
    /// The model.
    public var model: String?
    /// `CCD`, `PMT`, `EMCCD`, `CMOS`, `APD`, `Photodiode`, … or `Other`.
    public var type: String?
    /// The IDs of the annotations attached to the detector.
    public var annotationRefs: [String]
    /// Attributes not modelled here (`Gain`, `Voltage`, `Offset`, `Zoom` …).
    public var otherAttributes: [XMLAttribute]

    /// Creates a detector description.
    public init(id: String, manufacturer: String? = nil, model: String? = nil, type: String? = nil) {
        self.id = id
        self.manufacturer = manufacturer
        self.model = model
        self.type = type
        annotationRefs = []
        otherAttributes = []
    }
}
