/// The `Pixels` of an OME image: the dimensions, element type and calibration, the channels,
/// where the planes are stored (TIFF IFDs) and per-plane timing and positions.
public struct OMEPixels: Sendable, Hashable {
    /// The `Pixels` ID (`Pixels:0`).
    public var id: String
    /// The order of the planes.
    public var dimensionOrder: OMEDimensionOrder
    /// The element type.
    public var type: OMEPixelType
    /// Bits used of each element, when fewer than the type holds.
    public var significantBits: Int?
    /// Columns.
    public var sizeX: Int
    /// Rows.
    public var sizeY: Int
    /// Focal planes.
    public var sizeZ: Int
    /// Channels, counting each sample of an RGB channel (an RGB image has `SizeC` 3).
    public var sizeC: Int
    /// Time points.
    public var sizeT: Int
    /// The width of a pixel (µm when the file names no unit).
    public var physicalSizeX: Length?
    /// The height of a pixel (µm when the file names no unit).
    public var physicalSizeY: Length?
    /// The distance between focal planes (µm when the file names no unit).
    public var physicalSizeZ: Length?
    /// The time between time points (s when the file names no unit).
    public var timeIncrement: TimeQuantity?
    /// Whether the pixel data is big-endian, when said.
    public var bigEndian: Bool?
    /// Whether the samples of a pixel are stored together (`RGBRGB`), when said.
    public var interleaved: Bool?
    /// The channels, in order.
    public var channels: [OMEChannel]
    /// Where the planes are in TIFF files.
    public var tiffData: [OMETiffData]
    /// Pixel data embedded as `BinData` elements, kept whole.
    public var binData: [XMLTreeElement]
    /// Per-plane timing and positions.
    public var planes: [OMEPlane]

    /// Creates pixels of the given dimensions and type; the rest is empty. With neither
    /// ``tiffData`` nor ``binData`` they are written as `MetadataOnly`.
    public init(
        id: String, dimensionOrder: OMEDimensionOrder = .xyczt, type: OMEPixelType, sizeX: Int, sizeY: Int, sizeZ: Int = 1, sizeC: Int = 1,
        sizeT: Int = 1
    ) {
        self.id = id
        self.dimensionOrder = dimensionOrder
        self.type = type
        self.sizeX = sizeX
        self.sizeY = sizeY
        self.sizeZ = sizeZ
        self.sizeC = sizeC
        self.sizeT = sizeT
        channels = []
        tiffData = []
        binData = []
        planes = []
    }

    /// The number of planes: `SizeZ × SizeC × SizeT` with `SizeC` counted in channels (each
    /// plane of an RGB channel holds all its samples); `nil` when the product overflows.
    public var planeCount: Int? {
        let channelCount = max(1, sizeC / samplesPerPixel)
        let (zc, overflow1) = max(1, sizeZ).multipliedReportingOverflow(by: channelCount)
        let (count, overflow2) = zc.multipliedReportingOverflow(by: max(1, sizeT))
        return overflow1 || overflow2 ? nil : count
    }

    /// The samples per pixel shared by every channel when the channels are RGB-like (all with
    /// the same `SamplesPerPixel` above 1, and `SizeC` equal to channels × samples); 1 otherwise.
    public var samplesPerPixel: Int {
        guard let first = channels.first?.samplesPerPixel, first > 1, channels.allSatisfy({ $0.samplesPerPixel == first }),
            channels.count * first == sizeC
        else { return 1 }
        return first
    }

    /// The Z, C and T index of each plane in ``dimensionOrder``: the order of IFDs in an OME-TIFF
    /// written plane by plane. C counts channels (not samples). Empty when there would be more
    /// than `limit` planes.
    public func planeCoordinates(limit: Int = 1 << 24) -> [(z: Int, c: Int, t: Int)] {
        guard let count = planeCount, count <= limit else { return [] }
        let channelCount = max(1, sizeC / samplesPerPixel)
        let extents: [MicroscopyAxis: Int] = [.z: max(1, sizeZ), .c: channelCount, .t: max(1, sizeT)]
        let axes = dimensionOrder.planeAxes
        guard axes.count == 3, let e0 = extents[axes[0]], let e1 = extents[axes[1]], let e2 = extents[axes[2]] else { return [] }
        var result: [(z: Int, c: Int, t: Int)] = []
        result.reserveCapacity(count)
        for i2 in 0..<e2 {
            for i1 in 0..<e1 {
                for i0 in 0..<e0 {
                    var index: [MicroscopyAxis: Int] = [:]
                    index[axes[0]] = i0
                    index[axes[1]] = i1
                    index[axes[2]] = i2
                    result.append((index[.z] ?? 0, index[.c] ?? 0, index[.t] ?? 0))
                }
            }
        }
        return result
    }
}
