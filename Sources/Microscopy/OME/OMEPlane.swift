/// A `Plane` of OME pixels: the timing and stage position of one Z, C, T plane.
public struct OMEPlane: Sendable, Hashable {
    /// The focal plane index.
    public var theZ: Int
    /// The time point index.
    public var theT: Int
    /// The channel index.
    public var theC: Int
    /// Time since the start of the acquisition (s when the file names no unit).
    public var deltaT: TimeQuantity?
    /// The exposure time (s when the file names no unit).
    public var exposureTime: TimeQuantity?
    /// The stage X position (`reference frame` when the file names no unit).
    public var positionX: Length?
    /// The stage Y position (`reference frame` when the file names no unit).
    public var positionY: Length?
    /// The stage Z position (`reference frame` when the file names no unit).
    public var positionZ: Length?
    /// The SHA-1 of the plane's pixels, 40 hex digits.
    public var hashSHA1: String?
    /// The IDs of the annotations attached to the plane.
    public var annotationRefs: [String]

    /// Creates a plane.
    public init(
        theZ: Int, theT: Int, theC: Int, deltaT: TimeQuantity? = nil, exposureTime: TimeQuantity? = nil, positionX: Length? = nil,
        positionY: Length? = nil, positionZ: Length? = nil
    ) {
        self.theZ = theZ
        self.theT = theT
        self.theC = theC
        self.deltaT = deltaT
        self.exposureTime = exposureTime
        self.positionX = positionX
        self.positionY = positionY
        self.positionZ = positionZ
        annotationRefs = []
    }
}
