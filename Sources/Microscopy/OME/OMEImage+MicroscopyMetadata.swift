import OrderedCollections

extension OMEImage {
    /// The namespace of the MapAnnotation that holds ``MicroscopyMetadata/provenance``.
    public static let provenanceNamespace = "immetaio.provenance"
    /// The namespace of the MapAnnotation that holds ``MicroscopyMetadata/annotations``: OMERO's
    /// key–value namespace, so that OMERO clients show the pairs.
    public static let annotationsNamespace = "openmicroscopy.org/omero/client/mapAnnotation"

    /// The image in the shared model: axes `TZCYX` (or `TZCYXS` when every channel has the same
    /// `SamplesPerPixel` above 1 and `SizeC` counts them), shape from the sizes, dtype from the
    /// pixel type, channels, calibration, acquisition date, and, from `document`, the
    /// instrument and the MapAnnotations the image refers to (the provenance one into
    /// ``MicroscopyMetadata/provenance``, the others into ``MicroscopyMetadata/annotations``,
    /// the first value winning for a repeated key).
    ///
    /// `Interleaved` only says how the samples are stored; the shape has `S` last either way.
    /// - Throws: `ImMetaIOError` with `unsupportedFeature` for complex pixel types.
    public func microscopyMetadata(in document: OMEDocument? = nil) throws(ImMetaIOError) -> MicroscopyMetadata {
        guard let dtype = pixels.type.dtype else {
            throw ImMetaIOError(.unsupportedFeature, "OME image \(id) has \(pixels.type.rawValue) pixels, which have no array type")
        }
        let samples = pixels.samplesPerPixel
        let channelCount = max(1, pixels.sizeC / samples)
        var shape = [pixels.sizeT, pixels.sizeZ, channelCount, pixels.sizeY, pixels.sizeX]
        if samples > 1 { shape.append(samples) }
        var metadata = MicroscopyMetadata(
            axes: samples > 1 ? MicroscopyMetadata.samplesAxes : MicroscopyAxis.canonical, shape: shape, dtype: dtype)
        metadata.name = name
        metadata.significantBits = pixels.significantBits
        metadata.physicalSizeX = pixels.physicalSizeX
        metadata.physicalSizeY = pixels.physicalSizeY
        metadata.physicalSizeZ = pixels.physicalSizeZ
        metadata.timeIncrement = pixels.timeIncrement
        metadata.acquisitionDate = acquisitionDate
        if !pixels.channels.isEmpty {
            metadata.channels = (0..<channelCount).map { index in
                guard index < pixels.channels.count else { return MicroscopyChannel() }
                let channel = pixels.channels[index]
                return MicroscopyChannel(
                    name: channel.name, color: channel.color, excitationWavelength: channel.excitationWavelength,
                    emissionWavelength: channel.emissionWavelength, samplesPerPixel: channel.samplesPerPixel)
            }
        }
        guard let document else { return metadata }
        metadata.instrument = instrumentSummary(in: document)
        for ref in annotationRefs {
            guard case .map(let map)? = document.annotation(id: ref) else { continue }
            for pair in map.pairs {
                if map.namespace == Self.provenanceNamespace {
                    if metadata.provenance[pair.key] == nil { metadata.provenance[pair.key] = pair.value }
                } else if metadata.annotations[pair.key] == nil {
                    metadata.annotations[pair.key] = pair.value
                }
            }
        }
        return metadata
    }

    /// The referenced instrument (or the only one) in a few words.
    private func instrumentSummary(in document: OMEDocument) -> InstrumentSummary? {
        let instrument =
            instrumentRef.flatMap(document.instrument(id:)) ?? (document.instruments.count == 1 ? document.instruments.first : nil)
        guard let instrument else { return nil }
        func join(_ parts: String?...) -> String? {
            let words = parts.compactMap { $0?.trimmingSpaces }.filter { !$0.isEmpty }
            return words.isEmpty ? nil : words.joined(separator: " ")
        }
        let objective =
            objectiveSettings.flatMap { settings in instrument.objectives.first { $0.id == settings.id } } ?? instrument.objectives.first
        let summary = InstrumentSummary(
            microscope: instrument.microscope.flatMap { join($0.manufacturer, $0.model) },
            objective: objective.flatMap { join($0.manufacturer, $0.model) },
            nominalMagnification: objective?.nominalMagnification, lensNA: objective?.lensNA, immersion: objective?.immersion,
            detector: instrument.detectors.first.flatMap { join($0.manufacturer, $0.model) })
        return summary == InstrumentSummary() ? nil : summary
    }

