import Foundation
import Microscopy
import Testing

@Suite struct ThorlabsRAWFileTests {
    /// The generated layouts: single plane; fast-Z stack with flyback frames and 2 channels; a
    /// streamed T series with frame averaging; a Z and T capture with 3 channels.
    static let layouts: [ThorlabsFixture] = [
        ThorlabsFixture(name: "single-plane"),
        ThorlabsFixture(
            name: "fastz-flyback", sizeT: 3, sizeZ: 4, sizeC: 2, sizeY: 5, sizeX: 7, flybackFrames: 2, fastZ: true, frameRate: 30),
        ThorlabsFixture(name: "t-series", sizeT: 5, sizeY: 4, sizeX: 9, frameRate: 10, averageMode: 1, averageNum: 2),
        ThorlabsFixture(name: "zt-three-channels", sizeT: 3, sizeZ: 2, sizeC: 3, sizeY: 4, sizeX: 4, streaming: false, intervalSec: 1.5),
        ThorlabsFixture(name: "old-names", sizeT: 2, sizeC: 2, rawName: "Image_001_001.raw"),
        ThorlabsFixture(name: "camera-8-bit", sizeT: 2, cameraBitsPerPixel: 8),
    ]

    @Test(arguments: layouts.indices)
    func readsPixelsAndMetadataExactly(_ index: Int) throws {
        let fixture = Self.layouts[index]
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        let file = try ThorlabsRAWFile(path: folder)
        #expect(file.formatName == "Thorlabs RAW")
        #expect(file.rawPath.hasSuffix(fixture.rawName))
        let metadata = file.image.metadata
        #expect(metadata.axesString == "TZCYX")
        #expect(metadata.shape == [fixture.sizeT, fixture.sizeZ, fixture.sizeC, fixture.sizeY, fixture.sizeX])
        #expect(metadata.dtype == .uint16)
        #expect(metadata.significantBits == nil, "Camera@bitsPerPixel must not set the bit depth of LSM data")
        #expect(metadata.physicalSizeX == Length(0.5, .micrometer))
        #expect(metadata.physicalSizeY == Length(0.5, .micrometer))
        #expect(metadata.physicalSizeZ == (fixture.sizeZ > 1 ? Length(2.5, .micrometer) : nil))
        #expect(metadata.channels.map(\.name) == Array(["ChanA", "ChanB", "ChanC"].prefix(fixture.sizeC)))
        #expect(metadata.acquisitionDate == "2020-05-05T17:14:26")
        #expect(metadata.name == fixture.name)
        #expect(metadata.instrument == InstrumentSummary(objective: "20X", nominalMagnification: 20))
        #expect(metadata.provenance["format"] == "Thorlabs RAW")
        #expect(file.image.layout.flybackFrames == fixture.flybackFrames)
        #expect(file.image.levelShapes == [metadata.shape])

        let whole = try file.image.read()
        #expect(whole.shape == metadata.shape)
        #expect(
            whole.scalars(as: UInt16.self)
                == fixture.expected(
                    t: 0..<fixture.sizeT, z: 0..<fixture.sizeZ, c: 0..<fixture.sizeC, y: 0..<fixture.sizeY, x: 0..<fixture.sizeX))
        try fixture.dump(file)
    }

    @Test func derivesTheTimeIncrementFromTheAcquisitionMode() throws {
        let expectations: [(String, TimeQuantity?)] = [
            ("single-plane", nil),
            ("fastz-flyback", TimeQuantity(6.0 / 30, .second)),  // (4 planes + 2 flyback) / 30 Hz
            ("t-series", TimeQuantity(0.2, .second)),  // 2 averaged frames at 10 Hz
            ("zt-three-channels", TimeQuantity(1.5, .second)),  // Timelapse@intervalSec
        ]
        for (name, expected) in expectations {
            let fixture = try #require(Self.layouts.first { $0.name == name })
            let folder = try fixture.write()
            defer { ThorlabsFixture.remove(folder) }
            let increment = try ThorlabsRAWFile(path: folder).image.metadata.timeIncrement
            #expect(increment?.unit == expected?.unit, "\(name)")
            #expect(abs((increment?.value ?? -1) - (expected?.value ?? -1)) < 1e-12, "\(name): \(String(describing: increment))")
        }
    }

    @Test func takesTheTimePointsOfAStreamFromTimelapseThenFromTheFrameCount() throws {
        // ThorImage updates Timelapse@timepoints when a stream is stopped early; Streaming@frames
        // keeps the planned count.
        var fixture = ThorlabsFixture(name: "stopped", sizeT: 2, sizeZ: 3, sizeC: 1, flybackFrames: 1, fastZ: true)
        let stopped = try fixture.write(xml: fixture.experimentXML.replacing("frames=\"8\"", with: "frames=\"40\""))
        defer { ThorlabsFixture.remove(stopped) }
        #expect(try ThorlabsRAWFile(path: stopped).image.metadata.shape == [2, 3, 1, 6, 8])
        fixture.writesTimepoints = false
        let stale = try fixture.write(xml: fixture.experimentXML.replacing("<Timelapse timepoints=\"1\"", with: "<Timelapse"))
        defer { ThorlabsFixture.remove(stale) }
        #expect(try ThorlabsRAWFile(path: stale).image.metadata.shape == [2, 3, 1, 6, 8])
    }

    @Test func readsWindowsWithoutTouchingOtherPlanes() throws {
        let fixture = Self.layouts[1]
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        let image = try ThorlabsRAWFile(path: folder).image
        let windows: [(Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>)] = [
            (1..<3, 2..<4, 1..<2, 1..<4, 2..<6), (0..<1, 0..<1, 0..<1, 0..<1, 0..<1), (2..<3, 3..<4, 0..<2, 0..<5, 6..<7),
            (0..<3, 0..<4, 0..<2, 4..<5, 0..<7),
        ]
        for (t, z, c, y, x) in windows {
            let array = try image.read(MicroscopyRegion(t: t, z: z, c: c, y: y, x: x))
            #expect(array.shape == [t.count, z.count, c.count, y.count, x.count])
            #expect(array.scalars(as: UInt16.self) == fixture.expected(t: t, z: z, c: c, y: y, x: x))
        }
        #expect(throws: ImMetaIOError.self) { try image.read(MicroscopyRegion(z: 0..<5)) }
        #expect(throws: ImMetaIOError.self) { try image.read(.all, level: 1) }
    }

    @Test func readsNarrowWindowsOfWidePlanesInSpans() throws {
        // 4096 × 600 × 2 bytes per plane: a narrow window needs more than one 4 MiB span.
        let fixture = ThorlabsFixture(name: "wide", sizeT: 2, sizeY: 600, sizeX: 4096)
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        let image = try ThorlabsRAWFile(path: folder).image
        let region = MicroscopyRegion(t: 1..<2, y: 3..<598, x: 4000..<4093)
        let array = try image.read(region)
        #expect(array.scalars(as: UInt16.self) == fixture.expected(t: 1..<2, z: 0..<1, c: 0..<1, y: 3..<598, x: 4000..<4093))
        let limited = try ThorlabsRAWFile(path: folder, limits: DecodeLimits(maxPixels: 1000, maxBytes: 1 << 30)).image
        #expect(throws: ImMetaIOError.self) { try limited.read(region) }
    }

    @Test func opensFromTheFolderTheXMLOrTheRAWFile() throws {
        let fixture = Self.layouts[0]
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        for path in [folder, folder + "/", folder + "/Experiment.xml", folder + "/Image_0001_0001.raw"] {
            let file = try ThorlabsRAWFile(path: path)
            #expect(file.path == path)
            #expect(file.experimentPath == folder + "/Experiment.xml")
            #expect(file.rawPath == folder + "/Image_0001_0001.raw")
        }
    }

    @Test func aTruncatedRAWFileFailsAtOpenWithBothSizes() throws {
        var fixture = Self.layouts[1]
        fixture.missingBytes = 2
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        do {
            _ = try ThorlabsRAWFile(path: folder)
            Issue.record("a truncated RAW file opened")
        } catch {
            #expect(error.code == .corruptData)
            let expected = 3 * (4 + 2) * 2 * 5 * 7 * 2
            #expect(error.message.contains("\(expected - 2) bytes"))
            #expect(error.message.contains("implies \(expected)"))
            #expect(error.file?.hasSuffix(".raw") == true)
        }
        fixture.missingBytes = 0
        fixture.extraBytes = 10
        let longer = try fixture.write()
        defer { ThorlabsFixture.remove(longer) }
        #expect(try ThorlabsRAWFile(path: longer).image.metadata.annotations["ThorlabsRAW.extraBytes"] == "10")
    }

    @Test func missingFilesAreNamed() throws {
        let fixture = Self.layouts[0]
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        try FileManager.default.removeItem(atPath: folder + "/Experiment.xml")
        do {
            _ = try ThorlabsRAWFile(path: folder + "/Image_0001_0001.raw")
            Issue.record("opened without Experiment.xml")
        } catch {
            #expect(error.code == .missingFile)
            #expect(error.message.contains("Experiment.xml"))
        }
        let other = try fixture.write()
        defer { ThorlabsFixture.remove(other) }
        try FileManager.default.removeItem(atPath: other + "/Image_0001_0001.raw")
        do {
            _ = try ThorlabsRAWFile(path: other)
            Issue.record("opened without a RAW file")
        } catch {
            #expect(error.code == .missingFile)
            #expect(error.message.contains("Image_0001_0001.raw"))
        }
        #expect(throws: ImMetaIOError.self) { try ThorlabsRAWFile(path: other + "/nothing-here") }
    }

    @Test func malformedOrIncompleteXMLGivesTypedErrors() throws {
        let fixture = Self.layouts[0]
        let cases: [(String, ImMetaIOError.Code)] = [
            ("<ThorImageExperiment><LSM pixelX=\"8\"", .corruptData),
            ("<ThorImageExperiment><LSM pixelX=\"8\" pixelY=\"6\"/><Streaming enable=\"1\" frames=\"1\"/></Wrong>", .corruptData),
            ("<Other/>", .unsupportedFormat),
            ("<ThorImageExperiment><Streaming enable=\"1\" frames=\"1\"/></ThorImageExperiment>", .corruptData),
            ("<ThorImageExperiment><LSM pixelX=\"-8\" pixelY=\"6\"/></ThorImageExperiment>", .corruptData),
            (
                "<ThorImageExperiment><LSM pixelX=\"8\" pixelY=\"6\"/><CaptureMode mode=\"1\"/><Streaming enable=\"1\" frames=\"0\"/></ThorImageExperiment>",
                .corruptData
            ),
            ("<ThorImageExperiment><LSM pixelX=\"8\" pixelY=\"6\" NumberOfPlanes=\"4\"/></ThorImageExperiment>", .unsupportedFeature),
            ("<!DOCTYPE x [<!ENTITY a 'b'>]><ThorImageExperiment/>", .corruptData),
            (
                "<ThorImageExperiment><LSM pixelX=\"99999999999\" pixelY=\"99999999999\"/><CaptureMode mode=\"1\"/><Streaming enable=\"1\" frames=\"99999999999\"/></ThorImageExperiment>",
                .corruptData
            ),
            (
                "<ThorImageExperiment><LSM pixelX=\"8\" pixelY=\"6\"/><ZStage steps=\"5\"/><CaptureMode mode=\"1\"/><Streaming frames=\"3\" zFastEnable=\"1\" flybackFrames=\"1\"/></ThorImageExperiment>",
                .corruptData
            ),
            (
                "<ThorImageExperiment><LSM pixelX=\"8\" pixelY=\"6\"/><CaptureMode mode=\"1\"/><Timelapse timepoints=\"0\"/><Streaming enable=\"1\"/></ThorImageExperiment>",
                .corruptData
            ),
        ]
        for (xml, code) in cases {
            let folder = try fixture.write(xml: xml)
            defer { ThorlabsFixture.remove(folder) }
            do {
                _ = try ThorlabsRAWFile(path: folder)
                Issue.record("opened \(xml)")
            } catch {
                #expect(error.code == code, "\(xml): \(error)")
            }
        }
        let folder = try fixture.write(xml: "<ThorImageExperiment>\n  <LSM pixelX=\"8\" pixelY='6'>\n</ThorImageExperiment>")
        defer { ThorlabsFixture.remove(folder) }
        do {
            _ = try ThorlabsRAWFile(path: folder)
            Issue.record("opened malformed XML")
        } catch {
            #expect(error.message.contains("line 3"))
            #expect(error.file?.hasSuffix("Experiment.xml") == true)
        }
    }

    @Test func keepsEveryAttributeAsAnAnnotation() throws {
        let fixture = Self.layouts[1]
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        let annotations = try ThorlabsRAWFile(path: folder).image.metadata.annotations
        #expect(annotations["LSM.pixelSizeUM"] == "0.5")
        #expect(annotations["LSM.channel"] == "3")
        #expect(annotations["Streaming.flybackFrames"] == "2")
        #expect(annotations["Wavelengths.nyquistExWavelengthNM"] == "488")
        #expect(annotations["Wavelengths.Wavelength[2].name"] == "ChanB")
        #expect(annotations["Wavelengths.ChannelEnable.Set"] == "3")
        #expect(annotations["Pockels[2].type"] == "1")
        #expect(annotations["ExperimentNotes.text"] == "a & b")
        #expect(annotations["Camera.bitsPerPixel"] == "14")
        #expect(annotations.keys.first == "Name.name")
        let keys = Array(annotations.keys)
        #expect(try #require(keys.firstIndex(of: "Wavelengths.Wavelength[1].name")) < #require(keys.firstIndex(of: "ZStage.name")))
    }

    @Test func prefersPixelWidthOverAStalePixelSize() throws {
        var fixture = Self.layouts[0]
        fixture.pixelSizeUM = 2.93
        fixture.pixelWidthUM = 0.17
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        let metadata = try ThorlabsRAWFile(path: folder).image.metadata
        #expect(metadata.physicalSizeX == Length(0.17, .micrometer))
        #expect(metadata.physicalSizeY == Length(0.17, .micrometer))
    }

    @Test func readsWindows1252TextWithoutAnEncodingDeclaration() throws {
        let fixture = Self.layouts[0]
        var xml = Array(fixture.experimentXML.utf8)
        let marker = Array("a &amp; b".utf8)
        let position = try #require((0...(xml.count - marker.count)).first { xml[$0..<$0 + marker.count].elementsEqual(marker) })
        xml.replaceSubrange(position..<position + marker.count, with: [0xB5, 0x6D, 0x20, 0x96, 0x20, 0x80])
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        try Data(xml).write(to: URL(fileURLWithPath: folder + "/Experiment.xml"))
        let annotations = try ThorlabsRAWFile(path: folder).image.metadata.annotations
        #expect(annotations["ExperimentNotes.text"] == "µm – €")
    }

    @Test func convertsThorImageDates() throws {
        #expect(try ThorlabsRAWFileTests.iso("05/05/2020 17:14:26") == "2020-05-05T17:14:26")
        #expect(try ThorlabsRAWFileTests.iso("6/24/2014") == "2014-06-24")
        #expect(try ThorlabsRAWFileTests.iso("3/1/2024 1:05:09 PM") == "2024-03-01T13:05:09")
        #expect(try ThorlabsRAWFileTests.iso("3/1/2024 12:05:09 AM") == "2024-03-01T00:05:09")
        #expect(try ThorlabsRAWFileTests.iso("2024-09-17") == "2024-09-17")
        #expect(try ThorlabsRAWFileTests.iso("13/45/2020 10:00:00") == nil)
        #expect(try ThorlabsRAWFileTests.iso("x") == nil)
    }

    /// Dates through the reader, so that only the public API is used.
    static func iso(_ date: String) throws -> String? {
        var fixture = ThorlabsFixture(name: "date")
        fixture.date = date
        let folder = try fixture.write()
        defer { ThorlabsFixture.remove(folder) }
        return try ThorlabsRAWFile(path: folder).image.metadata.acquisitionDate
    }
}
