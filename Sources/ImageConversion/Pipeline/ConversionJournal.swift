import Foundation
import ImMetaIOCore
import Zarr

/// The record that makes a conversion resumable, in a hidden folder inside the store
/// (`.immetaio-convert/`, which Zarr readers ignore): `job.json` (the inputs in order with their
/// sizes and times, and every setting that decides the bytes), then one `slab-N.json` per slab
/// whose shards are stored, with the input range it consumed and its table rows. A slab's record
/// is written after its shards, so its presence proves them complete.
///
/// The records are values of a Zarr store under a prefix: the store's own folder for a local
/// conversion, a plan's `tasks/K/` for a task of a planned one (on a shared folder or an object
/// store).
struct ConversionJournal {
    let store: any ZarrStore
    /// Ends in `/`.
    let prefix: String
    /// The local folder of the records, when they are on this machine's file system.
    let localFolder: String?

    /// The journal inside the local store at `path`.
    init(store path: String) {
        store = FileSystemStore(path: path)
        prefix = ".immetaio-convert/"
        localFolder = path + "/.immetaio-convert"
    }

    /// A journal under `prefix` of `store`.
    init(store: any ZarrStore, prefix: String) {
        self.store = store
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        localFolder = nil
    }

    var jobKey: String { prefix + "job.json" }
    func slabKey(_ base: Int) -> String { prefix + "slab-\(base).json" }
    private var location: String { store.displayName + "/" + prefix }

    var exists: Bool { ((try? store.size(of: jobKey)) ?? nil) != nil }

    func writeJob(_ job: JSONValue) throws {
        try store.set(jobKey, Array(JSONText.encode(job).utf8))
    }

    func readJob() throws -> JSONValue {
        guard let data = try store.get(jobKey) else {
            // Also what a conversion killed before it recorded its job leaves: nothing to resume,
            // and a plain run starts it again.
            throw ImMetaIOError(
                .missingFile, "no unfinished conversion here (no \(location)job.json): run the conversion again without --resume",
                file: location)
        }
        do { return try JSONParser.parse(data) } catch {
            throw ImMetaIOError(.corruptData, "the conversion journal is damaged: \(error)", file: location + "job.json")
        }
    }

    /// Records a stored slab: the inputs it consumed and its rows.
    func recordSlab(base: Int, inputs: Range<Int>, rows: [ConversionRow], skipped: [SkippedInput]) throws {
        let json: JSONValue = [
            "base": .int(base), "first_input": .int(inputs.lowerBound), "end_input": .int(inputs.upperBound),
            "rows": .array(rows.map(\.json)), "skipped": .array(skipped.map(\.json)),
        ]
        try store.set(slabKey(base), Array(JSONText.encode(json).utf8))
    }

    /// The recorded slab starting at `base`, if complete and readable.
    func slab(at base: Int) -> (inputs: Range<Int>, rows: [ConversionRow], skipped: [SkippedInput])? {
        guard let data = try? store.get(slabKey(base)),
            let json = try? JSONParser.parse(data), let first = json["first_input"]?.intValue,
            let end = json["end_input"]?.intValue, first <= end, let list = json["rows"]?.arrayValue
        else { return nil }
        let rows = list.compactMap(ConversionRow.init(json:))
        guard rows.count == list.count else { return nil }
        let skipped = (json["skipped"]?.arrayValue ?? []).compactMap(SkippedInput.init(json:))
        return (first..<end, rows, skipped)
    }

    /// How far the slabs recorded from `base` on (one after another without a gap, starting
    /// before `end`) got: the input after the last they consumed (nil when none is recorded), the
    /// position after their last row (at least `position`), and the inputs they skipped.
    func recordedProgress(
        from base: Int, slabLength: Int, end: Int = .max, position: Int
    ) -> (nextInput: Int?, resumeAt: Int, skipped: [SkippedInput]) {
        var nextInput: Int?
        var resumeAt = position
        var skipped: [SkippedInput] = []
        var base = base
        while base < end, let slab = slab(at: base) {
            skipped += slab.skipped
            nextInput = slab.inputs.upperBound
            resumeAt = max(resumeAt, (slab.rows.last?.index).map { $0 + 1 } ?? base)
            base += slabLength
        }
        return (nextInput, resumeAt, skipped)
    }

    /// Removes the records (and their folder, when local).
    func remove() {
        if let localFolder {
            try? FileManager.default.removeItem(atPath: localFolder)
        } else {
            try? store.deleteAll(prefix: prefix)
        }
    }

    /// Removes the temporary files of writes a killed conversion left in the store
    /// (`.NAME.immetaio-XXXXXX`, never visible to readers). Only a resume calls this: the
    /// journal makes it the store's one writer, so no live writer can own them.
    /// Those of the table and the report beside the store (`besides`, their paths) go too.
    func removeStaleTemporaries(besides files: [String] = []) throws {
        let manager = FileManager.default
        if let folder = localFolder, case let store = (folder as NSString).deletingLastPathComponent, let walker = manager.enumerator(atPath: store) {
            for case let relative as String in walker {
                let name = (relative as NSString).lastPathComponent
                guard name.hasPrefix("."), name.contains(".immetaio-"), !relative.hasPrefix(".immetaio-convert") else { continue }
                try? manager.removeItem(atPath: store + "/" + relative)
            }
        }
        for file in files {
            let parent = (file as NSString).deletingLastPathComponent
            let prefix = "." + (file as NSString).lastPathComponent + "."
            let entries = (try? manager.contentsOfDirectory(atPath: parent.isEmpty ? "." : parent)) ?? []
            for entry in entries where entry.hasPrefix(prefix) && (entry.contains(".immetaio-") || entry.contains(".tmp-")) {
                try? manager.removeItem(atPath: (parent.isEmpty ? "" : parent + "/") + entry)
            }
        }
    }
}

/// Writes `bytes` to `path` through a temporary file renamed into place.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let sink = try OutputSink(path: path)
    do {
        try sink.write(bytes)
        try sink.commit()
    } catch {
        sink.discard()
        throw error
    }
}
