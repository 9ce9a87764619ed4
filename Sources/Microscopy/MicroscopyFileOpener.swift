import Foundation
import ImMetaIOCore

/// Opens a microscopy file of any supported kind, lazily: OME-TIFF, LSM, ImageJ and plain TIFF,
/// CZI, Thorlabs RAW (the folder, its `Experiment.xml` or its `.raw` file) and OME-Zarr.
///
/// The kind is found from the file's first bytes, or from the folder's contents, never from the
/// extension alone.
///
/// ```swift
/// let file = try openMicroscopyFile("cells.czi")
/// let image = try file.image(scene: 0)
/// print(image.metadata.axesString, image.metadata.shape)
/// ```
public func openMicroscopyFile(_ path: String) throws(ImMetaIOError) -> any MicroscopyFile {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw ImMetaIOError(.missingFile, "no such file or folder", file: path)
    }
    if isFolder.boolValue {
        if let file = try MicroscopyOpeners.openFolder(path) { return file }
        throw ImMetaIOError(
            .unsupportedFormat, "the folder is neither an OME-Zarr store (zarr.json) nor a Thorlabs acquisition (Experiment.xml)", file: path)
    }
    if let file = try MicroscopyOpeners.openFile(path, header: MicroscopyOpeners.header(of: path)) { return file }
    throw ImMetaIOError(.unsupportedFormat, "not a microscopy file this build reads (TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr)", file: path)
}

/// The readers `openMicroscopyFile` tries, in order.
enum MicroscopyOpeners {
    /// The file's reader, or `nil` when no reader knows its first bytes.
    static func openFile(_ path: String, header: [UInt8]) throws(ImMetaIOError) -> (any MicroscopyFile)? {
        if isTIFF(header) { return try TIFFMicroscopyFile(path: path) }
        return nil
    }

    /// The folder's reader, or `nil` when the folder is no store or acquisition we know.
    static func openFolder(_ path: String) throws(ImMetaIOError) -> (any MicroscopyFile)? {
        nil
    }

    static func isTIFF(_ header: [UInt8]) -> Bool {
        header.starts(with: [0x49, 0x49, 42, 0]) || header.starts(with: [0x4D, 0x4D, 0, 42])
            || header.starts(with: [0x49, 0x49, 43, 0]) || header.starts(with: [0x4D, 0x4D, 0, 43])
    }

    /// Up to 64 bytes from the start of a file.
    static func header(of path: String) throws(ImMetaIOError) -> [UInt8] {
        try ResourceBytes(mapping: path).prefix(64)
    }
}