    /// An OME image built from the shared model: sizes from the extents (`SizeC` counts
    /// samples, each channel has `SamplesPerPixel` = the `S` extent), the pixel type from the
    /// dtype, channels, calibration and date; references to the instrument and annotations that
    /// ``instrument(for:index:)`` and ``annotations(for:index:)`` make (add those to the
    /// document, or use ``OMEDocument/append(_:dimensionOrder:includesPlanes:)``).
    ///
    /// IDs are `Image:<index>`, `Pixels:<index>`, `Channel:<index>:<c>`. The pixels have no
    /// `TiffData` yet: a writer adds it (or the document says `MetadataOnly`).
    /// - Parameters:
    ///   - metadata: the image's sizes, dtype, physical sizes, channels and the rest.
    ///   - index: the image's number in the document, used in its IDs.
    ///   - dimensionOrder: the order of the planes in the pixels.
    ///   - includesPlanes: Whether to list one `Plane` per Z, C, T (in dimension order).
    /// - Throws: `ImMetaIOError` with `invalidArgument` for a dtype OME has no type for
    ///   (64-bit integers, half floats) or an empty extent.
    public init(
        metadata: MicroscopyMetadata, index: Int = 0, dimensionOrder: OMEDimensionOrder = .xyczt, includesPlanes: Bool = false
    )
        throws(ImMetaIOError)
    {
        guard let type = OMEPixelType(metadata.dtype) else {
            throw ImMetaIOError(.invalidArgument, "OME-XML has no pixel type for \(metadata.dtype) data")
        }
        let samples = metadata.hasSamples ? metadata.extent(of: .s) : 1
        let extents = [MicroscopyAxis.t, .z, .c, .y, .x].map(metadata.extent(of:))
        guard extents.allSatisfy({ $0 > 0 }), samples > 0 else {
            throw ImMetaIOError(.invalidArgument, "OME-XML needs every extent to be at least 1; the shape is \(metadata.shape)")
        }
        let (sizeT, sizeZ, channelCount, sizeY, sizeX) = (extents[0], extents[1], extents[2], extents[3], extents[4])
        let (sizeC, overflow) = channelCount.multipliedReportingOverflow(by: samples)
        guard !overflow else { throw ImMetaIOError(.invalidArgument, "the channel and sample extents of \(metadata.shape) overflow") }
        var pixels = OMEPixels(
            id: "Pixels:\(index)", dimensionOrder: dimensionOrder, type: type, sizeX: sizeX, sizeY: sizeY, sizeZ: sizeZ, sizeC: sizeC,
            sizeT: sizeT)
        pixels.significantBits = metadata.significantBits
        pixels.physicalSizeX = metadata.physicalSizeX
        pixels.physicalSizeY = metadata.physicalSizeY
        pixels.physicalSizeZ = metadata.physicalSizeZ
        pixels.timeIncrement = metadata.timeIncrement
        if samples > 1 { pixels.interleaved = true }
        pixels.channels = (0..<channelCount).map { channelIndex in
            let source = channelIndex < metadata.channels.count ? metadata.channels[channelIndex] : MicroscopyChannel()
            return OMEChannel(
                id: "Channel:\(index):\(channelIndex)", name: source.name, samplesPerPixel: samples, color: source.color,
                excitationWavelength: source.excitationWavelength, emissionWavelength: source.emissionWavelength)
        }
        if includesPlanes {
            pixels.planes = pixels.planeCoordinates().map { OMEPlane(theZ: $0.z, theT: $0.t, theC: $0.c) }
        }
        self.init(id: "Image:\(index)", name: metadata.name, pixels: pixels)
        acquisitionDate = metadata.acquisitionDate
        if let instrument = Self.instrument(for: metadata, index: index) {
            instrumentRef = instrument.id
            if let objective = instrument.objectives.first { objectiveSettings = OMEObjectiveSettings(id: objective.id) }
        }
        annotationRefs = Self.annotations(for: metadata, index: index).map(\.id)
    }

