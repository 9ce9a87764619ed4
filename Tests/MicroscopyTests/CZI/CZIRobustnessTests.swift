import Foundation
import Microscopy
import TestSupport
import Testing

/// Damaged CZI files: every failure is an `ImMetaIOError`, never a crash or a huge allocation.
@Suite struct CZIRobustnessTests {
    typealias Subblock = CZITestFile.Subblock

    /// Opens the bytes and reads every scene whole; returns the error, if any.
    @discardableResult
    static func openAndRead(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits(maxPixels: 1 << 22, maxBytes: 1 << 26)) -> ImMetaIOError? {
        do {
            let file = try CZIFile(bytes: bytes, name: "damaged.czi", limits: limits)
            for image in file.scenes {
                for level in 0..<image.levelCount { _ = try image.read(.all, level: level) }
            }
            return nil
        } catch {
            return error
        }
    }

    /// A small file with a bit of everything: two scenes, zstd1 hi-lo and JPEG XR tiles, a pyramid
    /// level, XML metadata and a time-stamp attachment.
    static func assorted() -> CZITestFile {
        let tile = CZITestFile.bytes(CZITestData.ramp(width: 8, height: 6, base: 100))
        var file = CZITestFile(subblocks: [
            Subblock(x: -4, y: 0, width: 8, height: 6, compression: 6, coordinates: ["S": 0, "M": 0, "T": 0], data: CZITestData.zstd1(tile, hiLo: true)),
            Subblock(x: 2, y: 3, width: 8, height: 6, compression: 5, coordinates: ["S": 0, "M": 1, "T": 1], data: CZITestData.zstd(tile)),
            Subblock(x: -4, y: 0, width: 14, height: 10, storedWidth: 7, storedHeight: 5, coordinates: ["S": 0], data: [UInt8](repeating: 7, count: 70)),
            Subblock(x: 0, y: 0, width: 20, height: 12, compression: 4, coordinates: ["S": 1, "T": 0], data: CZITestData.jpegXRGray16),
        ])
        file.metadataXML = """
            <ImageDocument><Metadata><Information><Image><Dimensions><Channels><Channel Name="A"><Color>#FF00FF00</Color></Channel></Channels>
            </Dimensions></Image></Information><Scaling><Items><Distance Id="X"><Value>2E-07</Value></Distance></Items></Scaling></Metadata></ImageDocument>
            """
        var stamps: [UInt8] = []
        CZITestFile.append(&stamps, Int32(24))
        CZITestFile.append(&stamps, Int32(2))
        CZITestFile.append(&stamps, (1.0).bitPattern)
        CZITestFile.append(&stamps, (3.0).bitPattern)
        file.attachments = [.init(name: "TimeStamps", contentType: "CZTIMS", data: stamps)]
        return file
    }

