#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ThorImage acquisition saved as RAW: `Experiment.xml` (root `ThorImageExperiment`) beside
/// `Image_0001_0001.raw` (or `Image_001_001.raw`), one image of uint16 pixels.
///
/// Open it from the folder, the `Experiment.xml` or the `.raw` file:
/// ```swift
/// let file = try ThorlabsRAWFile(path: "/data/Untitled_001")
/// let stack = try file.image.read(MicroscopyRegion(t: 0..<1))
/// ```
/// The metadata follows ``ThorlabsRAWLayout`` for the dimensions; pixel sizes come from
/// `LSM@pixelWidthUM`/`pixelHeightUM` (else `pixelSizeUM`), the Z step from
/// `ZStage@stepSizeUM`, the time increment from the frame rate (streaming) or
/// `Timelapse@intervalSec` (Z and T capture), channel names from `Wavelength@name`, the date
/// from `Date@date`; every attribute of the XML is kept in the annotations as
/// `Element.attribute`.
///
/// ### Errors
/// `missingFile` names the `Experiment.xml` or RAW file that is missing; `corruptData` covers
/// malformed XML, impossible dimensions and a RAW file shorter than the XML implies (with both
/// sizes).
public struct ThorlabsRAWFile: MicroscopyFile {
    /// `Thorlabs RAW`.
    public var formatName: String { "Thorlabs RAW" }
    /// The path the file was opened from (folder, XML or RAW).
    public let path: String
    /// The `Experiment.xml` read.
    public let experimentPath: String
    /// The RAW file read.
    public let rawPath: String
    /// The parsed `Experiment.xml`.
    public let experiment: XMLTreeElement
    /// The acquisition.
    public let image: ThorlabsRAWImage

    /// The one image.
    public var images: [any MicroscopyImage] { [image] }

    /// The RAW names ThorImage writes for the first image, tried in order.
    public static let rawFileNames = ["Image_0001_0001.raw", "Image_001_001.raw"]

    /// Opens an acquisition from its folder, its `Experiment.xml` or its `.raw` file.
    /// - Parameters:
    ///   - path: the acquisition's folder, its `Experiment.xml` or its `.raw` file.
    ///   - limits: Bounds on what one ``ThorlabsRAWImage/read(_:level:)`` may allocate.
    public init(path: String, limits: DecodeLimits = .default) throws(ImMetaIOError) {
        self.path = path
        let (experimentPath, rawPath) = try Self.locate(path)
        self.experimentPath = experimentPath
        self.rawPath = rawPath
        experiment = try Self.parseExperiment(experimentPath)
        let layout = try ThorlabsRAWLayout(experiment: experiment, file: experimentPath)
        let bytes = try ResourceBytes(mapping: rawPath)
        guard let expected = layout.expectedByteCount else {
            throw ImMetaIOError(
                .corruptData, "Experiment.xml describes an impossibly large acquisition (\(layout.shape))", file: experimentPath)
        }
        guard bytes.count >= expected else {
            throw ImMetaIOError(
                .corruptData,
                "the RAW file has \(bytes.count) bytes but Experiment.xml implies \(expected) (T \(layout.sizeT) × (Z \(layout.sizeZ) + flyback \(layout.flybackFrames)) × C \(layout.sizeC) × \(layout.sizeY) × \(layout.sizeX) × 2 bytes)",
                file: rawPath)
        }
        var metadata = ThorlabsExperiment.metadata(root: experiment, layout: layout, rawPath: rawPath, experimentPath: experimentPath)
        if bytes.count > expected { metadata.annotations["ThorlabsRAW.extraBytes"] = String(bytes.count - expected) }
        image = ThorlabsRAWImage(metadata: metadata, layout: layout, bytes: bytes, rawPath: rawPath, limits: limits)
    }

    /// Finds the folder, `Experiment.xml` and RAW file from any of the three paths.
    static func locate(_ path: String) throws(ImMetaIOError) -> (experiment: String, raw: String) {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let kind = FileSystem.kind(trimmed) else { throw ImMetaIOError(.missingFile, "no such file or folder", file: path) }
        let folder: String
        var raw: String?
        switch kind {
        case .directory:
            folder = trimmed
        case .file:
            folder = FileSystem.parent(trimmed)
            if trimmed.lowercased().hasSuffix(".raw") {
                raw = trimmed
            } else if !trimmed.lowercased().hasSuffix(".xml") {
                throw ImMetaIOError(.unsupportedFormat, "not a ThorImage Experiment.xml, RAW file or acquisition folder", file: path)
            }
        }
        let experiment: String
        if kind == .file, trimmed.lowercased().hasSuffix(".xml") {
            experiment = trimmed
        } else {
            let candidate = FileSystem.join(folder, "Experiment.xml")
            guard FileSystem.kind(candidate) == .file else {
                throw ImMetaIOError(
                    .missingFile, "Experiment.xml is missing: ThorImage RAW data needs it beside the RAW file", file: candidate)
            }
            experiment = candidate
        }
        if raw == nil {
            raw = rawFileNames.map { FileSystem.join(folder, $0) }.first { FileSystem.kind($0) == .file }
        }
        if raw == nil {
            let others = FileSystem.list(folder).filter { $0.hasPrefix("Image_") && $0.lowercased().hasSuffix(".raw") }.sorted()
            if others.count == 1 { raw = FileSystem.join(folder, others[0]) }
        }
        guard let raw else {
            throw ImMetaIOError(
                .missingFile, "the RAW file is missing: expected \(rawFileNames.joined(separator: " or ")) beside Experiment.xml",
                file: folder)
        }
        return (experiment, raw)
    }

    /// Reads and parses `Experiment.xml`. ThorImage writes no encoding declaration; text that is
    /// not UTF-8 is read as windows-1252, the code page of the Windows machines it runs on.
    static func parseExperiment(_ path: String) throws(ImMetaIOError) -> XMLTreeElement {
        let bytes = try ResourceBytes(mapping: path)
        let limits = XMLLimits(maxInputBytes: 16 << 20)
        let result = bytes.withUnsafeBytes { raw -> Result<XMLTreeElement, XMLParseError> in
            let buffer = raw.bindMemory(to: UInt8.self)
            do throws(XMLParseError) {
                return .success(try XMLTreeElement(parsing: buffer, limits: limits))
            } catch  where error.kind == .invalidEncoding && buffer.count <= limits.maxInputBytes {
                return Result { () throws(XMLParseError) -> XMLTreeElement in
                    try XMLTreeElement(parsing: try XMLTextDecoding.windows1252ToUTF8(buffer), limits: limits)
                }
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let root): return root
        case .failure(let error): throw ImMetaIOError(error, file: path)
        }
    }
}

/// The few file-system questions the reader asks, without Foundation.
enum FileSystem {
    enum Kind { case file, directory }

    static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return nil
        }
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The names in a folder (without `.` and `..`); empty when it cannot be read.
    static func list(_ folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
