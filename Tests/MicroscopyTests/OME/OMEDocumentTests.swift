import Microscopy
import Testing

/// A 2016-06 document exercising every modelled element and several kept ones.
let richOMEXML = """
    <?xml version="1.0" encoding="UTF-8"?>
    <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd"
         UUID="urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" Creator="hand &amp; test">
      <Experimenter ID="Experimenter:0" FirstName="Ada"/>
      <Instrument ID="Instrument:0">
        <Microscope Manufacturer="Zeiss" Model="LSM 880" Type="Inverted" SerialNumber="42"/>
        <Laser ID="LightSource:0" Wavelength="488" WavelengthUnit="nm"/>
        <Detector ID="Detector:0:0" Model="GaAsP" Type="PMT" Gain="700"/>
        <Objective ID="Objective:0:0" Model="Plan-Apochromat 63x/1.40 Oil" NominalMagnification="63" LensNA="1.4" Immersion="Oil" Correction="PlanApo"/>
      </Instrument>
      <Image ID="Image:0" Name="cells">
        <AcquisitionDate>2024-03-01T12:30:00</AcquisitionDate>
        <ExperimenterRef ID="Experimenter:0"/>
        <Description>two channels &lt;demo&gt;</Description>
        <InstrumentRef ID="Instrument:0"/>
        <ObjectiveSettings ID="Objective:0:0" Medium="Oil" RefractiveIndex="1.518"/>
        <Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SignificantBits="12" SizeX="64" SizeY="32" SizeZ="3" SizeC="2" SizeT="4"
                PhysicalSizeX="65" PhysicalSizeXUnit="nm" PhysicalSizeY="0.065" PhysicalSizeZ="0.5" PhysicalSizeZUnit="µm"
                TimeIncrement="250" TimeIncrementUnit="ms" BigEndian="false" Interleaved="false">
          <Channel ID="Channel:0:0" Name="DAPI" SamplesPerPixel="1" Color="65535" ExcitationWavelength="405" EmissionWavelength="0.461" EmissionWavelengthUnit="µm" Fluor="DAPI" AcquisitionMode="LaserScanningConfocalMicroscopy">
            <DetectorSettings ID="Detector:0:0" Gain="1.5"/>
            <AnnotationRef ID="Annotation:map"/>
            <LightPath/>
          </Channel>
          <Channel ID="Channel:0:1" Name="GFP" SamplesPerPixel="1" Color="-16711681" ExcitationWavelength="488"/>
          <TiffData IFD="0" PlaneCount="24">
            <UUID FileName="cells.ome.tif">urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</UUID>
          </TiffData>
          <Plane TheZ="0" TheT="0" TheC="0" DeltaT="0" ExposureTime="20" ExposureTimeUnit="ms" PositionX="10.5" PositionXUnit="µm" PositionY="-3"/>
          <Plane TheZ="1" TheT="0" TheC="0" DeltaT="0.25">
            <HashSHA1>0123456789abcdef0123456789abcdef01234567</HashSHA1>
          </Plane>
        </Pixels>
        <AnnotationRef ID="Annotation:map"/>
        <AnnotationRef ID="Annotation:modulo"/>
        <AnnotationRef ID="Annotation:comment"/>
      </Image>
      <StructuredAnnotations>
        <MapAnnotation ID="Annotation:map" Namespace="openmicroscopy.org/omero/client/mapAnnotation">
          <Description>pairs</Description>
          <Value><M K="stain">DAPI</M><M K="stain">again</M><M K="well">B3</M></Value>
        </MapAnnotation>
        <XMLAnnotation ID="Annotation:modulo" Namespace="openmicroscopy.org/omero/dimension/modulo">
          <Value>
            <Modulo xmlns="http://www.openmicroscopy.org/Schemas/Additions/2011-09" namespace="http://www.openmicroscopy.org/Schemas/Additions/2011-09">
              <ModuloAlongT Type="lifetime" Start="0" Step="0.5" End="3.5" Unit="ns"/>
              <ModuloAlongC Type="other" TypeDescription="polarisation"><Label>H</Label><Label>V</Label></ModuloAlongC>
            </Modulo>
            <x:extra xmlns:x="urn:x" a="1">text</x:extra>
          </Value>
        </XMLAnnotation>
        <CommentAnnotation ID="Annotation:comment"><Value>kept whole</Value></CommentAnnotation>
      </StructuredAnnotations>
      <ROI ID="ROI:0"><Union><Point ID="Shape:0" X="1" Y="2"/></Union></ROI>
    </OME>
    """

