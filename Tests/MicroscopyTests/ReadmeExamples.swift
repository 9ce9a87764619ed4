import Microscopy

// The README's and the Microscopy article's Swift examples, compiled with the tests (not run);
// `ReadmeExamplesTests.everySwiftBlockIsCompiled` in ImMetaIOTests checks that the documents
// and these copies agree.

/// README: microscopy.
private func readmeMicroscopy() throws {
    let image = try openMicroscopyFile("cells.czi").image(scene: 0)
    let window = try image.read(MicroscopyRegion(c: 0..<1, y: 0..<1024, x: 0..<1024))
    try writeOMETIFF([image], to: "cells.ome.tif", options: OMETIFFWriteOptions(levels: 3))
    try OMEZarrWriter().write(image, to: "cells.ome.zarr")
    _ = window
}

/// Microscopy: opening, reading and writing.
private func microscopyOverview() throws {
    let file = try openMicroscopyFile("cells.czi")          // or .ome.tif, .lsm, a Thorlabs folder, .ome.zarr
    let image = try file.image(scene: 0)
    print(image.metadata.axesString, image.metadata.shape)   // TZCYX [3, 5, 2, 170, 240]
    print(image.metadata.physicalSizeX!)                     // 0.1 µm
    let window = try image.read(MicroscopyRegion(c: 1..<2, y: 0..<512, x: 0..<512))
    try writeOMETIFF([image], to: "cells.ome.tif", options: OMETIFFWriteOptions(levels: 3))
    _ = window
}
