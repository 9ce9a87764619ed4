import Foundation
import ImMetaIOCore
import TIFFFormat

/// Opens a microscopy file of any supported kind, lazily: OME-TIFF, LSM, ImageJ and plain TIFF,
/// CZI, Thorlabs RAW (the folder, its `Experiment.xml` or its `.raw` file) and OME-Zarr.
///
/// The kind is found from the file's first bytes, or from the folder's contents, never from the
/// extension alone. `limits` bound what one read of its images may allocate.
///
/// ```swift
/// let file = try openMicroscopyFile("cells.czi")
/// let image = try file.image(scene: 0)
/// print(image.metadata.axesString, image.metadata.shape)
/// ```
public func openMicroscopyFile(_ path: String, limits: DecodeLimits = .default) throws(ImMetaIOError) -> any MicroscopyFile {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw ImMetaIOError(.missingFile, "no such file or folder", file: path)
    }
    if isFolder.boolValue {
        if let file = try MicroscopyOpeners.openFolder(path, limits: limits) { return file }
        throw ImMetaIOError(
            .unsupportedFormat, "the folder is neither an OME-Zarr store (zarr.json) nor a Thorlabs acquisition (Experiment.xml)", file: path)
    }
    if let file = try MicroscopyOpeners.openFile(path, header: MicroscopyOpeners.header(of: path), limits: limits) { return file }
    throw ImMetaIOError(.unsupportedFormat, "not a microscopy file this build reads (TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr)", file: path)
}

/// The kinds of microscopy input, as found from a file's first bytes or a folder's contents.
public enum MicroscopyFormatKind: String, Sendable, Hashable, CaseIterable {
    /// A TIFF whose first page holds OME-XML (or a `BinaryOnly` pointer to a companion file).
    case omeTIFF = "OME-TIFF"
    /// An OME-XML companion file of a multi-file OME-TIFF set.
    case omeCompanion = "OME-XML companion"
    /// A Zeiss LSM file (a TIFF with CZ_LSMINFO).
    case lsm = "LSM"
    /// An ImageJ hyperstack TIFF.
    case imageJTIFF = "ImageJ TIFF"
    /// Any other TIFF.
    case tiff = "TIFF"
    /// A Zeiss CZI file.
    case czi = "CZI"
    /// A ThorImage acquisition (`Experiment.xml` with its `.raw` file).
    case thorlabsRAW = "Thorlabs RAW"
    /// An OME-Zarr store.
    case omeZarr = "OME-Zarr"

    /// Whether the kind is a microscopy format in its own right (not a generic or ImageJ TIFF):
    /// `immetaio copy` writes such files as 5-D TZCYX(S) arrays.
    public var isMicroscopySpecific: Bool { ![.tiff, .imageJTIFF].contains(self) }

    /// The kind of the file or folder at `path`, or `nil` when it is none of these (or unreadable).
    public static func detect(_ path: String) -> MicroscopyFormatKind? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        if isFolder.boolValue { return MicroscopyOpeners.folderKind(path) }
        guard let header = try? MicroscopyOpeners.header(of: path) else { return nil }
        return MicroscopyOpeners.fileKind(path, header: header)
    }
}

/// The readers `openMicroscopyFile` tries, in order.
enum MicroscopyOpeners {
    static func fileKind(_ path: String, header: [UInt8]) -> MicroscopyFormatKind? {
        if isTIFF(header) {
            guard let first = try? TIFFContainer.firstPage(path: path) else { return .tiff }
            if first.byteValues(34412) != nil { return .lsm }
            let description = first.text(270) ?? ""
            if description.contains("<OME") { return .omeTIFF }
            return description.hasPrefix("ImageJ=") ? .imageJTIFF : .tiff
        }
        if isCZI(header) { return .czi }
        if isThorlabs(path, header: header) { return .thorlabsRAW }
        if isOMEXML(header) { return .omeCompanion }
        return nil
    }

    static func folderKind(_ path: String) -> MicroscopyFormatKind? {
        if FileManager.default.fileExists(atPath: "\(path)/zarr.json") { return .omeZarr }
        if FileManager.default.fileExists(atPath: "\(path)/Experiment.xml") { return .thorlabsRAW }
        return nil
    }

    /// The file's reader, or `nil` when no reader knows its first bytes.
    static func openFile(_ path: String, header: [UInt8], limits: DecodeLimits) throws(ImMetaIOError) -> (any MicroscopyFile)? {
        if isTIFF(header) { return try TIFFMicroscopyFile(path: path, limits: limits) }
        if isCZI(header) { return try CZIFile(path: path, limits: limits) }
        if isThorlabs(path, header: header) { return try ThorlabsRAWFile(path: path, limits: limits) }
        if isOMEXML(header) { return try TIFFMicroscopyFile(companionPath: path, limits: limits) }
        return nil
    }

    /// The folder's reader, or `nil` when the folder is no store or acquisition we know.
    static func openFolder(_ path: String, limits: DecodeLimits) throws(ImMetaIOError) -> (any MicroscopyFile)? {
        switch folderKind(path) {
        case .omeZarr?: try OMEZarrFile(path: path, limits: limits)
        case .thorlabsRAW?: try ThorlabsRAWFile(path: path, limits: limits)
        default: nil
        }
    }

    static func isTIFF(_ header: [UInt8]) -> Bool { TIFFFormat().sniff(header) }

    /// A CZI file starts with its `ZISRAWFILE` segment.
    static func isCZI(_ header: [UInt8]) -> Bool { header.starts(with: Array("ZISRAWFILE".utf8)) }

    /// ThorImage's `Experiment.xml`, or a `.raw` file with an `Experiment.xml` beside it.
    static func isThorlabs(_ path: String, header: [UInt8]) -> Bool {
        if String(decoding: header, as: UTF8.self).contains("<ThorImageExperiment") { return true }
        guard path.lowercased().hasSuffix(".raw") else { return false }
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return FileManager.default.fileExists(atPath: "\(folder)/Experiment.xml")
    }

    /// XML (after an optional UTF-8 byte-order mark) whose first kilobyte opens an `OME` element.
    static func isOMEXML(_ header: [UInt8]) -> Bool {
        let text = String(decoding: header.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(header.dropFirst(3)) : header, as: UTF8.self)
        return text.hasPrefix("<") && (text.contains("<OME ") || text.contains("<OME>") || text.contains(":OME "))
    }

    /// Up to 1 KiB from the start of a file: enough to see the root element of an XML file.
    static func header(of path: String) throws(ImMetaIOError) -> [UInt8] {
        try ResourceBytes(mapping: path).prefix(1024)
    }
}
