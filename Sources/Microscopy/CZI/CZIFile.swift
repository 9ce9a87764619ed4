import ImMetaIOCore
import NDArrayModule
import OrderedCollections

/// A Zeiss CZI file, opened lazily: one ``CZIImage`` per scene, TZCYX(S), read from the file's own
/// container structure (no CZI library).
///
/// Opening reads the file header, the subblock directory, the XML metadata and the attachment
/// directory; pixels are read only by ``CZIImage/read(_:level:)``.
///
/// - **Axes**: `T`, `Z` and `C` come from the subblocks' start indices, counted from the smallest
///   (files may start at 1). Colour pixel types add `S` in RGB(A) order: Bgr24, Bgr48 and
///   Bgr96Float give 3 samples, Bgra32 gives 4. `R`, `I`, `H`, `V` and `B` have no axis: one index
///   of each is read, the first unless `selecting` picks another, and
///   `annotations["CZI.ignoredDimensions"]` lists those with more than one (`H=32`).
/// - **Scenes**: one image per `S` index, in ascending order (a file without `S` has one image).
/// - **Mosaics and pyramids**: see ``CZIImage``.
/// - **Metadata**: the pixel sizes of `Scaling/Items/Distance` (metres) in µm, channel names,
///   colours and wavelengths, the acquisition date, the time increment (from the `T` dimension's
///   positions, or the `TimeStamps` attachment), microscope, objective and detector; the leaves of
///   `Information` and `Scaling` go into `annotations` as `CZI.Information.Image.SizeX` and so on.
///   Damaged XML does not stop the pixels being read: it is reported in
///   `annotations["CZI.metadataError"]`.
/// - **Pixel types** Gray8, Gray16, Gray32Float, Bgr24, Bgr48, Bgr96Float and Bgra32;
///   **compressions** none, JPEG, JPEG XR, zstd0 and zstd1 (with hi-lo byte packing). Others are
///   `unsupportedFeature` errors naming them.
///
/// Where a subblock's data and its directory entry disagree, the entry wins: surplus data is
/// dropped, missing data reads as zeros, and a JPEG or JPEG XR tile of another size is cropped or
/// padded from its top-left corner. A file whose header gives no directory position is scanned
/// segment by segment. JPEG XR is decoded by the system's jxrlib, which can fail an `assert`,
/// crash or hang on damaged data: on Linux every JPEG XR subblock is therefore decoded in a forked
/// child process, so such data is a `corruptData` error; on other systems jxrlib runs in-process.
public struct CZIFile: MicroscopyFile {
    /// `CZI`.
    public let formatName = "CZI"
    /// The path the file was opened from (or the name given to bytes opened in memory).
    public let path: String
    /// One image per scene, in ascending scene order (``scenes`` as the protocol's type).
    public let images: [any MicroscopyImage]
    /// The same images with their CZI-specific properties.
    public let scenes: [CZIImage]
    /// The file header: version, GUIDs, segment positions.
    public let header: CZIFileHeader
    /// The attachments the file lists (thumbnails, time stamps, label and preview images …).
    public let attachments: [CZIAttachment]
    /// The document's XML metadata as stored, when the file has any.
    public let metadataXML: String?

    private let source: CZISource

    /// Opens a CZI file and reads its structure and metadata (no pixels).
    ///
    /// - Parameters:
    ///   - path: the `.czi` file.
    ///   - limits: bounds on what one read may allocate.
    ///   - selecting: the index (counted from 0, from the file's smallest start) read of each
    ///     dimension without an axis (`R`, `I`, `H`, `V`, `B`); the others are read at index 0.
    /// - Throws: `ImMetaIOError` with `missingFile` or `io` when it cannot be read,
    ///   `unsupportedFormat` when it is not a CZI file, `corruptData` when its structure is
    ///   damaged, `unsupportedFeature` for a pixel type this reader does not read, and
    ///   `invalidArgument` for a selected index the file does not have.
    public init(path: String, limits: DecodeLimits = .default, selecting: [CZIDimension: Int] = [:]) throws(ImMetaIOError) {
        try self.init(source: CZISource(bytes: ResourceBytes(mapping: path), path: path, limits: limits), selecting: selecting)
    }

    /// Opens CZI data held in memory (see ``init(path:limits:selecting:)``); `name` stands for the
    /// path in errors and provenance.
    public init(bytes: [UInt8], name: String = "<bytes>", limits: DecodeLimits = .default, selecting: [CZIDimension: Int] = [:])
        throws(ImMetaIOError)
    {
        try self.init(source: CZISource(bytes: ResourceBytes(bytes), path: name, limits: limits), selecting: selecting)
    }

