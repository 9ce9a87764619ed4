import ImMetaIOCore
import NDArrayModule
import OrderedCollections
import TIFFFormat

/// A TIFF-based microscopy file: OME-TIFF, Zeiss LSM, an ImageJ hyperstack or a plain
/// (multi-page) TIFF, opened lazily as TZCYX(S) images.
///
/// - **OME-TIFF**: one image per OME `Image` (series), its planes where its `TiffData` blocks
///   put them, in this file or, for a multi-file set, in the files beside it (a TIFF of the set
///   whose OME-XML is `BinaryOnly` leads to the companion file, which describes the whole set);
///   SubIFDs are the pyramid levels. Pages with more samples than a plane needs hold several
///   channels, as Bio-Formats reads them.
/// - **LSM**: the CZ_LSMINFO record gives Z, C and T, the voxel sizes and the time interval; the
///   channel names and colours come from its ChannelColors block. Channels are the samples of each
///   page; thumbnail pages are skipped.
/// - **ImageJ**: the description's `images`, `channels`, `slices` and `frames` lay the pages out
///   (channel fastest, then slice, then frame); `unit`, `spacing` and `finterval` and the
///   resolution tags give the calibration.
/// - **Plain TIFF**: the leading run of full-resolution pages with one shape and dtype forms the
///   T axis (as OMIO reads tifffile's generic `I` axis); several samples per pixel form `S`.
public struct TIFFMicroscopyFile: MicroscopyFile {
    public let formatName: String
    public let path: String
    public let images: [any MicroscopyImage]

    /// Opens a TIFF file and reads its metadata (no pixels). `limits` bound what one read of its
    /// images may allocate.
    public init(path: String, limits: DecodeLimits = .default) throws(ImMetaIOError) {
        let container = try TIFFContainer(path: path)
        self.path = path
        let first = container.pages[0]
        let description = first.text(270) ?? ""
        if description.contains("<OME"), let images = Self.omeImages(container, description: description, limits: limits) {
            formatName = "OME-TIFF"
            self.images = try images.get()
        } else if let info = try LSMInfo(first, container: container) {
            formatName = "LSM"
            images = [try Self.lsmImage(container, info: info, limits: limits)]
        } else if description.hasPrefix("ImageJ="), let image = try Self.imageJImage(container, description: description, limits: limits) {
            formatName = "ImageJ TIFF"
            images = [image]
        } else {
            formatName = "TIFF"
            images = [try Self.plainImage(container, limits: limits)]
        }
    }

    /// Opens the OME-XML companion file of a multi-file OME-TIFF set: its images, with their planes
    /// in the TIFFs beside it.
    public init(companionPath path: String, limits: DecodeLimits = .default) throws(ImMetaIOError) {
        let document = try Self.companionDocument(path)
        self.path = path
        formatName = "OME-TIFF"
        images = try OMETIFFLayout.images(of: document, container: nil, folder: Self.folder(of: path), documentPath: path, limits: limits)
        guard !images.isEmpty else { throw ImMetaIOError(.corruptData, "the OME-XML describes no image", file: path) }
    }

    /// The OME-TIFF's images, following a `BinaryOnly` pointer to the set's companion file; `nil`
    /// when the description is no usable OME-XML (the file is then read as a plain TIFF).
    private static func omeImages(_ container: TIFFContainer, description: String, limits: DecodeLimits) -> Result<[any MicroscopyImage], ImMetaIOError>? {
        guard var document = try? OMEDocument(parsing: description) else { return nil }
        var documentPath = container.path
        let folder = folder(of: container.path)
        if let binaryOnly = document.binaryOnly {
            let name = binaryOnly.metadataFile
            guard !name.contains("/") else {
                return .failure(ImMetaIOError(.corruptData, "BinaryOnly names the file '\(name)' outside the set's folder", file: container.path))
            }
            documentPath = folder.isEmpty ? name : "\(folder)/\(name)"
            do {
                document = try companionDocument(documentPath)
            } catch {
                return .failure(error)
            }
        }
        guard !document.images.isEmpty else { return nil }
        return Result { () throws(ImMetaIOError) in
            try OMETIFFLayout.images(of: document, container: container, folder: folder, documentPath: documentPath, limits: limits)
        }
    }

    /// Companion files are XML: read whole, within a size limit.
    private static func companionDocument(_ path: String) throws(ImMetaIOError) -> OMEDocument {
        let bytes = try ResourceBytes(mapping: path)
        guard bytes.count <= 256 << 20 else {
            throw ImMetaIOError(.limitExceeded, "the OME-XML companion file is over 256 MiB", file: path)
        }
        do {
            return try bytes.withUnsafeBytes { raw throws(ImMetaIOError) in try OMEDocument(parsing: raw) }
        } catch {
            throw error.naming(path)
        }
    }

