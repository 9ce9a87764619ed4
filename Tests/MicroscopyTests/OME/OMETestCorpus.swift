import Foundation
import Testing

/// The shared corpus (`IMMETAIO_CORPUS`, or `../shared/corpus` beside the package) as far as the
/// OME-XML tests need it: the OME-XML of every OME-TIFF (the ImageDescription of its first IFD)
/// and of the companion file.
///
/// This file uses Foundation and no XML types, so that `XMLTreeElement` never meets Foundation's
/// type of the same name (macOS).
enum OMETestCorpus {
    static let root: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            ProcessInfo.processInfo.environment["IMMETAIO_CORPUS"].map { URL(fileURLWithPath: $0) },
            packageRoot.appendingPathComponent("../shared/corpus"),
        ]
        for candidate in candidates.compactMap({ $0 })
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("manifest.json").path) {
            return candidate.standardizedFileURL
        }
        return nil
    }()

    static var isAvailable: Bool { root != nil }

    static let missingNote: Comment = "corpus not found: set IMMETAIO_CORPUS or place it at ../shared/corpus"

    /// Corpus-relative paths of the OME-TIFFs and OME-XML files, sorted.
    static let omeFiles: [String] = {
        guard let root, let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent("ome-tiff").path) else {
            return []
        }
        var files: [String] = []
        while let next = enumerator.nextObject() as? String {
            let lower = next.lowercased()
            if lower.hasSuffix(".ome.tif") || lower.hasSuffix(".ome.tiff") || lower.hasSuffix(".ome") || lower.hasSuffix(".ome.xml") {
                files.append("ome-tiff/" + next)
            }
        }
        return files.sorted()
    }()

    /// The OME-XML bytes of a corpus file: the file itself for `.ome`/`.ome.xml`, else the
    /// first IFD's ImageDescription.
    static func xml(_ file: String) -> [UInt8]? {
        guard let root, let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path) else { return nil }
        let bytes = [UInt8](data)
        if file.hasSuffix(".ome") || file.hasSuffix(".ome.xml") { return bytes }
        return TIFFDescription.firstImageDescription(bytes)
    }

    /// Writes a file into the directory named by `IMMETAIO_OME_DUMP_DIR`, when set (for
    /// `check_ome_xml.py`).
    static func dump(_ text: String, as name: String) {
        guard let directory = ProcessInfo.processInfo.environment["IMMETAIO_OME_DUMP_DIR"] else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
}

/// Finds tag 270 (ImageDescription) in the first IFD of a classic or Big TIFF.
enum TIFFDescription {
    static func firstImageDescription(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 16 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= 8, offset <= bytes.count - size else { return nil }
            var value: UInt64 = 0
            for index in 0..<size {
                let byte = UInt64(bytes[offset + (little ? size - 1 - index : index)])
                value = value << 8 | byte
            }
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        guard let version = read(2, 2) else { return nil }
        let big = version == 43
        guard big || version == 42, let ifd = big ? read(8, 8) : read(4, 4), let count = big ? read(ifd, 8) : read(ifd, 2) else {
            return nil
        }
        let entrySize = big ? 20 : 12
        let first = ifd + (big ? 8 : 2)
        for index in 0..<min(count, 4096) {
            let entry = first + index * entrySize
            guard let tag = read(entry, 2), let type = read(entry + 2, 2) else { return nil }
            guard tag == 270, type == 2 || type == 1 || type == 7, let length = big ? read(entry + 4, 8) : read(entry + 4, 4) else {
                continue
            }
            let inline = big ? 8 : 4
            let valueOffset = length <= inline ? entry + (big ? 12 : 8) : (big ? read(entry + 12, 8) : read(entry + 8, 4))
            guard let start = valueOffset, start >= 0, length >= 0, start <= bytes.count - length else { return nil }
            var value = Array(bytes[start..<start + length])
            while value.last == 0 { value.removeLast() }
            return value
        }
        return nil
    }
}

/// A small deterministic generator (SplitMix64) for reproducible mutation tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
