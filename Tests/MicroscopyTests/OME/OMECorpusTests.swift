import Microscopy
import Testing

/// The OME-XML of every OME-TIFF and companion file of the corpus: it parses, the values match
/// what tifffile and ome_types report (a few checked here, all by `check_ome_xml.py` from the
/// dumps), and writing then reading gives the same model.
@Suite(.enabled(if: OMETestCorpus.isAvailable, OMETestCorpus.missingNote))
struct OMECorpusTests {
    /// What ome_types reports for the first image of each file: image count, order, type,
    /// SizeX/Y/Z/C/T, channel count, PhysicalSizeX (µm), TiffData blocks.
    struct Expected: Sendable {
        var images: Int
        var order: OMEDimensionOrder
        var type: OMEPixelType
        var sizes: [Int]
        var channels: Int
        var physicalSizeX: Double?
        var tiffData: Int
    }

    static let expected: [String: Expected] = [
        "czitools/FOV7_HV110_P0500510000.ome.tiff": Expected(
            images: 1, order: .xyctz, type: .uint8, sizes: [512, 512, 1, 1, 1], channels: 1, tiffData: 1),
        "ome-artificial/4D-series.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [439, 167, 5, 1, 7], channels: 1, tiffData: 35),
        "ome-artificial/multi-channel-z-series.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [439, 167, 5, 3, 1], channels: 3, tiffData: 15),
        "ome-artificial/multi-channel.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [439, 167, 1, 3, 1], channels: 3, tiffData: 3),
        "ome-artificial/single-channel.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [439, 167, 1, 1, 1], channels: 1, tiffData: 1),
        "ome-artificial/time-series.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [439, 167, 1, 1, 7], channels: 1, tiffData: 7),
        "ome-model/18x24y1z5t2c8b-text.ome.tiff": Expected(
            images: 1, order: .xyzct, type: .uint8, sizes: [18, 24, 1, 2, 5], channels: 2, tiffData: 10),
        "ome-model/18x24y5z5t1c8b-text.ome.tiff": Expected(
            images: 1, order: .xyzct, type: .uint8, sizes: [18, 24, 5, 1, 5], channels: 1, tiffData: 25),
        "ome-model/18x24y5z5t2c8b-text.ome.tiff": Expected(
            images: 1, order: .xyzct, type: .uint8, sizes: [18, 24, 5, 2, 5], channels: 2, tiffData: 50),
        "ome-model/6x4y1z1t1c8b-swatch-2s2p4w2ws.ome.tiff": Expected(
            images: 22, order: .xyczt, type: .uint8, sizes: [6, 4, 1, 1, 1], channels: 1, physicalSizeX: 10000, tiffData: 1),
        "ome-model/6x4y1z1t3c8b-swatch-ROI.ome.tiff": Expected(
            images: 1, order: .xyczt, type: .uint8, sizes: [6, 4, 1, 3, 1], channels: 3, physicalSizeX: 10000, tiffData: 3),
        "ome-model/6x4y1z1t3c8b-swatch.ome.tiff": Expected(
            images: 1, order: .xyczt, type: .uint8, sizes: [6, 4, 1, 3, 1], channels: 3, physicalSizeX: 10000, tiffData: 3),
        "ome-model/FLIM-modulo-sample.ome.tif": Expected(
            images: 1, order: .xyzct, type: .int8, sizes: [180, 150, 1, 16, 1], channels: 16, tiffData: 16),
        "ome-model/set-1-meta-companion/18x24y5z1t1c8b-text-companion.ome": Expected(
            images: 1, order: .xyctz, type: .uint8, sizes: [18, 24, 5, 1, 1], channels: 1, tiffData: 5),
        "tiledb/rand_uint16.ome.tiff": Expected(
            images: 2, order: .xyczt, type: .uint16, sizes: [128, 512, 1, 3, 1], channels: 1, physicalSizeX: 0.29, tiffData: 1),
    ]

    static var files: [String] { OMETestCorpus.omeFiles }

    @Test(arguments: files)
    func parsesMatchesTheReferenceAndRoundTrips(_ file: String) throws {
        let bytes = try #require(OMETestCorpus.xml(file), "no OME-XML found in \(file)")
        let document = try OMEDocument(parsing: bytes)
        let key = String(file.dropFirst("ome-tiff/".count))
        if key.contains("-split-Z") {
            #expect(document.binaryOnly?.metadataFile == "18x24y5z1t1c8b-text-companion.ome")
            #expect(document.images.isEmpty)
        } else {
            let expected = try #require(Self.expected[key], "no expectation for \(key)")
            #expect(document.images.count == expected.images)
            let pixels = try #require(document.images.first?.pixels)
            #expect(pixels.dimensionOrder == expected.order)
            #expect(pixels.type == expected.type)
            #expect([pixels.sizeX, pixels.sizeY, pixels.sizeZ, pixels.sizeC, pixels.sizeT] == expected.sizes)
            #expect(pixels.channels.count == expected.channels)
            #expect(pixels.physicalSizeX?.converted(to: .micrometer)?.value == expected.physicalSizeX)
            #expect(pixels.tiffData.count == expected.tiffData)
        }
        let written = document.xmlString()
        let reread = try OMEDocument(parsing: written)
        #expect(reread == document)
        #expect(reread.xmlString() == written)
        let name = key.replacing("/", with: "__")
        OMETestCorpus.dump(OMESummary.json(document, source: file), as: name + ".summary.json")
        OMETestCorpus.dump(written, as: name + ".written.ome.xml")
    }

