/// A label image (a segmentation) written beside an OME-Zarr image, in its `labels` group.
///
/// The label image has the image's `t`, `z`, `y` and `x` extents (or 1 where it does not vary)
/// and an integer dtype. It gets as many levels as the image, downsampled by picking the top-left
/// pixel of each block, so no label value is invented.
///
/// ```swift
/// let nuclei = OMEZarrLabel(name: "nuclei", image: mask, colors: [1: RGBAColor(red: 255, green: 0, blue: 0)])
/// try OMEZarrWriter().write(image, to: "cells.ome.zarr", labels: [nuclei])
/// ```
public struct OMEZarrLabel: Sendable {
    /// The label image's name in the `labels` group (a path segment: no `/`).
    public var name: String
    /// The label pixels (one channel; an integer dtype).
    public var image: any MicroscopyImage
    /// Display colours by label value (`image-label.colors`).
    public var colors: [Int: RGBAColor]
    /// Arbitrary properties by label value (`image-label.properties`).
    public var properties: [Int: JSONObject]

    /// Creates a label image description.
    public init(name: String, image: any MicroscopyImage, colors: [Int: RGBAColor] = [:], properties: [Int: JSONObject] = [:]) {
        self.name = name
        self.image = image
        self.colors = colors
        self.properties = properties
    }
}