    private static func folder(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
    }

    /// The pages of the main chain that are not thumbnails or overviews, as indices.
    private static func fullResolutionPages(_ container: TIFFContainer) -> [Int] {
        container.pages.indices.filter { !container.pages[$0].isReduced }
    }

    private static func provenance(_ container: TIFFContainer, format: String) -> OrderedDictionary<String, String> {
        ["source_file": container.path, "source_format": format, "scene": "0"]
    }

    // MARK: Plain TIFF

    private static func plainImage(_ container: TIFFContainer, limits: DecodeLimits) throws(ImMetaIOError) -> any MicroscopyImage {
        let indices = fullResolutionPages(container)
        guard let firstIndex = indices.first else {
            throw ImMetaIOError(.corruptData, "invalid TIFF: every page is a reduced-resolution image", file: container.path)
        }
        let first = container.pages[firstIndex]
        let run = indices.prefix { container.pages[$0].shape == first.shape && container.pages[$0].dtype == first.dtype }
        let samples = first.samples > 1
        var metadata = MicroscopyMetadata(
            axes: samples ? [.t, .z, .c, .y, .x, .s] : MicroscopyAxis.canonical,
            shape: [run.count, 1, 1, first.height, first.width] + (samples ? [first.samples] : []), dtype: first.dtype)
        applyResolution(first, to: &metadata, unitOverride: nil)
        metadata.provenance = provenance(container, format: "TIFF")
        for (tag, key) in [(270 as UInt16, "TIFF.ImageDescription"), (305, "TIFF.Software"), (306, "TIFF.DateTime")] {
            if let text = first.text(tag), !text.isEmpty { metadata.annotations[key] = text }
        }
        let planes = run.map { TIFFPlaneReference(container: container, page: $0, sample: nil) }
        return try TIFFPlaneImage(metadata: metadata, planes: planes, pyramid: true, limits: limits)
    }

    /// Pixel size from XResolution/YResolution (pixels per unit) and ResolutionUnit (2 inch, 3 cm);
    /// ImageJ's `unit` replaces the unit when ResolutionUnit is none.
    private static func applyResolution(_ page: TIFFContainerPage, to metadata: inout MicroscopyMetadata, unitOverride: LengthUnit?) {
        guard let x = page.real(282), let y = page.real(283), x > 0, y > 0, x.isFinite, y.isFinite else { return }
        let unit: LengthUnit
        switch page.integer(296) ?? 2 {
        case 3: unit = unitOverride ?? .centimeter
        case 2: unit = unitOverride ?? .inch
        default:
            guard let unitOverride else { return }
            unit = unitOverride
        }
        // A resolution of 1 pixel per inch (the TIFF default many writers leave) says nothing.
        if unitOverride == nil, x == 1, y == 1 { return }
        metadata.physicalSizeX = Length(1 / x, unit)
        metadata.physicalSizeY = Length(1 / y, unit)
    }

    // MARK: LSM

