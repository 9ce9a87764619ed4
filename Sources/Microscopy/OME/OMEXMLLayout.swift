/// The child order the 2016-06 schema requires, as ranks: elements are written sorted by rank,
/// modelled and kept ones alike. Names not listed are not valid children and are not kept.
enum OMEXMLLayout {
    static let omeChildRank: [String: Int] = [
        "Rights": 0, "Project": 1, "Dataset": 2, "Folder": 3, "Experiment": 4, "Plate": 5, "Screen": 6, "Experimenter": 7,
        "ExperimenterGroup": 8, "Instrument": 9, "Image": 10, "StructuredAnnotations": 11, "ROI": 12,
    ]

    static let imageChildRank: [String: Int] = [
        "AcquisitionDate": 0, "ExperimenterRef": 1, "Description": 2, "ExperimentRef": 3, "ExperimenterGroupRef": 4, "InstrumentRef": 5,
        "ObjectiveSettings": 6, "ImagingEnvironment": 7, "StageLabel": 8, "Pixels": 9, "ROIRef": 10, "MicrobeamManipulationRef": 11,
        "AnnotationRef": 12,
    ]

    static let channelChildRank: [String: Int] = [
        "LightSourceSettings": 0, "DetectorSettings": 1, "FilterSetRef": 2, "AnnotationRef": 3, "LightPath": 4,
    ]

    static let instrumentChildRank: [String: Int] = [
        "Microscope": 0, "Laser": 1, "Arc": 1, "Filament": 1, "LightEmittingDiode": 1, "GenericExcitationSource": 1, "Detector": 2,
        "Objective": 3, "FilterSet": 4, "Filter": 5, "Dichroic": 6, "AnnotationRef": 7,
    ]

    static let annotationTypes: Set<String> = [
        "XMLAnnotation", "FileAnnotation", "ListAnnotation", "LongAnnotation", "DoubleAnnotation", "CommentAnnotation",
        "BooleanAnnotation", "TimestampAnnotation", "TagAnnotation", "TermAnnotation", "MapAnnotation",
    ]

    static let microscopeTypes: Set<String> = ["Upright", "Inverted", "Dissection", "Electrophysiology", "Other"]
    static let immersions: Set<String> = ["Oil", "Water", "WaterDipping", "Air", "Multi", "Glycerol", "Other"]
    static let media: Set<String> = ["Air", "Oil", "Water", "Glycerol", "Other"]
    static let detectorTypes: Set<String> = [
        "CCD", "IntensifiedCCD", "AnalogVideo", "PMT", "Photodiode", "Spectroscopy", "LifetimeImaging", "CorrelationSpectroscopy", "FTIR",
        "EMCCD", "APD", "CMOS", "EBCCD", "Other",
    ]

    /// Merges modelled elements (with their ranks) and kept ones, in schema order; stable within
    /// a rank.
    static func ordered(_ modelled: [(rank: Int, element: XMLTreeElement)], kept: [XMLTreeElement], ranks: [String: Int]) -> [XMLTreeNode] {
        let all = modelled + kept.compactMap { element in ranks[element.localName].map { (rank: $0, element: element) } }
        return all.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map { .element($0.element.element) }
    }
}
