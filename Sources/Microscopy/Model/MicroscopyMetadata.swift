import NDArrayModule
import OrderedCollections

/// What a microscopy image is: its axes, shape and element type, its physical calibration, its
/// channels, and where it came from.
///
/// Every reader fills in the same fields, whatever the vendor: sizes in the file's own units (an
/// nm stays an nm), the time between time points, channel names. What has no common field stays
/// in ``annotations`` under the vendor's own key names.
public struct MicroscopyMetadata: Sendable, Equatable {
    /// The image's name, when the file gives one.
    public var name: String?
    /// The axes of ``shape``: `TZCYX`, or `TZCYXS` for colour pixels.
    public var axes: [MicroscopyAxis]
    /// The extent of each axis, in the order of ``axes`` (full resolution).
    public var shape: [Int]
    /// The element type.
    public var dtype: DType
    /// Bits used of each element, when fewer than the dtype holds (12-bit data in uint16).
    public var significantBits: Int?
    /// The width of a pixel.
    public var physicalSizeX: Length?
    /// The height of a pixel.
    public var physicalSizeY: Length?
    /// The distance between focal planes.
    public var physicalSizeZ: Length?
    /// The time between time points.
    public var timeIncrement: TimeQuantity?
    /// One entry per channel (as many as the `C` extent, or empty when the file names none).
    public var channels: [MicroscopyChannel]
    /// When the acquisition started, ISO 8601 (`2024-03-01T12:30:00`), when the file says.
    public var acquisitionDate: String?
    /// The microscope, objective and detector in a few words, when the file says.
    public var instrument: InstrumentSummary?
    /// Where the image came from: source files, format, scene, merges. Written as an OME
    /// MapAnnotation by the OME writers.
    public var provenance: OrderedDictionary<String, String>
    /// The vendor's own metadata that has no field above, flattened to `path: value` pairs
    /// (`LSM.pixelSizeUM`, `CZ_LSMINFO.TimeIntervall` …).
    public var annotations: OrderedDictionary<String, String>

    /// Creates metadata for an image of the given axes, shape and dtype; the rest is empty.
    public init(axes: [MicroscopyAxis], shape: [Int], dtype: DType) {
        self.axes = axes
        self.shape = shape
        self.dtype = dtype
        channels = []
        provenance = [:]
        annotations = [:]
    }

    /// The axes as a string: `"TZCYX"` or `"TZCYXS"`.
    public var axesString: String { String(axes.map(\.rawValue)) }

    /// The extent of one axis (1 when the image has no such axis).
    public func extent(of axis: MicroscopyAxis) -> Int {
        axes.firstIndex(of: axis).map { shape[$0] } ?? 1
    }

    /// Whether the pixels carry several samples (RGB), the trailing `S` axis.
    public var hasSamples: Bool { axes.last == .s }
}

/// The instrument in a few words: enough for the OME-XML `Instrument` element's basics.
public struct InstrumentSummary: Sendable, Hashable, Codable {
    /// The microscope's model (`LSM 880`).
    public var microscope: String?
    /// The objective's model (`Plan-Apochromat 63x/1.40 Oil`).
    public var objective: String?
    /// The objective's nominal magnification.
    public var nominalMagnification: Double?
    /// The objective's numerical aperture.
    public var lensNA: Double?
    /// The immersion medium (`Oil`, `Water`, `Air` …).
    public var immersion: String?
    /// The detector's model.
    public var detector: String?

    /// Creates an instrument summary.
    public init(
        microscope: String? = nil, objective: String? = nil, nominalMagnification: Double? = nil, lensNA: Double? = nil,
        immersion: String? = nil, detector: String? = nil
    ) {
        self.microscope = microscope
        self.objective = objective
        self.nominalMagnification = nominalMagnification
        self.lensNA = lensNA
        self.immersion = immersion
        self.detector = detector
    }
}