    private static func lsmImage(_ container: TIFFContainer, info: LSMInfo, limits: DecodeLimits) throws(ImMetaIOError) -> any MicroscopyImage {
        let indices = fullResolutionPages(container)
        let (sizeT, sizeZ, sizeC) = (info.dimensionTime, info.dimensionZ, info.dimensionChannels)
        guard let firstIndex = indices.first else { throw ImMetaIOError(.corruptData, "invalid LSM: no image pages", file: container.path) }
        let first = container.pages[firstIndex]
        guard first.samples == sizeC else {
            throw ImMetaIOError(
                .corruptData, "invalid LSM: CZ_LSMINFO says \(sizeC) channels, the pages have \(first.samples) samples", file: container.path)
        }
        guard indices.count >= sizeT * sizeZ else {
            throw ImMetaIOError(
                .corruptData, "invalid LSM: CZ_LSMINFO says \(sizeT) × \(sizeZ) planes, the file has \(indices.count) image pages",
                file: container.path)
        }
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: [sizeT, sizeZ, sizeC, first.height, first.width], dtype: first.dtype)
        if info.voxelSizeX > 0 { metadata.physicalSizeX = Length(info.voxelSizeX * 1e6, .micrometer) }
        if info.voxelSizeY > 0 { metadata.physicalSizeY = Length(info.voxelSizeY * 1e6, .micrometer) }
        if sizeZ > 1, info.voxelSizeZ > 0 { metadata.physicalSizeZ = Length(info.voxelSizeZ * 1e6, .micrometer) }
        if info.timeInterval > 0 {
            metadata.timeIncrement = TimeQuantity(info.timeInterval, .second)
        } else if sizeT > 1, info.timeStamps.count >= 2, let last = info.timeStamps.last, let firstStamp = info.timeStamps.first, last > firstStamp {
            metadata.timeIncrement = TimeQuantity((last - firstStamp) / Double(info.timeStamps.count - 1), .second)
        }
        metadata.channels = (0..<sizeC).map { c in
            MicroscopyChannel(
                name: info.channelNames.indices.contains(c) ? info.channelNames[c] : nil,
                color: info.channelColors.indices.contains(c) ? info.channelColors[c] : nil)
        }
        if let objective = info.recording["Objective"] { metadata.instrument = InstrumentSummary(objective: objective) }
        metadata.name = info.recording["Name"]
        metadata.provenance = provenance(container, format: "LSM")
        metadata.annotations["LSM.ScanType"] = String(info.scanType)
        metadata.annotations["LSM.VoxelSizeX"] = "\(info.voxelSizeX)"
        metadata.annotations["LSM.VoxelSizeY"] = "\(info.voxelSizeY)"
        metadata.annotations["LSM.VoxelSizeZ"] = "\(info.voxelSizeZ)"
        metadata.annotations["LSM.TimeIntervall"] = "\(info.timeInterval)"
        if !info.timeStamps.isEmpty { metadata.annotations["LSM.TimeStamps"] = info.timeStamps.map { "\($0)" }.joined(separator: ",") }
        for (key, value) in info.recording { metadata.annotations["LSM.ScanInformation.\(key)"] = value }
        var planes: [TIFFPlaneReference?] = []
        for t in 0..<sizeT {
            for z in 0..<sizeZ {
                for c in 0..<sizeC { planes.append(TIFFPlaneReference(container: container, page: indices[t * sizeZ + z], sample: c)) }
            }
        }
        return try TIFFPlaneImage(metadata: metadata, planes: planes, pyramid: false, limits: limits)
    }

    // MARK: ImageJ

    /// The ImageJ hyperstack, or `nil` when the description does not fit the pages (the file is
    /// then read as a plain TIFF).
    private static func imageJImage(_ container: TIFFContainer, description: String, limits: DecodeLimits) throws(ImMetaIOError) -> (any MicroscopyImage)? {
        var values: OrderedDictionary<String, String> = [:]
        for line in description.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        func count(_ key: String) -> Int? {
            guard let text = values[key] else { return 1 }
            guard let value = Int(text), value >= 1, value < 1 << 24 else { return nil }
            return value
        }
        let indices = fullResolutionPages(container)
        guard let firstIndex = indices.first, let images = count("images"), let frames = count("frames"), let slices = count("slices"),
            var channels = count("channels")
        else { return nil }
        let first = container.pages[firstIndex]
        let samples = first.samples > 1
        if samples, channels == first.samples { channels = 1 }
        guard let planeCount = NDArray.checkedElementCount([frames, slices, channels]), planeCount == images || images == 1,
            indices.count >= planeCount,
            indices.prefix(planeCount).allSatisfy({ container.pages[$0].shape == first.shape && container.pages[$0].dtype == first.dtype })
        else { return nil }
        var metadata = MicroscopyMetadata(
            axes: samples ? [.t, .z, .c, .y, .x, .s] : MicroscopyAxis.canonical,
            shape: [frames, slices, channels, first.height, first.width] + (samples ? [first.samples] : []), dtype: first.dtype)
        let unit = values["unit"].flatMap { LengthUnit(parsing: $0.replacingOccurrences(of: "\\u00B5", with: "µ")) }
        applyResolution(first, to: &metadata, unitOverride: unit)
        if slices > 1, let spacing = values["spacing"].flatMap(Double.init), spacing > 0 {
            metadata.physicalSizeZ = Length(spacing, unit ?? metadata.physicalSizeX?.unit ?? .micrometer)
        }
        if frames > 1, let interval = values["finterval"].flatMap(Double.init), interval > 0 {
            metadata.timeIncrement = TimeQuantity(interval, values["tunit"].flatMap { TimeUnit(parsing: $0) } ?? .second)
        }
        metadata.provenance = provenance(container, format: "ImageJ TIFF")
        for (key, value) in values { metadata.annotations["ImageJ.\(key)"] = value }
        let planes = (0..<planeCount).map { TIFFPlaneReference(container: container, page: indices[$0], sample: nil) }
        return try TIFFPlaneImage(metadata: metadata, planes: planes, pyramid: false, limits: limits)
    }
}