    /// The instrument an image built from `metadata` refers to (`Instrument:<index>`), or `nil`
    /// when the metadata names none.
    public static func instrument(for metadata: MicroscopyMetadata, index: Int = 0) -> OMEInstrument? {
        guard let summary = metadata.instrument, summary != InstrumentSummary() else { return nil }
        var instrument = OMEInstrument(id: "Instrument:\(index)")
        if let model = summary.microscope { instrument.microscope = OMEMicroscope(model: model) }
        if summary.objective != nil || summary.nominalMagnification != nil || summary.lensNA != nil || summary.immersion != nil {
            instrument.objectives = [
                OMEObjective(
                    id: "Objective:\(index):0", model: summary.objective, nominalMagnification: summary.nominalMagnification,
                    lensNA: summary.lensNA, immersion: summary.immersion)
            ]
        }
        if let detector = summary.detector { instrument.detectors = [OMEDetector(id: "Detector:\(index):0", model: detector)] }
        return instrument
    }

    /// The MapAnnotations an image built from `metadata` refers to: the provenance
    /// (`Annotation:<index>:provenance`, namespace ``provenanceNamespace``) and the vendor
    /// annotations (`Annotation:<index>:annotations`, namespace ``annotationsNamespace``), each
    /// only when not empty.
    public static func annotations(for metadata: MicroscopyMetadata, index: Int = 0) -> [OMEAnnotation] {
        var result: [OMEAnnotation] = []
        if !metadata.provenance.isEmpty {
            result.append(
                .map(OMEMapAnnotation(id: "Annotation:\(index):provenance", namespace: provenanceNamespace, values: metadata.provenance)))
        }
        if !metadata.annotations.isEmpty {
            result.append(
                .map(OMEMapAnnotation(id: "Annotation:\(index):annotations", namespace: annotationsNamespace, values: metadata.annotations))
            )
        }
        return result
    }
}

extension OMEDocument {
    /// A document describing images of the shared model, one `Image` each with its instrument
    /// and annotations.
    /// - Throws: `ImMetaIOError` as ``OMEImage/init(metadata:index:dimensionOrder:includesPlanes:)``.
    public init(
        metadata images: [MicroscopyMetadata], creator: String? = "immetaio", uuid: String? = OMEDocument.makeUUID(),
        dimensionOrder: OMEDimensionOrder = .xyczt, includesPlanes: Bool = false
    ) throws(ImMetaIOError) {
        self.init(creator: creator, uuid: uuid)
        for metadata in images { try append(metadata, dimensionOrder: dimensionOrder, includesPlanes: includesPlanes) }
    }

    /// Appends an image built from `metadata` with its instrument and annotations, and returns
    /// its index.
    @discardableResult
    public mutating func append(
        _ metadata: MicroscopyMetadata, dimensionOrder: OMEDimensionOrder = .xyczt, includesPlanes: Bool = false
    )
        throws(ImMetaIOError) -> Int
    {
        let index = images.count
        images.append(try OMEImage(metadata: metadata, index: index, dimensionOrder: dimensionOrder, includesPlanes: includesPlanes))
        if let instrument = OMEImage.instrument(for: metadata, index: index) { instruments.append(instrument) }
        annotations += OMEImage.annotations(for: metadata, index: index)
        return index
    }
}

extension MicroscopyMetadata {
    /// `TZCYXS`.
    static let samplesAxes: [MicroscopyAxis] = MicroscopyAxis.canonical + [.s]
}