@Suite struct OMEDocumentTests {
    @Test func readsEveryModelledValueWithItsUnit() throws {
        let document = try OMEDocument(parsing: richOMEXML)
        #expect(document.creator == "hand & test")
        #expect(document.uuid == "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
        #expect(document.images.count == 1)
        let image = document.images[0]
        #expect(image.name == "cells")
        #expect(image.acquisitionDate == "2024-03-01T12:30:00")
        #expect(image.description == "two channels <demo>")
        #expect(image.instrumentRef == "Instrument:0")
        #expect(image.objectiveSettings == OMEObjectiveSettings(id: "Objective:0:0", medium: "Oil", refractiveIndex: 1.518))
        #expect(image.annotationRefs == ["Annotation:map", "Annotation:modulo", "Annotation:comment"])
        #expect(image.otherElements.map(\.name) == ["ExperimenterRef"])

        let pixels = image.pixels
        #expect(pixels.dimensionOrder == .xyczt)
        #expect(pixels.type == .uint16)
        #expect(pixels.significantBits == 12)
        #expect([pixels.sizeX, pixels.sizeY, pixels.sizeZ, pixels.sizeC, pixels.sizeT] == [64, 32, 3, 2, 4])
        #expect(pixels.physicalSizeX == Length(65, .nanometer))
        #expect(pixels.physicalSizeY == Length(0.065, .micrometer))
        #expect(pixels.physicalSizeZ == Length(0.5, .micrometer))
        #expect(pixels.timeIncrement == TimeQuantity(250, .millisecond))
        #expect(pixels.bigEndian == false)
        #expect(pixels.interleaved == false)

        #expect(pixels.channels.count == 2)
        let dapi = pixels.channels[0]
        #expect(dapi.name == "DAPI")
        #expect(dapi.color == RGBAColor(red: 0, green: 0, blue: 255, alpha: 255))
        #expect(dapi.excitationWavelength == Length(405, .nanometer))
        #expect(dapi.emissionWavelength == Length(0.461, .micrometer))
        #expect(dapi.fluor == "DAPI")
        #expect(dapi.annotationRefs == ["Annotation:map"])
        #expect(dapi.otherAttributes == [XMLAttribute("AcquisitionMode", "LaserScanningConfocalMicroscopy")])
        #expect(dapi.otherElements.map(\.name) == ["DetectorSettings", "LightPath"])
        #expect(pixels.channels[1].color == RGBAColor(red: 255, green: 0, blue: 255, alpha: 255))

        #expect(
            pixels.tiffData == [
                OMETiffData(ifd: 0, planeCount: 24, uuid: "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", fileName: "cells.ome.tif")
            ])
        #expect(pixels.planes.count == 2)
        #expect(pixels.planes[0].exposureTime == TimeQuantity(20, .millisecond))
        #expect(pixels.planes[0].deltaT == TimeQuantity(0, .second))
        #expect(pixels.planes[0].positionX == Length(10.5, .micrometer))
        #expect(pixels.planes[0].positionY == Length(-3, .referenceFrame))
        #expect(pixels.planes[1].hashSHA1 == "0123456789abcdef0123456789abcdef01234567")

        let instrument = try #require(document.instrument(id: "Instrument:0"))
        #expect(instrument.microscope?.model == "LSM 880")
        #expect(instrument.microscope?.otherAttributes == [XMLAttribute("SerialNumber", "42")])
        #expect(instrument.objectives.first?.lensNA == 1.4)
        #expect(instrument.objectives.first?.nominalMagnification == 63)
        #expect(instrument.objectives.first?.immersion == "Oil")
        #expect(instrument.detectors.first?.type == "PMT")
        #expect(instrument.otherElements.map(\.name) == ["Laser"])