    /// What this file's pixel reads have fetched so far.
    public var readStatistics: CZIReadStatistics { source.counter.snapshot }

    /// Resets ``readStatistics`` to zero.
    public func resetReadStatistics() { source.counter.reset() }

    private init(source: CZISource, selecting: [CZIDimension: Int]) throws(ImMetaIOError) {
        self.source = source
        path = source.path
        header = try CZIFileHeader(source)
        let directory = try CZIDirectory(source, header: header)
        if let part = directory.entries.first(where: { $0.filePart != 0 }) {
            throw source.error(
                .unsupportedFeature, "subblock \(part.index) is in file part \(part.filePart): multi-part CZI files are not supported")
        }
        var notes: OrderedDictionary<String, String> = [
            "CZI.fileVersion": "\(header.majorVersion).\(header.minorVersion)", "CZI.fileGUID": header.fileGUID,
        ]
        if header.updatePending { notes["CZI.updatePending"] = "true" }
        if directory.scanned { notes["CZI.directoryScanned"] = "true" }

        // Dimensions without an axis: keep one index of each.
        for dimension in CZIDimension.allCases where selecting[dimension] != nil && !CZIDimension.selectable.contains(dimension) {
            throw source.error(.invalidArgument, "dimension \(dimension) has an axis or places subblocks; only R, I, H, V and B can be selected")
        }
        var entries = directory.entries
        var ignored: [String] = []
        for dimension in CZIDimension.selectable {
            let starts = entries.compactMap { $0.start(dimension) }
            let low = starts.min() ?? 0, count = (starts.max() ?? 0) - low + 1
            let chosen = selecting[dimension] ?? 0
            guard (0..<count).contains(chosen) else {
                throw source.error(.invalidArgument, "index \(chosen) of dimension \(dimension) does not exist: the file has \(count)")
            }
            if count > 1 { ignored.append("\(dimension)=\(count)") }
            entries.removeAll { $0.start(dimension).map { $0 != low + chosen } ?? false }
        }
        if !ignored.isEmpty { notes["CZI.ignoredDimensions"] = ignored.joined(separator: ",") }
        let chosen = CZIDimension.selectable.compactMap { dimension in selecting[dimension].map { "\(dimension)=\($0)" } }
        if !chosen.isEmpty { notes["CZI.selectedIndices"] = chosen.joined(separator: ",") }
        guard !entries.isEmpty else { throw source.error(.corruptData, "the file has no subblocks") }

        let (document, xml, metadataError) = Self.documentMetadata(source, header: header, directory: directory)
        metadataXML = xml
        if let metadataError { notes["CZI.metadataError"] = metadataError }
        var attachments: [CZIAttachment] = []
        if header.attachmentDirectoryPosition != 0 {
            do throws(ImMetaIOError) {
                attachments = try CZIAttachment.directory(at: header.attachmentDirectoryPosition, source: source)
            } catch {
                notes["CZI.attachmentsError"] = error.message
            }
        }
        self.attachments = attachments
        if !attachments.isEmpty { notes["CZI.attachments"] = attachments.map { "\($0.name):\($0.contentType)" }.joined(separator: ",") }

        let planes = try CZIPlaneSpace(entries, source: source)
        var timeIncrement = document.timeIncrement
        if timeIncrement == nil, planes.sizeT > 1, let stamps = attachments.first(where: { $0.contentType == "CZTIMS" }),
            let bytes = try? stamps.data(source), let seconds = CZIAttachment.timeStamps(bytes), seconds.count >= 2,
            let first = seconds.first, let last = seconds.last, last > first
        {
            timeIncrement = (last - first) / Double(seconds.count - 1)
        }

        let sceneIndices = Set(entries.compactMap { $0.start(.s) }).sorted()
        var layouts: [CZISceneLayout] = []
        if sceneIndices.isEmpty {
            if let layout = try CZISceneLayout(sceneIndex: nil, entries: entries, planes: planes, source: source) { layouts.append(layout) }
        } else {
            var byScene: [Int: [CZIDirectoryEntry]] = [:]
            for entry in entries {
                // A subblock without S joins the first scene.
                byScene[entry.start(.s) ?? sceneIndices[0], default: []].append(entry)
            }
            for scene in sceneIndices {
                if let layout = try CZISceneLayout(sceneIndex: scene, entries: byScene[scene] ?? [], planes: planes, source: source) {
                    layouts.append(layout)
                }
            }
        }
        guard !layouts.isEmpty else { throw source.error(.corruptData, "the file has no full-resolution subblocks") }

        var scenes: [CZIImage] = []
        for (index, layout) in layouts.enumerated() {
            let metadata = Self.metadata(
                for: layout, imageIndex: index, planes: planes, document: document, timeIncrement: timeIncrement, notes: notes, source: source)
            scenes.append(CZIImage(layout: layout, metadata: metadata, source: source))
        }
        self.scenes = scenes
        images = scenes
    }

