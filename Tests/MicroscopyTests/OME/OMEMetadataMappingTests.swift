import Microscopy
import OrderedCollections
import Testing

@Suite struct OMEMetadataMappingTests {
    static func sampleMetadata() -> MicroscopyMetadata {
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: [4, 3, 2, 32, 64], dtype: .uint16)
        metadata.name = "cells"
        metadata.significantBits = 12
        metadata.physicalSizeX = Length(65, .nanometer)
        metadata.physicalSizeY = Length(0.065, .micrometer)
        metadata.physicalSizeZ = Length(0.5, .micrometer)
        metadata.timeIncrement = TimeQuantity(250, .millisecond)
        metadata.channels = [
            MicroscopyChannel(
                name: "DAPI", color: RGBAColor(red: 0, green: 0, blue: 255), excitationWavelength: Length(405, .nanometer),
                samplesPerPixel: 1),
            MicroscopyChannel(
                name: "GFP", color: RGBAColor(red: 0, green: 255, blue: 0), emissionWavelength: Length(0.51, .micrometer),
                samplesPerPixel: 1),
        ]
        metadata.acquisitionDate = "2024-03-01T12:30:00"
        metadata.instrument = InstrumentSummary(
            microscope: "LSM 880", objective: "Plan-Apochromat 63x/1.40 Oil", nominalMagnification: 63, lensNA: 1.4, immersion: "Oil",
            detector: "GaAsP")
        metadata.provenance = ["source": "/data/cells.czi", "format": "CZI", "scene": "0"]
        metadata.annotations = ["LSM.pixelSizeUM": "0.065", "Note": "a & b <c>"]
        return metadata
    }

    static func rgbMetadata() -> MicroscopyMetadata {
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical + [.s], shape: [1, 1, 1, 8, 8, 3], dtype: .uint8)
        metadata.channels = [MicroscopyChannel(name: "RGB", samplesPerPixel: 3)]
        return metadata
    }

    @Test func buildsAnImageFromTheSharedModelAndReadsItBack() throws {
        let metadata = Self.sampleMetadata()
        let document = try OMEDocument(metadata: [metadata], uuid: "urn:uuid:00000000-0000-4000-8000-000000000000", includesPlanes: true)
        let image = document.images[0]
        #expect(image.id == "Image:0")
        #expect(image.pixels.dimensionOrder == .xyczt)
        #expect(image.pixels.type == .uint16)
        #expect([image.pixels.sizeX, image.pixels.sizeY, image.pixels.sizeZ, image.pixels.sizeC, image.pixels.sizeT] == [64, 32, 3, 2, 4])
        #expect(image.pixels.channels.map(\.id) == ["Channel:0:0", "Channel:0:1"])
        #expect(image.pixels.planes.count == 24)
        #expect(image.pixels.planes.prefix(3).map { [$0.theC, $0.theZ, $0.theT] } == [[0, 0, 0], [1, 0, 0], [0, 1, 0]])
        #expect(image.instrumentRef == "Instrument:0")
        #expect(image.objectiveSettings?.id == "Objective:0:0")
        #expect(image.annotationRefs == ["Annotation:0:provenance", "Annotation:0:annotations"])
        #expect(document.annotations.map(\.namespace) == [OMEImage.provenanceNamespace, OMEImage.annotationsNamespace])

        let xml = document.xmlString()
        #expect(xml.contains("PhysicalSizeX=\"65\" PhysicalSizeXUnit=\"nm\""))
        #expect(xml.contains("<M K=\"Note\">a &amp; b &lt;c&gt;</M>"))
        let reread = try OMEDocument(parsing: xml)
        #expect(reread == document)
        #expect(try reread.images[0].microscopyMetadata(in: reread) == metadata)
    }

    @Test func mapsRGBChannelsToATrailingSampleAxis() throws {
        let metadata = Self.rgbMetadata()
        let image = try OMEImage(metadata: metadata)
        #expect(image.pixels.sizeC == 3)
        #expect(image.pixels.channels.count == 1)
        #expect(image.pixels.channels[0].samplesPerPixel == 3)
        #expect(image.pixels.interleaved == true)
        #expect(image.pixels.planeCoordinates().count == 1)
        #expect(try image.microscopyMetadata() == metadata)
    }

    @Test func readsOMEImagesIntoTheSharedModel() throws {
        let document = try OMEDocument(parsing: richOMEXML)
        let metadata = try document.images[0].microscopyMetadata(in: document)
        #expect(metadata.axesString == "TZCYX")
        #expect(metadata.shape == [4, 3, 2, 32, 64])
        #expect(metadata.dtype == .uint16)
        #expect(metadata.significantBits == 12)
        #expect(metadata.physicalSizeX == Length(65, .nanometer))
        #expect(metadata.timeIncrement == TimeQuantity(250, .millisecond))
        #expect(metadata.channels.map(\.name) == ["DAPI", "GFP"])
        #expect(metadata.channels[0].emissionWavelength == Length(0.461, .micrometer))
        #expect(metadata.acquisitionDate == "2024-03-01T12:30:00")
        #expect(
            metadata.instrument
                == InstrumentSummary(
                    microscope: "Zeiss LSM 880", objective: "Plan-Apochromat 63x/1.40 Oil", nominalMagnification: 63, lensNA: 1.4,
                    immersion: "Oil",
                    detector: "GaAsP"))
        #expect(metadata.annotations == ["stain": "DAPI", "well": "B3"])
        #expect(metadata.provenance.isEmpty)
        // Without the document, no instrument or annotations.
        let bare = try document.images[0].microscopyMetadata()
        #expect(bare.instrument == nil)
        #expect(bare.annotations.isEmpty)
    }

    @Test func channelListsFollowTheChannelExtent() throws {
        var pixels = OMEPixels(id: "Pixels:0", type: .float, sizeX: 2, sizeY: 2, sizeC: 3)
        pixels.channels = [OMEChannel(id: "Channel:0:0", name: "only")]
        let metadata = try OMEImage(id: "Image:0", pixels: pixels).microscopyMetadata()
        #expect(metadata.channels.map(\.name) == ["only", nil, nil])
        #expect(metadata.dtype == .float32)
        pixels.channels = []
        #expect(try OMEImage(id: "Image:0", pixels: pixels).microscopyMetadata().channels.isEmpty)
    }

    @Test func refusesTypesTheOtherSideCannotHold() {
        let complex = OMEImage(id: "Image:0", pixels: OMEPixels(id: "Pixels:0", type: .complex, sizeX: 1, sizeY: 1))
        #expect(throws: ImMetaIOError.self) { try complex.microscopyMetadata() }
        let wide = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: [1, 1, 1, 1, 1], dtype: .int64)
        #expect(throws: ImMetaIOError.self) { try OMEImage(metadata: wide) }
        let empty = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: [1, 1, 0, 1, 1], dtype: .uint8)
        #expect(throws: ImMetaIOError.self) { try OMEImage(metadata: empty) }
        #expect(OMEPixelType.bit.dtype == .bool)
        #expect(OMEPixelType(.bool) == .bit)
        #expect(OMEPixelType.allCases.filter { $0.dtype != nil }.allSatisfy { OMEPixelType($0.dtype!) == $0 })
    }

    /// A model written by `OMEDocument(metadata:)`, dumped for the XSD validation of
    /// `check_ome_xml.py`, together with the rich hand-written document.
    @Test func dumpsBuiltDocumentsForSchemaValidation() throws {
        let document = try OMEDocument(
            metadata: [OMEMetadataMappingTests.sampleMetadata(), OMEMetadataMappingTests.rgbMetadata()], includesPlanes: true)
        OMETestCorpus.dump(document.xmlString(indentation: "  "), as: "built-from-metadata.written.ome.xml")
        OMETestCorpus.dump(try OMEDocument(parsing: richOMEXML).xmlString(), as: "rich-document.written.ome.xml")
    }
}
