import Foundation
import Microscopy

/// A generated ThorImage acquisition: `Experiment.xml` and a RAW file laid out
/// T × (Z + flyback) × C × Y × X uint16 little-endian, every pixel a function of its indices
/// and flyback frames filled with 0xFFFF, so that any mix-up shows.
///
/// Uses Foundation for temporary folders and names no XML type (Foundation on macOS has its
/// own `XMLTreeElement`).
struct ThorlabsFixture {
    var name = "fixture"
    var sizeT = 1
    var sizeZ = 1
    var sizeC = 1
    var sizeY = 6
    var sizeX = 8
    var flybackFrames = 0
    var streaming = true
    var fastZ = false
    var frameRate = 10.0
    var averageMode = 0
    var averageNum = 1
    var intervalSec = 0.0
    var stepSizeUM = 2.5
    var pixelSizeUM = 0.5
    var pixelWidthUM: Double?
    var date = "05/05/2020 17:14:26"
    var rawName = "Image_0001_0001.raw"
    var cameraBitsPerPixel = 14
    /// Whether to write `Timelapse@timepoints` as ThorImage does (else 1, as a stale value).
    var writesTimepoints = true
    var missingBytes = 0
    var extraBytes = 0

    /// The value stored at a kept pixel.
    static func value(t: Int, z: Int, c: Int, y: Int, x: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: t * 9001 + z * 701 + c * 10007 + y * 37 + x * 3 + 1)
    }

    /// Frames in the RAW file per channel: planes plus flyback of every volume.
    var streamedFrames: Int { streaming ? (fastZ ? sizeT * (sizeZ + flybackFrames) : sizeT) : sizeT * sizeZ }

    var experimentXML: String {
        let wavelengths = (0..<sizeC).map { "    <Wavelength name=\"Chan\(["A", "B", "C", "D"][$0 % 4])\" exposureTimeMS=\"0\" />" }.joined(
            separator: "\n")
        let channelMask = (1 << sizeC) - 1
        let width = pixelWidthUM.map { " pixelWidthUM=\"\($0)\" pixelHeightUM=\"\($0)\"" } ?? ""
        return """
            <?xml version="1.0"?>
            <ThorImageExperiment>
              <Name name="\(name)" />
              <Date date="\(date)" uTime="1588691666" />
              <Software version="4.1.2020.1131" />
              <Camera name="None" width="1392" height="1040" pixelSizeUM="6.45" bitsPerPixel="\(cameraBitsPerPixel)" />
              <Magnification mag="22.2" indexOfRefraction="1.33" name="20X" />
              <Wavelengths nyquistExWavelengthNM="488" nyquistEmWavelengthNM="488">
            \(wavelengths)
                <ChannelEnable Set="\(channelMask)" />
              </Wavelengths>
              <ZStage name="ThorZPiezo" steps="\(fastZ || !streaming ? sizeZ : 3)" stepSizeUM="\(stepSizeUM)" startPos="0" zStreamFrames="1" zStreamMode="0" enable="1" />
              <Timelapse timepoints="\(writesTimepoints ? sizeT : 1)" intervalSec="\(intervalSec)" triggerMode="0" />
              <LSM name="GalvoGalvo" scanMode="1" areaMode="0" channel="\(channelMask)" pixelX="\(sizeX)" pixelY="\(sizeY)" pixelSizeUM="\(pixelSizeUM)"\(width) averageMode="\(averageMode)" averageNum="\(averageNum)" dwellTime="3.8" frameRate="\(frameRate)" NumberOfPlanes="1" />
              <PMT enableA="1" gainA="35" enableB="1" gainB="35" />
              <Pockels type="0" start="0" stop="0" path="" />
              <Pockels type="1" start="1" stop="1" path="" />
              <Streaming enable="\(streaming ? 1 : 0)" frames="\(streamedFrames)" rawData="1" zFastEnable="\(fastZ ? 1 : 0)" flybackFrames="\(max(flybackFrames, 1))" />
              <CaptureMode mode="\(streaming ? 1 : 0)" />
              <RawData onlyEnabledChannels="1" />
              <ExperimentNotes text="a &amp; b" />
            </ThorImageExperiment>
            """
    }

    /// The RAW bytes, flyback frames included.
    var rawBytes: [UInt8] {
        let perVolume = streaming && fastZ ? sizeZ + flybackFrames : sizeZ
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizeT * perVolume * sizeC * sizeY * sizeX * 2 + extraBytes)
        for t in 0..<sizeT {
            for z in 0..<perVolume {
                for c in 0..<sizeC {
                    for y in 0..<sizeY {
                        for x in 0..<sizeX {
                            let value = z < sizeZ ? Self.value(t: t, z: z, c: c, y: y, x: x) : 0xFFFF
                            bytes.append(UInt8(value & 0xFF))
                            bytes.append(UInt8(value >> 8))
                        }
                    }
                }
            }
        }
        bytes.removeLast(min(missingBytes, bytes.count))
        bytes += [UInt8](repeating: 0, count: extraBytes)
        return bytes
    }

    /// The expected pixels of a window, in C order.
    func expected(t: Range<Int>, z: Range<Int>, c: Range<Int>, y: Range<Int>, x: Range<Int>) -> [UInt16] {
        var values: [UInt16] = []
        for ti in t {
            for zi in z { for ci in c { for yi in y { for xi in x { values.append(Self.value(t: ti, z: zi, c: ci, y: yi, x: xi)) } } } }
        }
        return values
    }

    /// Writes the acquisition into a new folder and returns its path.
    func write(in parent: URL? = nil, xml: String? = nil) throws -> String {
        let base = parent ?? FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-thorlabs-\(UUID().uuidString)")
        let folder = base.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data((xml ?? experimentXML).utf8).write(to: folder.appendingPathComponent("Experiment.xml"))
        try Data(rawBytes).write(to: folder.appendingPathComponent(rawName))
        return folder.path
    }

    static func remove(_ folder: String) {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: folder).deletingLastPathComponent().path)
    }

    /// The folder named by `IMMETAIO_THORLABS_DUMP_DIR`, when set: the fixtures and what we read
    /// of them are kept there for `check_thorlabs_omio.py`.
    static var dumpDirectory: URL? {
        ProcessInfo.processInfo.environment["IMMETAIO_THORLABS_DUMP_DIR"].map { URL(fileURLWithPath: $0) }
    }

    /// Keeps a copy of the fixture with our reading of it (`immetaio.npy`, `immetaio.json`).
    func dump(_ file: ThorlabsRAWFile) throws {
        guard let directory = Self.dumpDirectory else { return }
        let folder = try write(in: directory)
        let array = try file.image.read()
        try Data(NPY.encode(array)).write(to: URL(fileURLWithPath: folder).appendingPathComponent("immetaio.npy"))
        let metadata = file.image.metadata
        let summary: JSONValue = .object([
            "shape": .array(metadata.shape.map { .int($0) }), "dtype": .string(metadata.dtype.rawValue),
            "physical_size_x": metadata.physicalSizeX.map { .double($0.value) } ?? .null,
            "physical_size_z": metadata.physicalSizeZ.map { .double($0.value) } ?? .null,
            "time_increment_s": metadata.timeIncrement.map { .double($0.converted(to: .second).value) } ?? .null,
            "channels": .array(metadata.channels.map { .string($0.name ?? "") }),
            "acquisition_date": metadata.acquisitionDate.map { .string($0) } ?? .null,
        ])
        try Data(JSONText.encode(summary).utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent("immetaio.json"))
    }
}
