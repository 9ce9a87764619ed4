import Foundation
import Microscopy
import Testing

/// The CZI reader on files built in memory: placement, drawing order, compressions, pixel types,
/// pyramids, scenes, dimensions, windows.
@Suite struct CZIReaderTests {
    typealias Subblock = CZITestFile.Subblock

    @Test func mosaicTilesAreShiftedToTheOriginAndDrawnInMosaicOrder() throws {
        // Directory order puts the M=1 tile first; it must still be drawn over the M=0 one.
        let a = CZITestData.ramp(width: 40, height: 30, base: 10_000)
        let b = CZITestData.ramp(width: 20, height: 20, base: 30_000)
        var file = CZITestFile(subblocks: [
            Subblock(x: -10, y: -5, width: 40, height: 30, coordinates: ["M": 1], data: CZITestFile.bytes(a)),
            Subblock(x: 10, y: 5, width: 20, height: 20, coordinates: ["M": 0], data: CZITestFile.bytes(b)),
        ])
        let image = try CZIFile(&file).scenes[0]
        #expect(image.metadata.shape == [1, 1, 1, 30, 40])
        #expect(image.originX == -10 && image.originY == -5)
        #expect(image.metadata.annotations["CZI.origin"] == "-10,-5")
        var expected = [UInt16](repeating: 0, count: 30 * 40)
        for y in 0..<20 { for x in 0..<20 { expected[(y + 10) * 40 + x + 20] = b[y * 20 + x] } }
        for y in 0..<30 { for x in 0..<40 { expected[y * 40 + x] = a[y * 40 + x] } }
        #expect(try image.read().scalars(as: UInt16.self) == expected)

        // Without mosaic indices, directory order decides: the later tile is on top.
        var plain = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 40, height: 30, data: CZITestFile.bytes(a)),
            Subblock(x: 20, y: 10, width: 20, height: 20, data: CZITestFile.bytes(b)),
        ])
        let top = try CZIFile(&plain).scenes[0].read()
        #expect(top.scalars(as: UInt16.self)[15 * 40 + 25] == b[5 * 20 + 5])
    }

    /// A 3×3 grid of 16×16 tiles at every (T, C) of 2×2 planes.
    private func grid() -> CZITestFile {
        var file = CZITestFile()
        var m: Int32 = 0
        for t in Int32(0)..<2 {
            for c in Int32(0)..<2 {
                for row in Int32(0)..<3 {
                    for column in Int32(0)..<3 {
                        let values = CZITestData.ramp(width: 16, height: 16, base: Int(t * 20_000 + c * 10_000 + row * 3000 + column * 1000))
                        file.subblocks.append(
                            Subblock(
                                x: 100 + column * 16, y: 50 + row * 16, width: 16, height: 16, compression: t == 1 ? 5 : 0,
                                coordinates: ["T": t, "C": c, "M": m % 9], data: t == 1 ? CZITestData.zstd(CZITestFile.bytes(values)) : CZITestFile.bytes(values)))
                        m += 1
                    }
                }
            }
        }
        return file
    }

    @Test func windowsEqualCropsOfTheFullReadAndReadOnlyTheTilesTheyOverlap() throws {
        var built = grid()
        let file = try CZIFile(&built)
        let image = file.scenes[0]
        #expect(image.metadata.shape == [2, 1, 2, 48, 48])
        let full = try image.read()
        #expect(file.readStatistics.subblocksRead == 36)
        for (y, x) in [(0..<48, 0..<48), (3..<9, 5..<12), (10..<40, 15..<17), (16..<32, 16..<32), (47..<48, 0..<48)] {
            for (t, c) in [(0..<2, 0..<2), (1..<2, 0..<1), (0..<1, 1..<2)] {
                file.resetReadStatistics()
                let window = try image.read(MicroscopyRegion(t: t, c: c, y: y, x: x))
                let rows = (y.lowerBound / 16)...((y.upperBound - 1) / 16), columns = (x.lowerBound / 16)...((x.upperBound - 1) / 16)
                #expect(file.readStatistics.subblocksRead == rows.count * columns.count * t.count * c.count)
                var expected = crop(full, y: y, x: x)
                // The full read's T and C subset.
                expected = try subset(expected, t: t, c: c)
                #expect(window == expected)
            }
        }
        // An uncompressed window reads only the rows it needs.
        file.resetReadStatistics()
        _ = try image.read(MicroscopyRegion(t: 0..<1, c: 0..<1, y: 0..<2, x: 0..<4))
        #expect(file.readStatistics.subblocksRead == 1)
        #expect(file.readStatistics.bytesRead == 32 + 256 + 2 * 16 * 2)
    }

    private func subset(_ array: NDArray, t: Range<Int>, c: Range<Int>) throws -> NDArray {
        let shape = array.shape
        let planeBytes = shape[3] * shape[4] * array.dtype.itemSize
        var out = NDArray(shape: [t.count, 1, c.count, shape[3], shape[4]], dtype: array.dtype)
        out.withUnsafeMutableBytes { target in
            array.withUnsafeBytes { source in
                var index = 0
                for tt in t { for cc in c {
                    let from = (tt * shape[2] + cc) * planeBytes
                    target.baseAddress!.advanced(by: index * planeBytes).copyMemory(from: source.baseAddress! + from, byteCount: planeBytes)
                    index += 1
                } }
            }
        }
        return out
    }

    @Test func zstdCompressionsDecode() throws {
        let gray = CZITestData.ramp(width: 24, height: 10, base: 300)
        let colour = (0..<(24 * 10 * 3)).map { UInt16($0 * 97 % 65_521) }
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 24, height: 10, compression: 5, coordinates: ["C": 0], data: CZITestData.zstd(CZITestFile.bytes(gray))),
            Subblock(x: 0, y: 0, width: 24, height: 10, compression: 6, coordinates: ["C": 1], data: CZITestData.zstd1(CZITestFile.bytes(gray), hiLo: false)),
            Subblock(x: 0, y: 0, width: 24, height: 10, compression: 6, coordinates: ["C": 2], data: CZITestData.zstd1(CZITestFile.bytes(gray), hiLo: true)),
        ])
        let planes = try CZIFile(&file).scenes[0].read().scalars(as: UInt16.self)
        #expect(planes == gray + gray + gray)
        #expect(try CZIFile(&file).scenes[0].metadata.annotations["CZI.compression"] == "zstd0,zstd1")

        var rgb = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 24, height: 10, pixelType: 4, compression: 6, data: CZITestData.zstd1(CZITestFile.bytes(colour), hiLo: true))
        ])
        let image = try CZIFile(&rgb).scenes[0]
        #expect(image.metadata.axesString == "TZCYXS")
        var expected = colour
        for pixel in 0..<(24 * 10) { expected.swapAt(pixel * 3, pixel * 3 + 2) }
        #expect(try image.read().scalars(as: UInt16.self) == expected)
    }

    @Test func colourTypesAreTurnedIntoRGB() throws {
        let bgr: [UInt8] = (0..<(5 * 4 * 3)).map { UInt8($0) }
        let bgra: [UInt8] = (0..<(5 * 4 * 4)).map { UInt8(200 - $0) }
        let floats: [Float] = (0..<(5 * 4 * 3)).map { Float($0) * 0.5 }
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 5, height: 4, pixelType: 3, coordinates: ["S": 0], data: bgr),
            Subblock(x: 0, y: 0, width: 5, height: 4, pixelType: 9, coordinates: ["S": 1], data: bgra),
            Subblock(x: 0, y: 0, width: 5, height: 4, pixelType: 8, coordinates: ["S": 2], data: floats.withUnsafeBytes { Array($0) }),
        ])
        let scenes = try CZIFile(&file).scenes
        #expect(scenes.map(\.metadata.shape) == [[1, 1, 1, 4, 5, 3], [1, 1, 1, 4, 5, 4], [1, 1, 1, 4, 5, 3]])
        #expect(scenes.map(\.metadata.dtype) == [.uint8, .uint8, .float32])
        let rgb: [UInt8] = stride(from: 0, to: 60, by: 3).flatMap { (p: Int) -> [UInt8] in [bgr[p + 2], bgr[p + 1], bgr[p]] }
        let rgba: [UInt8] = stride(from: 0, to: 80, by: 4).flatMap { (p: Int) -> [UInt8] in [bgra[p + 2], bgra[p + 1], bgra[p], bgra[p + 3]] }
        let rgbFloat: [Float] = stride(from: 0, to: 60, by: 3).flatMap { (p: Int) -> [Float] in [floats[p + 2], floats[p + 1], floats[p]] }
        #expect(try scenes[0].read().scalars(as: UInt8.self) == rgb)
        #expect(try scenes[1].read().scalars(as: UInt8.self) == rgba)
        #expect(try scenes[2].read().scalars(as: Float.self) == rgbFloat)
        #expect(scenes[0].metadata.provenance["scene"] == "0" && scenes[2].metadata.provenance["scene"] == "2")
        #expect(scenes[1].pixelType == .bgra32)
    }

    @Test func startsAreCountedFromTheSmallestAndMissingPlanesAreZero() throws {
        let values = CZITestData.ramp(width: 3, height: 2, base: 7)
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 3, height: 2, coordinates: ["T": 5, "Z": 2, "C": 1], data: CZITestFile.bytes(values)),
            Subblock(x: 0, y: 0, width: 3, height: 2, coordinates: ["T": 6, "Z": 3, "C": 2], data: CZITestFile.bytes(values.map { $0 + 1 })),
        ])
        let image = try CZIFile(&file).scenes[0]
        #expect(image.metadata.shape == [2, 2, 2, 2, 3])
        let planes = try image.read().scalars(as: UInt16.self)
        #expect(Array(planes[0..<6]) == values)
        #expect(Array(planes[42..<48]) == values.map { $0 + 1 })
        #expect(planes[6..<42].allSatisfy { $0 == 0 })
        #expect(image.subblocks.map(\.t) == [0, 1] && image.subblocks.map(\.c) == [0, 1])
    }

    @Test func dimensionsWithoutAnAxisReadOneIndex() throws {
        var file = CZITestFile(subblocks: (0..<3).map { h in
            Subblock(x: 0, y: 0, width: 2, height: 1, coordinates: ["H": Int32(h + 4), "B": 0], data: CZITestFile.bytes([UInt16(h), UInt16(h)]))
        })
        let first = try CZIFile(&file)
        #expect(try first.scenes[0].read().scalars(as: UInt16.self) == [0, 0])
        #expect(first.scenes[0].metadata.annotations["CZI.ignoredDimensions"] == "H=3")
        let third = try CZIFile(&file, selecting: [.h: 2])
        #expect(try third.scenes[0].read().scalars(as: UInt16.self) == [2, 2])
        #expect(third.scenes[0].metadata.annotations["CZI.selectedIndices"] == "H=2")
        #expect(throws: ImMetaIOError.self) { try CZIFile(&file, selecting: [.h: 3]) }
        #expect(throws: ImMetaIOError.self) { try CZIFile(&file, selecting: [.t: 0]) }
    }

    @Test func subsampledSubblocksFormPyramidLevels() throws {
        var file = CZITestFile()
        for row in Int32(0)..<2 {
            for column in Int32(0)..<2 {
                file.subblocks.append(
                    Subblock(x: column * 32, y: row * 32, width: 32, height: 32, coordinates: ["M": row * 2 + column],
                        data: CZITestFile.bytes(CZITestData.ramp(width: 32, height: 32, base: Int(row * 2 + column) * 5000))))
            }
        }
        let half = CZITestData.ramp(width: 32, height: 32, base: 40_000)
        let quarter = CZITestData.ramp(width: 16, height: 16, base: 50_000)
        file.subblocks.append(Subblock(x: 0, y: 0, width: 64, height: 64, storedWidth: 32, storedHeight: 32, pyramidType: 1, data: CZITestFile.bytes(half)))
        file.subblocks.append(Subblock(x: 0, y: 0, width: 64, height: 64, storedWidth: 16, storedHeight: 16, pyramidType: 1, data: CZITestFile.bytes(quarter)))
        // Rounded stored sizes still land on their level; a factor 3 level stands apart.
        file.subblocks.append(Subblock(x: 0, y: 0, width: 63, height: 63, storedWidth: 21, storedHeight: 21, pyramidType: 1, data: [UInt8](repeating: 9, count: 21 * 21 * 2)))
        let image = try CZIFile(&file).scenes[0]
        #expect(image.levelShapes == [[1, 1, 1, 64, 64], [1, 1, 1, 32, 32], [1, 1, 1, 22, 22], [1, 1, 1, 16, 16]])
        #expect(image.levelDownsampling == [1, 2, 3, 4])
        #expect(try image.read(.all, level: 1).scalars(as: UInt16.self) == half)
        #expect(try image.read(.all, level: 3).scalars(as: UInt16.self) == quarter)
        #expect(try image.read(MicroscopyRegion(y: 4..<8, x: 2..<5), level: 1).scalars(as: UInt16.self)
            == (4..<8).flatMap { y in (2..<5).map { x in half[y * 32 + x] } })
        #expect(image.metadata.annotations["CZI.pyramidDownsampling"] == "1,2,3,4")
        #expect(throws: ImMetaIOError.self) { try image.read(.all, level: 4) }
        #expect(image.subblocks.filter { $0.level == 0 }.count == 4)
    }

    @Test func dataOfTheWrongSizeIsCroppedOrZeroFilled() throws {
        let values = CZITestData.ramp(width: 4, height: 3, base: 1)
        let bytes = CZITestFile.bytes(values)
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 4, height: 3, coordinates: ["C": 0], data: Array(bytes.prefix(10))),
            Subblock(x: 0, y: 0, width: 4, height: 3, coordinates: ["C": 1], data: bytes + [1, 2, 3, 4, 5]),
            Subblock(x: 0, y: 0, width: 4, height: 3, compression: 5, coordinates: ["C": 2], data: CZITestData.zstd(Array(bytes.prefix(8)))),
            Subblock(x: 0, y: 0, width: 4, height: 3, compression: 5, coordinates: ["C": 3], data: CZITestData.zstd(bytes + bytes)),
            Subblock(x: 0, y: 0, width: 4, height: 3, compression: 6, coordinates: ["C": 4], data: Array(CZITestData.zstd1(bytes, hiLo: false).dropLast(4))),
        ])
        let planes = try CZIFile(&file).scenes[0].read().scalars(as: UInt16.self)
        #expect(Array(planes[0..<12]) == Array(values.prefix(5)) + [UInt16](repeating: 0, count: 7))
        #expect(Array(planes[12..<24]) == values)
        #expect(Array(planes[24..<36]) == Array(values.prefix(4)) + [UInt16](repeating: 0, count: 8))
        #expect(Array(planes[36..<48]) == values)
    }

    @Test func jpegTilesDecodeAndAreSizedByTheDirectory() throws {
        let gray: [UInt8] = (0..<(16 * 8)).map { UInt8(($0 % 16) * 16) }
        let red: [UInt8] = (0..<(16 * 8)).flatMap { _ in [UInt8(250), 10, 10] }
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 16, height: 8, pixelType: 0, compression: 1, coordinates: ["C": 0],
                data: CZITestData.jpeg(gray, width: 16, height: 8, components: 1)),
            // The JPEG is 16×8; the directory says 20×6: cropped to 6 rows, padded to 20 columns.
            Subblock(x: 0, y: 0, width: 20, height: 6, pixelType: 0, compression: 1, coordinates: ["C": 1],
                data: CZITestData.jpeg(gray, width: 16, height: 8, components: 1)),
        ])
        let planes = try CZIFile(&file).scenes[0].read().scalars(as: UInt8.self)
        #expect(planes.count == 2 * 8 * 20)
        #expect(zip(planes[0..<16], gray[0..<16]).allSatisfy { abs(Int($0) - Int($1)) <= 3 })
        let second = Array(planes[160..<320])
        #expect(second[16] == 0 && second[(6 * 20)...].allSatisfy { $0 == 0 })
        #expect(abs(Int(second[5 * 20 + 15]) - Int(gray[5 * 16 + 15])) <= 3)

        var colour = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 16, height: 8, pixelType: 3, compression: 1, data: CZITestData.jpeg(red, width: 16, height: 8, components: 3))
        ])
        let rgb = try CZIFile(&colour).scenes[0].read().scalars(as: UInt8.self)
        #expect(rgb[0] > 200 && rgb[2] < 50)
        var wrong = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 4, height: 4, pixelType: 1, compression: 1, data: [0xFF, 0xD8])])
        #expect(throws: ImMetaIOError.self) { try CZIFile(&wrong).scenes[0].read() }
    }

    @Test func jpegXRTilesDecode() throws {
        var file = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 20, height: 12, pixelType: 1, compression: 4, coordinates: ["S": 0], data: CZITestData.jpegXRGray16),
            Subblock(x: 0, y: 0, width: 20, height: 12, pixelType: 0, compression: 4, coordinates: ["S": 1], data: CZITestData.jpegXRGray8),
            Subblock(x: 0, y: 0, width: 20, height: 12, pixelType: 3, compression: 4, coordinates: ["S": 2], data: CZITestData.jpegXRRGB),
            // Sized 16×16 by the directory: cropped to 16 columns, padded to 16 rows.
            Subblock(x: 0, y: 0, width: 16, height: 16, pixelType: 1, compression: 4, coordinates: ["S": 3], data: CZITestData.jpegXRGray16),
        ])
        let scenes = try CZIFile(&file).scenes
        var gray16: [UInt16] = [], gray8: [UInt8] = [], rgb: [UInt8] = [], padded: [UInt16] = []
        for y in 0..<12 {
            for x in 0..<20 {
                gray16.append(UInt16(y * 1000 + x * 37))
                gray8.append(UInt8((y * 13 + x * 7) % 256))
                rgb += [UInt8(x * 10 % 256), UInt8(y * 20 % 256), UInt8((x + y) * 5 % 256)]
            }
        }
        for y in 0..<16 { for x in 0..<16 { padded.append(y < 12 ? UInt16(y * 1000 + x * 37) : 0) } }
        #expect(try scenes[0].read().scalars(as: UInt16.self) == gray16)
        #expect(try scenes[1].read().scalars(as: UInt8.self) == gray8)
        #expect(try scenes[2].read().scalars(as: UInt8.self) == rgb)
        #expect(try scenes[3].read().scalars(as: UInt16.self) == padded)
        // JPEG XR data of another pixel format than the directory's, and damaged data.
        var mismatch = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 20, height: 12, pixelType: 0, compression: 4, data: CZITestData.jpegXRGray16)])
        #expect(throws: ImMetaIOError.self) { try CZIFile(&mismatch).scenes[0].read() }
        var damaged = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 20, height: 12, pixelType: 1, compression: 4, data: Array(CZITestData.jpegXRGray16.prefix(40)))])
        #expect(throws: ImMetaIOError.self) { try CZIFile(&damaged).scenes[0].read() }
    }

    @Test func unsupportedPixelTypesAndCompressionsAreNamed() throws {
        var gray32 = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 2, height: 2, pixelType: 12, data: [UInt8](repeating: 0, count: 16))])
        let typeError = #expect(throws: ImMetaIOError.self) { try CZIFile(&gray32) }
        #expect(typeError?.code == .unsupportedFeature)
        #expect(typeError?.message.contains("Gray32") == true)
        for (code, name) in [(Int32(2), "LZW"), (77, "compression 77"), (104, "camera-specific compression 104")] {
            var file = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 2, height: 2, compression: code, data: [UInt8](repeating: 0, count: 8))])
            let image = try CZIFile(&file).scenes[0]
            let error = #expect(throws: ImMetaIOError.self) { try image.read() }
            #expect(error?.code == .unsupportedFeature)
            #expect(error?.message.contains(name) == true)
        }
        var hiLo8 = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 2, height: 2, pixelType: 0, compression: 6, data: CZITestData.zstd1([1, 2, 3, 4], hiLo: true))])
        #expect(throws: ImMetaIOError.self) { try CZIFile(&hiLo8).scenes[0].read() }
        var mixed = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 2, height: 2, pixelType: 0, coordinates: ["C": 0], data: [UInt8](repeating: 0, count: 4)),
            Subblock(x: 0, y: 0, width: 2, height: 2, pixelType: 1, coordinates: ["C": 1], data: [UInt8](repeating: 0, count: 8)),
        ])
        #expect((#expect(throws: ImMetaIOError.self) { try CZIFile(&mixed) })?.code == .unsupportedFeature)
    }

    @Test func aFileWithoutADirectoryPositionIsScanned() throws {
        var file = grid()
        file.writesDirectoryPosition = false
        file.metadataXML = "<ImageDocument><Metadata><Information><Image><SizeX>48</SizeX></Image></Information></Metadata></ImageDocument>"
        let scanned = try CZIFile(&file)
        var indexed = grid()
        #expect(try scanned.scenes[0].read() == (try CZIFile(&indexed).scenes[0].read()))
        #expect(scanned.scenes[0].metadata.annotations["CZI.directoryScanned"] == "true")
        #expect(scanned.header.directoryPosition == 0)
    }

    @Test func metadataComesFromTheXMLAndDamagedXMLDoesNotStopThePixels() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <!-- written by a test -->
            <ImageDocument><Metadata>
              <Information>
                <Document><Name>plate &amp; well</Name></Document>
                <Image>
                  <AcquisitionDateAndTime>2024-03-01T12:30:00Z</AcquisitionDateAndTime>
                  <ComponentBitCount>12</ComponentBitCount>
                  <ObjectiveSettings><ObjectiveRef Id="Objective:2"/></ObjectiveSettings>
                  <Dimensions>
                    <Channels>
                      <Channel Id="Channel:0" Name="DAPI"><Color>#FF0000FF</Color><ExcitationWavelength>353</ExcitationWavelength></Channel>
                      <Channel Id="Channel:1" Name=""><Color>#80FF0000</Color></Channel>
                    </Channels>
                    <T><Positions><Interval><Start>0</Start><Increment>2.5</Increment></Interval></Positions></T>
                    <S><Scenes><Scene Index="0" Name="A1"/><Scene Index="1" Name="B2"/></Scenes></S>
                  </Dimensions>
                </Image>
                <Instrument>
                  <Microscopes><Microscope Id="Microscope:1" Name="Axio Observer"/></Microscopes>
                  <Objectives>
                    <Objective Id="Objective:1" Name="10x"><LensNA>0.3</LensNA></Objective>
                    <Objective Id="Objective:2" Name="Plan-Apochromat 63x/1.40 Oil"><LensNA>1.4</LensNA><NominalMagnification>63</NominalMagnification><Immersion>Oil</Immersion></Objective>
                  </Objectives>
                </Instrument>
              </Information>
              <Scaling><Items>
                <Distance Id="X"><Value>6.5E-07</Value><DefaultUnitFormat>µm</DefaultUnitFormat></Distance>
                <Distance Id="Y"><Value>6.5e-7</Value></Distance>
                <Distance Id="Z"><Value>0</Value></Distance>
              </Items></Scaling>
              <DisplaySetting><Channels><Channel Name="DAPI"/><Channel Name="GFP"><Color>#FF00FF00</Color></Channel></Channels></DisplaySetting>
            </Metadata></ImageDocument>
            """
        var file = CZITestFile(subblocks: (0..<2).flatMap { s in (0..<2).map { c in
            Subblock(x: 0, y: 0, width: 2, height: 2, coordinates: ["S": Int32(s), "C": Int32(c), "T": 0], data: [UInt8](repeating: 1, count: 8))
        } })
        file.metadataXML = xml
        let czi = try CZIFile(&file)
        let metadata = czi.scenes[1].metadata
        #expect(metadata.name == "B2")
        #expect(metadata.physicalSizeX == Length(0.65, .micrometer))
        #expect(metadata.physicalSizeY == Length(0.65, .micrometer))
        #expect(metadata.physicalSizeZ == nil)
        #expect(metadata.channels.map(\.name) == ["DAPI", "GFP"])
        #expect(metadata.channels.map(\.color) == [RGBAColor(red: 0, green: 0, blue: 255), RGBAColor(red: 255, green: 0, blue: 0, alpha: 128)])
        #expect(metadata.channels[0].excitationWavelength == Length(353, .nanometer))
        #expect(metadata.timeIncrement == TimeQuantity(2.5, .second))
        #expect(metadata.acquisitionDate == "2024-03-01T12:30:00Z")
        #expect(metadata.significantBits == 12)
        #expect(metadata.instrument?.objective == "Plan-Apochromat 63x/1.40 Oil")
        #expect(metadata.instrument?.lensNA == 1.4)
        #expect(metadata.instrument?.immersion == "Oil")
        #expect(metadata.instrument?.microscope == "Axio Observer")
        #expect(metadata.annotations["CZI.Information.Document.Name"] == "plate & well")
        #expect(metadata.annotations["CZI.Scaling.Items.Distance[0].DefaultUnitFormat"] == "µm")
        #expect(czi.metadataXML?.hasPrefix("<?xml") == true)

        file.metadataXML = "<ImageDocument><Metadata><Information></Metadata></ImageDocument>"
        let damaged = try CZIFile(&file)
        #expect(damaged.scenes[0].metadata.annotations["CZI.metadataError"] != nil)
        #expect(try damaged.scenes[0].read().shape == [1, 1, 2, 2, 2])
    }

    @Test func timeStampsAttachmentGivesTheIntervalWhenTheXMLDoesNot() throws {
        var stamps: [UInt8] = []
        CZITestFile.append(&stamps, Int32(8 + 3 * 8))
        CZITestFile.append(&stamps, Int32(3))
        for seconds in [10.0, 10.5, 11.0] { CZITestFile.append(&stamps, seconds.bitPattern) }
        var file = CZITestFile(subblocks: (0..<3).map { t in
            Subblock(x: 0, y: 0, width: 1, height: 1, coordinates: ["T": Int32(t)], data: [0, 0])
        })
        file.attachments = [.init(name: "TimeStamps", contentType: "CZTIMS", data: stamps), .init(name: "Thumbnail", contentType: "JPG", data: [1, 2])]
        let czi = try CZIFile(&file)
        #expect(czi.scenes[0].metadata.timeIncrement == TimeQuantity(0.5, .second))
        #expect(czi.attachments.map(\.name) == ["TimeStamps", "Thumbnail"])
        #expect(czi.scenes[0].metadata.annotations["CZI.attachments"] == "TimeStamps:CZTIMS,Thumbnail:JPG")
    }

    @Test func readsRespectTheDecodeLimits() throws {
        var file = grid()
        let limited = try CZIFile(&file, limits: DecodeLimits(maxPixels: 1000))
        let error = #expect(throws: ImMetaIOError.self) { try limited.scenes[0].read() }
        #expect(error?.code == .limitExceeded)
        #expect(try limited.scenes[0].read(MicroscopyRegion(t: 0..<1, c: 0..<1, y: 0..<20, x: 0..<20)).shape == [1, 1, 1, 20, 20])
        #expect(throws: ImMetaIOError.self) { try limited.scenes[0].read(MicroscopyRegion(x: 40..<49)) }
    }

    @Test func imagesReadConcurrently() async throws {
        var built = grid()
        let image = try CZIFile(&built).scenes[0]
        let expected = try image.read()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { try image.read() == expected } }
            for try await same in group { #expect(same) }
        }
    }
}