    @Test func theFLIMSampleKeepsItsModuloAnnotation() throws {
        let bytes = try #require(OMETestCorpus.xml("ome-tiff/ome-model/FLIM-modulo-sample.ome.tif"))
        let document = try OMEDocument(parsing: bytes)
        let modulo = try #require(document.modulo(for: document.images[0]))
        #expect(modulo.alongC == OMEModulo.Along(type: "lifetime", unit: "ps", start: 1, step: 1, end: 8))
        #expect(modulo.alongC?.count == 8)
        let reread = try OMEDocument(parsing: document.xmlString())
        #expect(reread.modulo(for: reread.images[0]) == modulo)
        #expect(document.images[0].acquisitionDate == "2011-10-03T14:34:07")
    }

    @Test func thePyramidSampleIsAnRGBImageInTheSharedModel() throws {
        let bytes = try #require(OMETestCorpus.xml("ome-tiff/tiledb/rand_uint16.ome.tiff"))
        let document = try OMEDocument(parsing: bytes)
        let metadata = try document.images[0].microscopyMetadata(in: document)
        #expect(metadata.axesString == "TZCYXS")
        #expect(metadata.shape == [1, 1, 1, 512, 128, 3])
        #expect(metadata.dtype == .uint16)
        #expect(metadata.significantBits == 10)
        #expect(metadata.physicalSizeX == Length(0.29, .micrometer))
        #expect(metadata.timeIncrement == TimeQuantity(0.1, .second))
        #expect(metadata.channels.map(\.name) == ["Channel 1"])
        let thumbnail = try document.images[1].microscopyMetadata(in: document)
        #expect(thumbnail.axesString == "TZCYX")
        #expect(thumbnail.shape == [1, 1, 3, 64, 16])
    }
}

/// A JSON summary of a parsed document, compared with ome_types by `check_ome_xml.py`.
enum OMESummary {
    static func json(_ document: OMEDocument, source: String) -> String {
        func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func length(_ value: Length?) -> JSONValue { value.map { .array([.double($0.value), .string($0.unit.symbol)]) } ?? .null }
        func time(_ value: TimeQuantity?) -> JSONValue { value.map { .array([.double($0.value), .string($0.unit.symbol)]) } ?? .null }
        let images: [JSONValue] = document.images.map { image in
            let pixels = image.pixels
            let channels: [JSONValue] = pixels.channels.map { channel in
                .object([
                    "id": .string(channel.id), "name": string(channel.name),
                    "samples_per_pixel": channel.samplesPerPixel.map { .int($0) } ?? .null,
                    "color": channel.color.map { .int(Int($0.omeInteger)) } ?? .null, "excitation": length(channel.excitationWavelength),
                    "emission": length(channel.emissionWavelength),
                ])
            }
            return .object([
                "id": .string(image.id), "name": string(image.name), "acquisition_date": string(image.acquisitionDate),
                "dimension_order": .string(pixels.dimensionOrder.rawValue), "type": .string(pixels.type.rawValue),
                "size": .array([pixels.sizeX, pixels.sizeY, pixels.sizeZ, pixels.sizeC, pixels.sizeT].map { .int($0) }),
                "physical_size": .array([length(pixels.physicalSizeX), length(pixels.physicalSizeY), length(pixels.physicalSizeZ)]),
                "time_increment": time(pixels.timeIncrement), "significant_bits": pixels.significantBits.map { .int($0) } ?? .null,
                "channels": .array(channels), "tiff_data": .int(pixels.tiffData.count), "planes": .int(pixels.planes.count),
            ])
        }
        var mapCount = 0
        var xmlCount = 0
        for annotation in document.annotations {
            if case .map = annotation { mapCount += 1 }
            if case .xml = annotation { xmlCount += 1 }
        }
        let binaryOnly: JSONValue =
            document.binaryOnly.map { .object(["metadata_file": .string($0.metadataFile), "uuid": .string($0.uuid)]) } ?? .null
        return JSONText.encode(
            .object([
                "source": .string(source), "images": .array(images), "binary_only": binaryOnly, "map_annotations": .int(mapCount),
                "xml_annotations": .int(xmlCount),
            ]))
    }
}