    /// The XML metadata interpreted, the XML text, and why it could not be read (if it could not).
    private static func documentMetadata(
        _ source: CZISource, header: CZIFileHeader, directory: CZIDirectory
    ) -> (CZIDocumentMetadata, String?, String?) {
        guard let position = header.metadataPosition != 0 ? header.metadataPosition : directory.scannedMetadataPosition else {
            return (.empty, nil, nil)
        }
        let segment: CZIMetadataSegment
        do throws(ImMetaIOError) {
            segment = try CZIMetadataSegment(at: position, source: source)
        } catch {
            return (.empty, nil, error.message)
        }
        let text = String(decoding: segment.xml.prefix { $0 != 0 }, as: UTF8.self)
        do throws(CZIXMLError) {
            let root = try CZIXMLElement(parsing: UnsafeRawBufferPointer(rebasing: segment.xml.prefix { $0 != 0 }))
            return (CZIDocumentMetadata(root: root), text, nil)
        } catch {
            return (.empty, text, error.description)
        }
    }

    /// The most channels listed in the metadata when the XML names fewer.
    static let maxListedChannels = 4096

    /// Metres in µm (dividing by 1e-6 reads back as written more often than multiplying by 1e6).
    private static func micrometers(_ meters: Double) -> Length { Length(meters / 1e-6, .micrometer) }

    private static func metadata(
        for layout: CZISceneLayout, imageIndex: Int, planes: CZIPlaneSpace, document: CZIDocumentMetadata, timeIncrement: Double?,
        notes: OrderedDictionary<String, String>, source: CZISource
    ) -> MicroscopyMetadata {
        let (dtype, samples) = layout.pixelType.layout ?? (.uint8, 1)
        let level = layout.levels[0]
        var shape = [layout.sizeT, layout.sizeZ, layout.sizeC, level.height, level.width]
        if samples > 1 { shape.append(samples) }
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical + (samples > 1 ? [.s] : []), shape: shape, dtype: dtype)
        metadata.name = layout.sceneIndex.flatMap { document.sceneNames[$0] } ?? document.documentName
        if let bits = document.componentBitCount, bits < dtype.itemSize * 8, dtype.isInteger { metadata.significantBits = bits }
        metadata.physicalSizeX = document.distanceX.map(micrometers)
        metadata.physicalSizeY = document.distanceY.map(micrometers)
        metadata.physicalSizeZ = document.distanceZ.map(micrometers)
        metadata.timeIncrement = timeIncrement.map { TimeQuantity($0, .second) }
        // A C extent far beyond any channel list comes from damaged coordinates: no channel list
        // is built for it.
        if !document.channels.isEmpty, layout.sizeC <= max(document.channels.count, Self.maxListedChannels) {
            // The XML lists channels by their C index in the file.
            let offset = document.channels.count >= planes.minimum.c + layout.sizeC ? max(planes.minimum.c, 0) : 0
            metadata.channels = (0..<layout.sizeC).map { index in
                var channel = offset + index < document.channels.count ? document.channels[offset + index] : MicroscopyChannel()
                if samples > 1 { channel.samplesPerPixel = samples }
                return channel
            }
        }
        metadata.acquisitionDate = document.acquisitionDate
        metadata.instrument = document.instrument
        metadata.provenance = ["source_file": source.path, "source_format": "CZI", "scene": "\(imageIndex)"]
        var annotations = notes
        if let scene = layout.sceneIndex { annotations["CZI.sceneIndex"] = "\(scene)" }
        annotations["CZI.pixelType"] = "\(layout.pixelType)"
        let compressions = Set(layout.tiles.map(\.entry.compression.rawValue)).sorted().map { "\(CZICompression(rawValue: $0))" }
        annotations["CZI.compression"] = compressions.joined(separator: ",")
        annotations["CZI.origin"] = "\(layout.originX),\(layout.originY)"
        let mosaic = Set(layout.tiles.compactMap(\.m))
        if mosaic.count > 1 { annotations["CZI.mosaicTiles"] = "\(mosaic.count)" }
        if layout.levels.count > 1 { annotations["CZI.pyramidDownsampling"] = layout.levels.map { "\($0.factor)" }.joined(separator: ",") }
        for (key, value) in document.annotations where annotations[key] == nil { annotations[key] = value }
        metadata.annotations = annotations
        return metadata
    }
}