    @Test func theAssortedFileReads() throws {
        var file = Self.assorted()
        #expect(Self.openAndRead(file.bytes()) == nil)
        let czi = try CZIFile(&file)
        #expect(czi.scenes.count == 2)
        #expect(czi.scenes[0].levelShapes.count == 2)
        #expect(czi.scenes[0].metadata.timeIncrement == TimeQuantity(2, .second))
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func truncatedFilesAreErrors() throws {
        let root = try #require(Corpus.root)
        let small = try [UInt8](Data(contentsOf: root.appendingPathComponent("czi/czitools/100x100.czi")))
        var assorted = Self.assorted()
        for bytes in [small, assorted.bytes()] {
            var failures = 0
            for length in 0..<bytes.count {
                if Self.openAndRead(Array(bytes.prefix(length))) != nil { failures += 1 }
            }
            // Cuts inside the trailing padding still leave a readable file; most cuts do not.
            #expect(failures > bytes.count / 2)
        }
    }

    @Test func directoryEntriesPointingOutsideTheFileAreCorruptData() throws {
        var file = Self.assorted()
        var bytes = file.bytes()
        let entry = file.directoryPosition + 32 + 128
        // The first entry's file position (offset 6 of the entry) far past the end.
        withUnsafeBytes(of: Int64(bytes.count + 1000).littleEndian) { bytes.replaceSubrange((entry + 6)..<(entry + 14), with: $0) }
        let error = try #require(Self.openAndRead(bytes))
        #expect(error.code == .corruptData)
        #expect(error.file == "damaged.czi")

        // A subblock claiming more data than the file holds.
        var lying = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: 4, height: 4, data: [UInt8](repeating: 1, count: 32))])
        lying.subblocks[0].declaredDataSize = 1 << 40
        #expect(Self.openAndRead(lying.bytes())?.code == .corruptData)

        // A directory claiming two billion entries, and one past the end of the file.
        var counted = Self.assorted()
        var huge = counted.bytes()
        withUnsafeBytes(of: Int32.max.littleEndian) { huge.replaceSubrange((counted.directoryPosition + 32)..<(counted.directoryPosition + 36), with: $0) }
        #expect(Self.openAndRead(huge)?.code == .corruptData)
        var another = Self.assorted()
        var moved = another.bytes()
        withUnsafeBytes(of: Int64(moved.count).littleEndian) { moved.replaceSubrange(84..<92, with: $0) }
        #expect(Self.openAndRead(moved)?.code == .corruptData)
        #expect(Self.openAndRead(Array("not a CZI file at all, just text".utf8))?.code == .unsupportedFormat)
        #expect(Self.openAndRead([])?.code == .unsupportedFormat)
    }

    @Test func absurdSizesAreRefusedBeforeAllocating() throws {
        // A tile of 2^31-1 × 2^31-1 pixels: the image opens, reading it exceeds the limits.
        var giant = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: Int32.max, height: Int32.max, data: [1, 2, 3, 4])])
        let image = try CZIFile(&giant).scenes[0]
        #expect(image.metadata.shape == [1, 1, 1, Int(Int32.max), Int(Int32.max)])
        #expect((#expect(throws: ImMetaIOError.self) { try image.read() })?.code == .limitExceeded)
        // A small window of it decodes the tile, whose stored size is beyond the limits too.
        #expect((#expect(throws: ImMetaIOError.self) { try image.read(MicroscopyRegion(y: 0..<2, x: 0..<2)) })?.code == .limitExceeded)
        // Tiles far apart span an impossible extent; time points far apart too many planes.
        var apart = CZITestFile(subblocks: [
            Subblock(x: Int32.min, y: 0, width: 1, height: 1, data: [0, 0]), Subblock(x: Int32.max - 1, y: 0, width: 1, height: 1, data: [0, 0]),
        ])
        #expect(throws: ImMetaIOError.self) { try CZIFile(&apart) }
        var planes = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 1, height: 1, coordinates: ["T": Int32.min, "Z": Int32.min], data: [0, 0]),
            Subblock(x: 0, y: 0, width: 1, height: 1, coordinates: ["T": Int32.max, "Z": Int32.max], data: [0, 0]),
        ])
        #expect((#expect(throws: ImMetaIOError.self) { try CZIFile(&planes) })?.code == .limitExceeded)
        // A channel index far out (found by fuzzing): no channel list of a billion entries.
        var channels = CZITestFile(subblocks: [
            Subblock(x: 0, y: 0, width: 1, height: 1, coordinates: ["C": 0], data: [0, 0]),
            Subblock(x: 0, y: 0, width: 1, height: 1, coordinates: ["C": 1_100_000_000], data: [0, 0]),
        ])
        channels.metadataXML = "<ImageDocument><Metadata><Information><Image><Dimensions><Channels><Channel Name='A'/></Channels></Dimensions></Image></Information></Metadata></ImageDocument>"
        let wide = try CZIFile(&channels).scenes[0]
        #expect(wide.metadata.shape[2] == 1_100_000_001)
        #expect(wide.metadata.channels.isEmpty)
        #expect((#expect(throws: ImMetaIOError.self) { try wide.read() })?.code == .limitExceeded)
        // A window over a million planes, two of which have tiles, visits only those two.
        let sparse = try wide.read(MicroscopyRegion(c: 1_099_000_000..<1_100_000_001))
        #expect(sparse.shape == [1, 1, 1_000_001, 1, 1])
        #expect(wide.readStatistics.subblocksRead == 1)
        var negative = CZITestFile(subblocks: [Subblock(x: 0, y: 0, width: -5, height: 3, data: [])])
        #expect((#expect(throws: ImMetaIOError.self) { try CZIFile(&negative) })?.code == .corruptData)
    }

    /// Random byte changes, a few at a time, to a corpus file and to the assorted file (whose JPEG XR
    /// tile exercises jxrlib on damaged data).
    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func randomMutationsAreErrorsOrReads() throws {
        let root = try #require(Corpus.root)
        let small = try [UInt8](Data(contentsOf: root.appendingPathComponent("czi/czitools/100x100.czi")))
        var assorted = Self.assorted()
        var generator = SeededGenerator(seed: 0x5EED_C21)
        var outcomes = (errors: 0, reads: 0)
        for (bytes, rounds) in [(small, 3000), (assorted.bytes(), 1500)] {
            for round in 0..<rounds {
                var damaged = bytes
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<damaged.count, using: &generator)
                    damaged[index] = round % 2 == 0 ? UInt8.random(in: 0...255, using: &generator) : damaged[index] ^ (1 << UInt8.random(in: 0..<8, using: &generator))
                }
                if Self.openAndRead(damaged) == nil { outcomes.reads += 1 } else { outcomes.errors += 1 }
            }
        }
        #expect(outcomes.errors + outcomes.reads == 4500)
        #expect(outcomes.errors > 100)
    }
}

/// A small deterministic generator (SplitMix64), so that failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
