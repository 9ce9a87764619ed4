/// A subblock of a ``CZIImage`` as its directory entry describes it: where it lies, which plane
/// and level it belongs to, and how it is stored. For tools that work tile by tile and for checks
/// of which subblocks a read touches.
public struct CZISubblockInfo: Sendable, Hashable {
    /// The entry's position in the file's subblock directory.
    public var directoryIndex: Int
    /// The offset of the subblock's segment in the file.
    public var filePosition: Int
    /// The pyramid level (index into ``CZIImage/levelShapes``).
    public var level: Int
    /// The time point (0-based, as on the image's `T` axis).
    public var t: Int
    /// The focal plane (0-based, as on the image's `Z` axis).
    public var z: Int
    /// The channel (0-based, as on the image's `C` axis).
    public var c: Int
    /// The mosaic tile index, when the subblock has one.
    public var m: Int?
    /// The left edge in the level's pixels, relative to the image's origin (pyramid tiles may
    /// overhang the image).
    public var x: Int
    /// The top edge in the level's pixels, relative to the image's origin.
    public var y: Int
    /// The stored (decoded) width.
    public var width: Int
    /// The stored (decoded) height.
    public var height: Int
    /// The left edge in full-resolution pixels of the file's coordinate system.
    public var fileX: Int
    /// The top edge in full-resolution pixels of the file's coordinate system.
    public var fileY: Int
    /// The width it covers in full-resolution pixels.
    public var fileWidth: Int
    /// The height it covers in full-resolution pixels.
    public var fileHeight: Int
    /// The pixel type.
    public var pixelType: CZIPixelType
    /// The compression.
    public var compression: CZICompression
}