        #expect(document.annotations.map(\.id) == ["Annotation:map", "Annotation:modulo", "Annotation:comment"])
        guard case .map(let map) = document.annotations[0] else {
            Issue.record("not a map annotation")
            return
        }
        #expect(map.pairs == [.init("stain", "DAPI"), .init("stain", "again"), .init("well", "B3")])
        #expect(map.values == ["stain": "DAPI", "well": "B3"])
        #expect(map.description == "pairs")
        guard case .xml(let xml) = document.annotations[1] else {
            Issue.record("not an XML annotation")
            return
        }
        #expect(xml.value.hasPrefix("<Modulo xmlns=\"http://www.openmicroscopy.org/Schemas/Additions/2011-09\" namespace="))
        #expect(xml.value.hasSuffix("<x:extra xmlns:x=\"urn:x\" a=\"1\">text</x:extra>"))
        let modulo = try #require(document.modulo(for: image))
        #expect(modulo.alongT == OMEModulo.Along(type: "lifetime", unit: "ns", start: 0, step: 0.5, end: 3.5))
        #expect(modulo.alongT?.count == 8)
        #expect(modulo.alongC?.labels == ["H", "V"])
        #expect(modulo.alongZ == nil)
        #expect(document.otherElements.map(\.name) == ["Experimenter", "ROI"])
    }

    @Test func roundTripsThroughTheWriterKeepingUnitsAndKeptContent() throws {
        let document = try OMEDocument(parsing: richOMEXML)
        let written = document.xmlString()
        let reread = try OMEDocument(parsing: written)
        #expect(reread == document)
        #expect(written == reread.xmlString())
        #expect(try OMEDocument(parsing: document.xmlString(indentation: "  ")) == document)
        #expect(written.contains("PhysicalSizeX=\"65\" PhysicalSizeXUnit=\"nm\""))
        #expect(written.contains("TimeIncrement=\"250\" TimeIncrementUnit=\"ms\""))
        // Schema order: Experimenter before Instrument, ROI after StructuredAnnotations, and
        // within Image ExperimenterRef before Description before InstrumentRef.
        let order = [
            "<Experimenter ", "<Instrument ", "<Image ", "<ExperimenterRef", "<Description>", "<InstrumentRef", "<ObjectiveSettings",
            "<Pixels ", "<StructuredAnnotations>", "<ROI ",
        ]
        let positions = order.compactMap { written.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count)
        #expect(positions == positions.sorted())
    }

    @Test func appliesTheSchemaDefaultUnits() throws {
        let text = """
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="float"
            SizeX="1" SizeY="1" SizeZ="1" SizeC="1" SizeT="2" PhysicalSizeX="0.2" TimeIncrement="3"><Channel ID="Channel:0:0" ExcitationWavelength="561"/>
            <MetadataOnly/><Plane TheZ="0" TheT="1" TheC="0" DeltaT="3" PositionZ="7"/></Pixels></Image></OME>
            """
        let pixels = try OMEDocument(parsing: text).images[0].pixels
        #expect(pixels.physicalSizeX == Length(0.2, .micrometer))
        #expect(pixels.timeIncrement == TimeQuantity(3, .second))
        #expect(pixels.channels[0].excitationWavelength == Length(561, .nanometer))
        #expect(pixels.planes[0].deltaT == TimeQuantity(3, .second))
        #expect(pixels.planes[0].positionZ == Length(7, .referenceFrame))
        #expect(pixels.tiffData.isEmpty)
        #expect(try OMEDocument(parsing: text).xmlString().contains("<MetadataOnly/>"))
    }

    @Test func readsOlderSchemasAndPrefixedRootsButKeepsOnlyModelledContent() throws {
        let old = """
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2010-06" xmlns:SA="http://www.openmicroscopy.org/Schemas/SA/2010-06">
            <Image ID="Image:0"><AcquiredDate>2010-03-02T10:01:15</AcquiredDate><Pixels DimensionOrder="XYZCT" ID="Pixels:0" SizeC="1" SizeT="1"
            SizeX="2" SizeY="2" SizeZ="1" Type="uint8" PhysicalSizeZ="0.0"><Channel ID="Channel:0:0" Color="-2147483648"><LightPath/></Channel>
            <TiffData/></Pixels><SA:AnnotationRef ID="Annotation:1"/><ROIRef ID="ROI:1"/></Image>
            <SA:StructuredAnnotations><SA:CommentAnnotation ID="Annotation:1"><SA:Value>x</SA:Value></SA:CommentAnnotation></SA:StructuredAnnotations>
            <ROI ID="ROI:1"/></OME>
            """
        let document = try OMEDocument(parsing: old)
        #expect(document.images[0].acquisitionDate == "2010-03-02T10:01:15")
        #expect(document.images[0].pixels.physicalSizeZ == nil)
        #expect(document.images[0].pixels.channels[0].color == RGBAColor(red: 128, green: 0, blue: 0, alpha: 0))
        #expect(document.images[0].pixels.channels[0].otherElements.isEmpty)
        #expect(document.images[0].otherElements.isEmpty)
        #expect(document.annotations.isEmpty)
        #expect(document.otherElements.isEmpty)
        // The reference to the dropped annotation stays in the model but is not written.
        #expect(document.images[0].annotationRefs == ["Annotation:1"])
        #expect(!document.xmlString().contains("AnnotationRef"))

        let prefixed = """
            <ome:OME xmlns:ome="http://www.openmicroscopy.org/Schemas/OME/2016-06"><ome:Image ID="Image:0"><ome:Pixels ID="Pixels:0"
            DimensionOrder="XYZCT" Type="int8" SizeX="1" SizeY="1" SizeZ="1" SizeC="1" SizeT="1"><ome:MetadataOnly/></ome:Pixels>
            <ome:StageLabel Name="pos1"/></ome:Image></ome:OME>
            """
        let prefixedDocument = try OMEDocument(parsing: prefixed)
        #expect(prefixedDocument.images[0].pixels.type == .int8)
        #expect(prefixedDocument.images[0].otherElements.map(\.name) == ["StageLabel"])
        #expect(prefixedDocument.xmlString().contains("<StageLabel Name=\"pos1\"/>"))
        #expect(try OMEDocument(parsing: prefixedDocument.xmlString()) == prefixedDocument)
    }

    @Test func readsAndWritesBinaryOnlyDocuments() throws {
        let text = """
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2015-01" UUID="urn:uuid:4978087c-a670-4b12-af53-256c62d8d101">
            <BinaryOnly MetadataFile="set.companion.ome" UUID="urn:uuid:07504f88-7bc3-11e0-b937-2faf67bc00b3"/></OME>
            """
        let document = try OMEDocument(parsing: text)
        #expect(
            document.binaryOnly == OMEBinaryOnly(metadataFile: "set.companion.ome", uuid: "urn:uuid:07504f88-7bc3-11e0-b937-2faf67bc00b3"))
        #expect(document.images.isEmpty)
        #expect(try OMEDocument(parsing: document.xmlString()) == document)
    }

    @Test func refusesDocumentsWithoutTheRequiredPixelValues() {
        func code(_ text: String) -> ImMetaIOError.Code? {
            do {
                _ = try OMEDocument(parsing: text)
                return nil
            } catch {
                return error.code
            }
        }
        let head = "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\">"
        #expect(code("<html/>") == .unsupportedFormat)
        #expect(code(head + "</Image></OME>") == .corruptData)
        #expect(code(head + "<Pixels SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>") == .corruptData)
        #expect(
            code(head + "<Pixels Type=\"uint12\" SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>")
                == .corruptData)
        #expect(
            code(head + "<Pixels Type=\"uint8\" SizeX=\"0\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>")
                == .corruptData)
        #expect(code(head + "<Pixels Type=\"uint8\" SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\"/></Image></OME>") == .corruptData)
        #expect(
            code(
                head
                    + "<Pixels Type=\"uint8\" DimensionOrder=\"XYQ\" SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>"
            ) == .corruptData)
        #expect(code(head + "<Pixels Type=\"uint8\" SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image>") == .corruptData)
        #expect(code(head + "<Pixels Type=\"uint8\" SizeX=\"1\" SizeY=\"1\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"/></Image></OME>") == nil)
    }

    @Test func writesOnlyValidReferencesEnumerationsAndLexicalForms() throws {
        var pixels = OMEPixels(id: "Pixels:0", type: .uint8, sizeX: 1, sizeY: 1)
        pixels.physicalSizeX = Length(0, .micrometer)
        pixels.physicalSizeY = Length(-1, .micrometer)
        pixels.timeIncrement = TimeQuantity(.infinity, .second)
        pixels.tiffData = [OMETiffData(uuid: "not-a-uuid", fileName: "x.tif")]
        var image = OMEImage(id: "Image:0", pixels: pixels)
        image.acquisitionDate = "01/02/2024 10:00"
        image.instrumentRef = "Instrument:missing"
        image.annotationRefs = ["Annotation:missing"]
        var instrument = OMEInstrument(id: "Instrument:0", microscope: OMEMicroscope(model: "m", type: "Sideways"))
        instrument.objectives = [OMEObjective(id: "Objective:0:0", immersion: "Honey")]
        let document = OMEDocument(uuid: "bad", images: [image], instruments: [instrument])
        let written = document.xmlString()
        for absent in [
            "PhysicalSizeX", "PhysicalSizeY", "TimeIncrement", "<UUID", "AcquisitionDate", "InstrumentRef", "AnnotationRef", "UUID=\"bad\"",
        ] {
            #expect(!written.contains(absent), "\(absent) should not be written")
        }
        #expect(written.contains("Type=\"Other\""))
        #expect(written.contains("Immersion=\"Other\""))
        #expect(written.contains("<TiffData IFD=\"0\" FirstZ=\"0\" FirstT=\"0\" FirstC=\"0\"/>"))
    }

    @Test func listsPlanesInDimensionOrder() {
        var pixels = OMEPixels(id: "Pixels:0", dimensionOrder: .xyzct, type: .uint8, sizeX: 1, sizeY: 1, sizeZ: 2, sizeC: 2, sizeT: 2)
        let coordinates = pixels.planeCoordinates().map { [$0.z, $0.c, $0.t] }
        #expect(coordinates == [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]])
        pixels.dimensionOrder = .xytcz
        #expect(pixels.planeCoordinates().prefix(3).map { [$0.z, $0.c, $0.t] } == [[0, 0, 0], [0, 0, 1], [0, 1, 0]])
        pixels.sizeC = 3
        pixels.channels = [OMEChannel(id: "Channel:0:0", samplesPerPixel: 3)]
        #expect(pixels.samplesPerPixel == 3)
        #expect(pixels.planeCount == 4)
        #expect(pixels.planeCoordinates().count == 4)
    }

    @Test func buildsModuloAnnotationsThatReadBack() throws {
        let modulo = OMEModulo(alongC: OMEModulo.Along(type: "lifetime", unit: "ps", start: 1, step: 1, end: 8))
        let annotation = modulo.xmlAnnotation(id: "Annotation:7")
        #expect(annotation.namespace == OMEModulo.annotationNamespace)
        #expect(OMEModulo(annotation) == modulo)
        var image = OMEImage(id: "Image:0", pixels: OMEPixels(id: "Pixels:0", type: .int8, sizeX: 1, sizeY: 1, sizeC: 16))
        image.annotationRefs = ["Annotation:7"]
        let document = OMEDocument(images: [image], annotations: [.xml(annotation)])
        let reread = try OMEDocument(parsing: document.xmlString())
        #expect(reread == document)
        #expect(reread.modulo(for: reread.images[0])?.alongC?.count == 8)
    }
}
