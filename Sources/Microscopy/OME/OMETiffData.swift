/// A `TiffData` block: which IFDs of which TIFF file hold which planes.
public struct OMETiffData: Sendable, Hashable {
    /// The first IFD (0-based).
    public var ifd: Int
    /// The Z index of the first plane.
    public var firstZ: Int
    /// The T index of the first plane.
    public var firstT: Int
    /// The C index of the first plane.
    public var firstC: Int
    /// How many consecutive planes (in dimension order) the block covers; `nil` means all the
    /// IFDs from ``ifd`` on (or 1 when ``ifd`` is given, by OME convention).
    public var planeCount: Int?
    /// The UUID (`urn:uuid:…`) of the file holding the planes, for multi-file sets.
    public var uuid: String?
    /// The name of the file holding the planes, for multi-file sets.
    public var fileName: String?

    /// Creates a block.
    public init(
        ifd: Int = 0, firstZ: Int = 0, firstT: Int = 0, firstC: Int = 0, planeCount: Int? = nil, uuid: String? = nil,
        fileName: String? = nil
    ) {
        self.ifd = ifd
        self.firstZ = firstZ
        self.firstT = firstT
        self.firstC = firstC
        self.planeCount = planeCount
        self.uuid = uuid
        self.fileName = fileName
    }
}
