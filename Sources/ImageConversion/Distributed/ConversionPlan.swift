import Foundation
import ImMetaIO
import Zarr

/// Where a plan's records live: a store (a shared folder or an object store) and a prefix in it.
struct PlanLocation {
    let store: any ZarrStore
    /// Empty or ending in `/`.
    let prefix: String
    /// For messages.
    let name: String

    /// The plan at a local path or URL (`s3://bucket/plans/survey`).
    init(path: String) throws {
        store = try ZarrStoreLocation.store(for: path)
        prefix = ""
        name = path
    }

    init(store: any ZarrStore, prefix: String, name: String) {
        self.store = store
        self.prefix = prefix
        self.name = name
    }

    static let planKey = "plan.json"
    static let csvKey = "metadata.csv"
    func doneKey(_ task: Int) -> String { "tasks/\(task)/done.json" }

    func get(_ key: String) throws -> [UInt8]? { try store.get(prefix + key) }
    func set(_ key: String, _ value: [UInt8]) throws { try store.set(prefix + key, value) }
    func json(_ key: String) throws -> JSONValue? {
        guard let bytes = try get(key) else { return nil }
        do { return try JSONParser.parse(bytes) } catch {
            throw ImMetaIOError(.corruptData, "damaged plan record \(key): \(error)", file: name)
        }
    }

    /// The journal of task `task`: its stored slabs and their rows.
    func journal(task: Int) -> ConversionJournal { ConversionJournal(store: store, prefix: prefix + "tasks/\(task)/") }

    /// Removes every record of the plan (a replaced plan, or the hidden plan of a finished
    /// conversion into an object store).
    func removeRecords() throws {
        for key in [Self.planKey, Self.csvKey, "finalized.json"] { try store.delete(prefix + key) }
        try store.deleteAll(prefix: prefix + "tasks/")
    }
}

/// A conversion split into tasks that each own whole shards: the inputs in a fixed order, each
/// input's array position, and the position range of every task.
///
/// Positions are fixed when the plan is made, so tasks never wait on one another and no two
/// write the same object. With more than one task a file whose header read but whose pixels
/// then fail cannot be left out (the positions after it belong to other tasks): under
/// `--on-error skip` it is stored as zeros and flagged in its row, as `zeros` does.
struct ConversionPlan {
    static let version = 1
    /// The destination store (path or URL).
    var store: String
    /// The inputs (every file found, in order), options, array and group of the conversion.
    var job: JobRecord
    /// Indices into `job.inputs` of the inputs that get array positions, in position order.
    var positional: [Int]
    /// Inputs left out when the plan was made (unreadable headers under `skip`).
    var excluded: [SkippedInput]
    /// The position range of each task: whole shards, the last task's ending at the image count.
    var tasks: [Range<Int>]
    /// Images per shard along the first axis.
    var slabLength: Int
    /// Whether the CSV was copied into the plan (`metadata.csv`), for the finalize step.
    var hasCSV: Bool
    /// When the plan was made (seconds since 1970): the report's time runs from here.
    var created: Double

    /// Splits `count` positions into at most `requested` tasks of whole shards, as even as can be.
    static func split(count: Int, slabLength: Int, requested: Int?) -> [Range<Int>] {
        let shards = (count + slabLength - 1) / slabLength
        let tasks = max(1, min(requested ?? shards, shards))
        return (0..<tasks).map { task in
            let first = task * shards / tasks, end = (task + 1) * shards / tasks
            return (first * slabLength)..<min(end * slabLength, count)
        }
    }

    var json: JSONValue {
        [
            "version": .int(Self.version), "store": .string(store), "job": job.json,
            "positional": .array(positional.map(JSONValue.int)), "excluded": .array(excluded.map(\.json)),
            "tasks": .array(tasks.map { .array([.int($0.lowerBound), .int($0.upperBound)]) }), "slab_length": .int(slabLength),
            "csv": .bool(hasCSV), "created": .double(created),
        ]
    }

    init(
        store: String, job: JobRecord, positional: [Int], excluded: [SkippedInput], tasks: [Range<Int>], slabLength: Int, hasCSV: Bool,
        created: Double
    ) {
        (self.store, self.job, self.positional, self.excluded) = (store, job, positional, excluded)
        (self.tasks, self.slabLength, self.hasCSV, self.created) = (tasks, slabLength, hasCSV, created)
    }

    init(json: JSONValue, at location: PlanLocation) throws {
        func bad(_ what: String) -> ImMetaIOError {
            ImMetaIOError(.corruptData, "the conversion plan has no valid \(what)", file: location.name + "/" + PlanLocation.planKey)
        }
        guard json["version"]?.intValue == Self.version else { throw bad("version (this immetaio reads version \(Self.version))") }
        guard let store = json["store"]?.stringValue, let jobJSON = json["job"], let slab = json["slab_length"]?.intValue, slab > 0,
            let positional = json["positional"]?.arrayValue?.compactMap(\.intValue), let taskList = json["tasks"]?.arrayValue
        else { throw bad("store, job, positions or tasks") }
        let job = try JobRecord(json: jobJSON)
        guard positional.allSatisfy({ job.inputs.indices.contains($0) }) else { throw bad("input positions") }
        var tasks: [Range<Int>] = []
        for entry in taskList {
            guard let pair = entry.arrayValue?.compactMap(\.intValue), pair.count == 2, pair[0] <= pair[1], pair[0] % slab == 0,
                pair[0] == (tasks.last?.upperBound ?? 0)
            else { throw bad("task ranges") }
            tasks.append(pair[0]..<pair[1])
        }
        guard !tasks.isEmpty, tasks.last?.upperBound == positional.count else { throw bad("task ranges") }
        let excluded = (json["excluded"]?.arrayValue ?? []).compactMap(SkippedInput.init(json:))
        self.init(
            store: store, job: job, positional: positional, excluded: excluded, tasks: tasks, slabLength: slab,
            hasCSV: json["csv"]?.boolValue ?? false, created: json["created"]?.doubleValue ?? Date().timeIntervalSince1970)
    }

    static func load(from location: PlanLocation) throws -> ConversionPlan {
        guard let json = try location.json(PlanLocation.planKey) else {
            throw ImMetaIOError(.missingFile, "no conversion plan here (no \(PlanLocation.planKey)): make one with convert … --plan", file: location.name)
        }
        return try ConversionPlan(json: json, at: location)
    }
}
