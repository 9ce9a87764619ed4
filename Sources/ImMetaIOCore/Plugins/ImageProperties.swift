import NDArrayModule

/// What a file holds, read from headers without decoding pixels (imageio's `ImageProperties`).
public struct ImageProperties: Sendable, Hashable {
    /// The shape ``ImageFile/read(index:)`` returns for the same index.
    public var shape: [Int]
    /// The dtype ``ImageFile/read(index:)`` returns.
    public var dtype: DType
    /// How many images the file holds, or `nil` when it is unknown without reading everything.
    public var imageCount: Int?
    /// Whether the shape's first axis counts images (true when all images were asked for).
    public var isBatch: Bool
    /// Physical size of one pixel per spatial axis (y, x), in the unit the format records, when known.
    public var spacing: [Double]?

    /// Creates properties.
    public init(shape: [Int], dtype: DType, imageCount: Int?, isBatch: Bool = false, spacing: [Double]? = nil) {
        self.shape = shape
        self.dtype = dtype
        self.imageCount = imageCount
        self.isBatch = isBatch
        self.spacing = spacing
    }
}

/// Which images of a file to read.
///
/// An integer literal selects one image: `read(index: 2)`. Passing no index (`nil`) lets the
/// format choose, as imageio does: the first image for most formats, every frame of an animation.
public enum ImageIndex: Sendable, Hashable, ExpressibleByIntegerLiteral {
    /// One image, counted from 0.
    case at(Int)
    /// Every image, stacked along a new first axis.
    case all

    /// Selects one image.
    public init(integerLiteral value: Int) { self = .at(value) }
}
