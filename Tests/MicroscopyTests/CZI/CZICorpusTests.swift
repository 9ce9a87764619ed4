import Foundation
import Microscopy
import TestSupport
import Testing

/// The 12 CZI files of the shared corpus against the manifest's reference decodes.
///
/// czifile's array (the primary hash of most files) keeps the file's raw axes and pastes every
/// scene into one canvas of the whole file (`HSTCZYX0`, with `H`, `B`, `V` kept); pylibCZIrw's
/// arrays are one composite per scene, planes stacked in T, Z, C order. The tests rebuild each
/// layout from our TZCYX(S) scenes: scenes placed at their origins, dimensions without an axis
/// read one index at a time through `selecting`.
@Suite struct CZICorpusTests {

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func everyCorpusFileMatchesItsPrimaryHash() throws {
        let entries = try CZIManifestEntry.load()
        #expect(entries.count == 12)
        var matched: [String] = []
        for entry in entries {
            let primary = try #require(entry.arrays.first { $0.sha256 == entry.sha256 }, "\(entry.file): no array for the primary hash")
            let hash = primary.isCzifile ? try Self.czifileHash(entry, primary) : try Self.sceneHash(entry.path, scene: primary.scene)
            #expect(hash == entry.sha256, "\(entry.file): \(primary.reader)")
            if hash == entry.sha256 { matched.append(entry.file) }
        }
        print("CZI corpus: \(matched.count) of \(entries.count) files match the manifest's primary hash")
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func everySceneMatchesPylibCZIrw() throws {
        var compared = 0
        for entry in try CZIManifestEntry.load() {
            for array in entry.arrays where array.reader.hasPrefix("pylibCZIrw") {
                #expect(try Self.sceneHash(entry.path, scene: array.scene) == array.sha256, "\(entry.file) scene \(array.scene.map(String.init) ?? "-")")
                compared += 1
            }
        }
        #expect(compared == 16)
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func calibrationChannelsAndInstrumentComeFromTheXML() throws {
        let root = try #require(Corpus.root)
        let division = try CZIFile(path: root.appendingPathComponent("czi/czitools/CellDivision_T3_Z5_CH2_X240_Y170.czi").path)
        #expect(division.formatName == "CZI")
        let image = try #require(division.scenes.first)
        let metadata = image.metadata
        #expect(metadata.axesString == "TZCYX")
        #expect(metadata.shape == [3, 5, 2, 170, 240])
        #expect(metadata.dtype == .uint16)
        #expect(metadata.significantBits == 14)
        #expect(abs((metadata.physicalSizeX?.value ?? 0) - 0.090576674152210312) < 1e-12)
        #expect(metadata.physicalSizeX?.unit == .micrometer)
        #expect(abs((metadata.physicalSizeZ?.value ?? 0) - 0.32) < 1e-12)
        #expect(metadata.channels.map(\.name) == ["LED555", "LED470"])
        #expect(metadata.channels.first?.color == RGBAColor(red: 255, green: 126, blue: 0))
        #expect(metadata.channels.first?.excitationWavelength == Length(553, .nanometer))
        #expect(metadata.channels.last?.emissionWavelength == Length(517, .nanometer))
        #expect(abs((metadata.timeIncrement?.value ?? 0) - 60.075) < 1e-9)
        #expect(metadata.acquisitionDate == "2016-02-12T09:41:02.4915604Z")
        #expect(metadata.instrument?.microscope == "Castor.Stand")
        #expect(metadata.instrument?.objective == "Plan-Apochromat 50x/1.2")
        #expect(metadata.instrument?.lensNA == 1.2)
        #expect(metadata.instrument?.nominalMagnification == 50)
        #expect(metadata.instrument?.immersion == "Water")
        #expect(metadata.instrument?.detector == "Axiocam 506")
        #expect(metadata.annotations["CZI.Information.Application.Name"] == "ZEN 3.2 (blue edition)")
        #expect(metadata.annotations["CZI.Information.Image.Dimensions.Channels.Channel[1]@Name"] == "LED470")
        #expect(metadata.provenance["source_format"] == "CZI")

        // Channel names missing from Information come from DisplaySetting; "Pixel" scaling is no size.
        let dapi = try CZIFile(path: root.appendingPathComponent("czi/czitools/DAPI_GFP.czi").path).scenes[0].metadata
        #expect(dapi.channels.map(\.name) == ["DAPI", "GFP"])
        #expect(dapi.channels.last?.color == RGBAColor(red: 0, green: 255, blue: 0))
        #expect(dapi.physicalSizeX == nil)

        let scenes = try CZIFile(path: root.appendingPathComponent("czi/czitools/S3_1Pos_2Mosaic_T2Z3_CH2_sm.czi").path)
        #expect(scenes.images.count == 3)
        #expect(scenes.scenes.map(\.metadata.name) == ["TR1", "P1", "TR2"])
        #expect(scenes.scenes.map(\.sceneIndex) == [0, 1, 2])
        #expect(scenes.scenes[0].metadata.timeIncrement == TimeQuantity(33.412, .second))
        #expect(scenes.scenes[0].metadata.physicalSizeX == Length(1.6, .micrometer))
        #expect(scenes.scenes[2].metadata.annotations["CZI.mosaicTiles"] != nil)

        let airyscan = try CZIFile(path: root.appendingPathComponent("czi/czitools/LSM880_AiryScan.czi").path)
        #expect(airyscan.scenes[0].metadata.annotations["CZI.ignoredDimensions"] == "H=32")
        #expect(airyscan.scenes[0].metadata.shape == [1, 1, 8, 36, 38])
        #expect(throws: ImMetaIOError.self) { try CZIFile(path: root.appendingPathComponent("czi/czitools/LSM880_AiryScan.czi").path, selecting: [.h: 32]) }

        // Time stamps from the TimeStamps attachment when the XML has none.
        let line = try CZIFile(path: root.appendingPathComponent("czi/omio/xt-scan-lsm980.czi").path).scenes[0]
        #expect(abs((line.metadata.timeIncrement?.value ?? 0) - 0.10003355704697986) < 1e-9)
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func theTileRegionHasAPyramidLevelAndWindowsReadOnlyTheirTiles() throws {
        let root = try #require(Corpus.root)
        let file = try CZIFile(path: root.appendingPathComponent("czi/czitools/1_tileregion.czi").path)
        let image = file.scenes[0]
        #expect(image.levelShapes == [[1, 1, 1, 570, 1480], [1, 1, 1, 285, 740]])
        #expect(image.levelDownsampling == [1, 2])
        #expect(image.originX == 118583 && image.originY == 88865)
        let overview = try image.read(.all, level: 1)
        #expect(overview.shape == [1, 1, 1, 285, 740])

        file.resetReadStatistics()
        let full = try image.read()
        #expect(file.readStatistics.subblocksRead == 7)
        // The top-left 100×100 pixels lie in tile M=0 only.
        file.resetReadStatistics()
        let corner = try image.read(MicroscopyRegion(y: 0..<100, x: 0..<100))
        #expect(file.readStatistics.subblocksRead == 1)
        #expect(file.readStatistics.bytesRead < 100 * 400 * 2 + 1024)
        #expect(corner == crop(full, y: 0..<100, x: 0..<100))
        // A window across the seam of the two tile rows.
        file.resetReadStatistics()
        let seam = try image.read(MicroscopyRegion(y: 250..<320, x: 300..<500))
        let expected = image.subblocks.filter { $0.level == 0 && $0.y < 320 && $0.y + $0.height > 250 && $0.x < 500 && $0.x + $0.width > 300 }
        #expect(file.readStatistics.subblocksRead == expected.count)
        #expect(seam == crop(full, y: 250..<320, x: 300..<500))
    }

    // MARK: Rebuilding the reference layouts

    /// SHA-256 of one scene read whole (scene `nil`: the file's only image), as pylibCZIrw stacks it.
    static func sceneHash(_ path: String, scene: Int?) throws -> String {
        let file = try CZIFile(path: path)
        let image = try #require(scene == nil ? file.scenes.first : file.scenes.first { $0.sceneIndex == scene })
        return try image.read().withUnsafeBytes { SHA256.hex($0) }
    }

    /// SHA-256 of czifile's array: every scene placed in the file's canvas, axes in czifile's order.
    static func czifileHash(_ entry: CZIManifestEntry, _ array: CZIManifestEntry.Array) throws -> String {
        let axes = Array(try #require(array.axes))
        let shape = array.shape
        var strides = [Int](repeating: 1, count: shape.count)
        for index in stride(from: shape.count - 2, through: 0, by: -1) { strides[index] = strides[index + 1] * shape[index + 1] }
        let probe = try CZIFile(path: entry.path)
        let itemSize = probe.scenes[0].metadata.dtype.itemSize
        var output = [UInt8](repeating: 0, count: shape.reduce(1, *) * itemSize)
        let canvasX = probe.scenes.map(\.originX).min() ?? 0, canvasY = probe.scenes.map(\.originY).min() ?? 0
        let firstScene = probe.scenes.compactMap(\.sceneIndex).min() ?? 0
        // Axes without a place in our images, read one index at a time.
        let extra = axes.enumerated().compactMap { index, letter in
            "STCZYX0".contains(letter) ? nil : (index, CZIDimension(rawValue: letter))
        }
        var combination = [Int](repeating: 0, count: extra.count)
        func position(_ letter: Character) -> Int? { axes.firstIndex(of: letter) }
        while true {
            var selecting: [CZIDimension: Int] = [:]
            var base = 0
            for (slot, (axis, dimension)) in extra.enumerated() {
                if let dimension, shape[axis] > 1 { selecting[dimension] = combination[slot] }
                base += combination[slot] * strides[axis]
            }
            let file = try CZIFile(path: entry.path, selecting: selecting)
            for image in file.scenes {
                let pixels = try image.read()
                let s = image.shape
                let rowBytes = s[4] * (s.count > 5 ? s[5] : 1) * itemSize
                pixels.withUnsafeBytes { source in
                    for t in 0..<s[0] { for z in 0..<s[1] { for c in 0..<s[2] { for y in 0..<s[3] {
                        var index = base + (y + image.originY - canvasY) * strides[position("Y")!]
                        index += (image.originX - canvasX) * strides[position("X")!]
                        if let p = position("S") { index += ((image.sceneIndex ?? firstScene) - firstScene) * strides[p] }
                        if let p = position("T") { index += t * strides[p] }
                        if let p = position("Z") { index += z * strides[p] }
                        if let p = position("C") { index += c * strides[p] }
                        let from = (((t * s[1] + z) * s[2] + c) * s[3] + y) * rowBytes
                        output.withUnsafeMutableBytes { out in
                            out.baseAddress!.advanced(by: index * itemSize).copyMemory(from: source.baseAddress! + from, byteCount: rowBytes)
                        }
                    } } } }
                }
            }
            // Next combination of the extra axes.
            var slot = extra.count - 1
            while slot >= 0 {
                combination[slot] += 1
                if combination[slot] < shape[extra[slot].0] { break }
                combination[slot] = 0
                slot -= 1
            }
            if slot < 0 { break }
        }
        return output.withUnsafeBytes { SHA256.hex($0) }
    }
}

extension CZIImage {
    var shape: [Int] { metadata.shape }
}

/// The Y/X window of a TZCYX(S) array.
func crop(_ array: NDArray, y: Range<Int>, x: Range<Int>) -> NDArray {
    var shape = array.shape
    shape[3] = y.count
    shape[4] = x.count
    let inner = shape.count > 5 ? shape[5] : 1
    let item = array.dtype.itemSize
    let planes = shape[0] * shape[1] * shape[2]
    let (height, width) = (array.shape[3], array.shape[4])
    return NDArray(unsafeUninitializedShape: shape, dtype: array.dtype) { out in
        array.withUnsafeBytes { source in
            for plane in 0..<planes {
                for (row, sourceRow) in y.enumerated() {
                    let from = ((plane * height + sourceRow) * width + x.lowerBound) * inner * item
                    let to = ((plane * y.count + row) * x.count) * inner * item
                    out.baseAddress!.advanced(by: to).copyMemory(from: source.baseAddress! + from, byteCount: x.count * inner * item)
                }
            }
        }
    }
}
