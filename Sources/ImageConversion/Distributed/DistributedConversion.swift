import Foundation
import ImMetaIO
import Zarr

/// A conversion across processes or machines: a plan, tasks that each own whole shards, and a
/// finalize step (`immetaio convert … --plan PLAN`, `--plan PLAN --task K`, `--plan PLAN --finalize`).
///
/// ```swift
/// var options = ConversionOptions(output: "s3://survey/cutouts.zarr")
/// let plan = try DistributedConversion.plan(folders: ["/data/cutouts"], options: options, tasks: 4, at: "/shared/plan")
/// // On each node: the Slurm array task id, or a Kubernetes indexed Job's completion index.
/// _ = try DistributedConversion.runTask(0, plan: "/shared/plan")
/// let report = try DistributedConversion.finalize(plan: "/shared/plan")
/// ```
///
/// The plan lists the inputs in a fixed order, reads every header, creates the store (group and
/// empty array) and gives each task a range of whole shards. A task writes only its shards and
/// its records under `PLAN/tasks/K/`; run again after a failure or preemption it keeps the shards
/// it recorded and writes the rest, the same bytes. Finalize checks every task's records and every
/// shard's index, writes the Parquet table from the tasks' rows, then grows the array's shape: a
/// reader sees the images only once all of them are complete.
public enum DistributedConversion {
    /// Makes a plan at `plan` (a local folder or a URL such as `s3://bucket/plans/survey`) for
    /// converting `folders` into `options.output`, split into at most `tasks` tasks (default:
    /// one per shard). Replaces an existing plan only with `options.overwrite`.
    /// - Throws: what a conversion's checks throw (mixed sizes, unknown compressor, duplicate CSV
    ///   names …), before the store is touched; `invalidArgument` for `append` or `resume`.
    public static func plan(folders: [String], options: ConversionOptions, tasks: Int? = nil, at plan: String) throws -> ConversionPlanSummary {
        if let tasks, tasks < 1 { throw ImMetaIOError(.invalidArgument, "--tasks must be 1 or more, not \(tasks)") }
        let location = try PlanLocation(path: plan)
        if try location.get(PlanLocation.planKey) != nil {
            guard options.overwrite else {
                throw ImMetaIOError(.invalidArgument, "a conversion plan exists here: use --overwrite to replace it", file: plan)
            }
            try location.removeRecords()
        }
        let made = try makePlan(folders: folders, options: options, tasks: tasks, at: location)
        return ConversionPlanSummary(plan: plan, made)
    }

    /// Runs task `task` of the plan at `plan`: decodes its inputs and writes its shards. A task
    /// already finished returns at once; one interrupted before keeps its recorded shards.
    /// - Parameters:
    ///   - task: the task's number, `0..<tasks` (a Slurm array task id, a Kubernetes completion index).
    ///   - plan: the plan's folder or URL.
    ///   - workers: threads decoding images.
    ///   - progress: called now and then from a worker thread.
    public static func runTask(
        _ task: Int, plan: String, workers: Int = 8, progress: (@Sendable (ConversionProgress) -> Void)? = nil
    ) throws -> ConversionTaskReport {
        try runTask(task, at: try PlanLocation(path: plan), workers: workers, progress: progress)
    }

    /// Finishes the conversion of the plan at `plan`: checks that every task finished and every
    /// shard is present and complete, writes the table, the report and the array's final shape.
    /// Running it again rewrites the same.
    /// - Throws: `invalidArgument` naming the tasks that have not finished; `corruptData` naming a
    ///   missing or damaged shard.
    public static func finalize(plan: String) throws -> ConversionReport {
        try finalize(at: try PlanLocation(path: plan))
    }

    // MARK: Steps

    static func makePlan(folders: [String], options: ConversionOptions, tasks requested: Int?, at location: PlanLocation) throws -> ConversionPlan {
        let converter = ImageConverter(options: options)
        try converter.validate(allowingRemoteOutput: true)
        if options.append || options.resume {
            throw ImMetaIOError(
                .invalidArgument,
                "a planned conversion makes a new store: --append and --resume do not apply (run a failed task again to resume it)")
        }
        guard !folders.isEmpty else { throw ImMetaIOError(.invalidArgument, "no input folders given") }
        let paths = ConversionPaths(output: options.output, metadataCSV: options.metadataCSV)
        var inputs = try InputScan.discover(folders: folders, recursive: options.recursive, extensions: options.extensions)
        guard !inputs.isEmpty else {
            throw ImMetaIOError(.missingFile, "no image files (\(options.extensions.sorted().joined(separator: " "))) in \(folders.joined(separator: ", "))")
        }
        // The join's checks (duplicate names, a missing filename column) fail the plan, not the finalize.
        if let csv = options.metadataCSV { _ = try MetadataJoin(csvPath: csv, keys: inputs.map(\.key)) }
        InputScan.probe(&inputs, fitsExtensions: options.fitsExtensions, workers: options.workers)
        let unreadable = inputs.indices.filter { inputs[$0].headerError != nil }
        if options.onError == .fail, let first = unreadable.first {
            throw ImMetaIOError(.corruptData, inputs[first].headerError ?? "unreadable", file: inputs[first].path)
        }
        let readable = inputs.filter { $0.layout != nil }
        let chw = try converter.targetShape(readable)
        let dtype = options.dtype ?? readable.compactMap(\.dtype).dropFirst().reduce(readable.first?.dtype ?? .uint8) {
            PromotionRule.promote($0, $1)
        }
        let metadata = try converter.arrayMetadata(chw: chw, dtype: dtype)
        // Unreadable headers are known now: under `skip` they get no position; under `zeros` they
        // keep theirs and are stored as zeros.
        let positional = options.onError == .zeros ? Array(inputs.indices) : inputs.indices.filter { inputs[$0].headerError == nil }
        let excluded = options.onError == .zeros
            ? [] : unreadable.map { SkippedInput(path: inputs[$0].path, error: inputs[$0].headerError ?? "unreadable") }

        let destination = try ZarrStoreLocation.store(for: paths.store)
        try clearDestination(destination, path: paths.store, overwrite: options.overwrite, keeping: location)
        let job = JobRecord(
            inputs: inputs, folders: folders, startLength: 0, csv: options.metadataCSV, options: options, arrayMetadata: metadata.json,
            groupAttributes: converter.groupAttributes(folders: folders, chw: chw, count: 0))
        _ = try ImageConverter.createNodes(job, in: destination)
        if let csv = options.metadataCSV {
            // Tasks and the finalize step may run where the CSV is not.
            guard let bytes = FileManager.default.contents(atPath: csv) else {
                throw ImMetaIOError(.missingFile, "cannot read the metadata CSV", file: csv)
            }
            try location.set(PlanLocation.csvKey, [UInt8](bytes))
        }
        let slabLength = metadata.chunkShape[0]
        let plan = ConversionPlan(
            store: paths.store, job: job, positional: positional, excluded: excluded,
            tasks: ConversionPlan.split(count: positional.count, slabLength: slabLength, requested: requested), slabLength: slabLength,
            hasCSV: options.metadataCSV != nil, created: Date().timeIntervalSince1970)
        // Last: a plan record proves the store and the CSV copy are in place.
        try location.set(PlanLocation.planKey, Array(JSONText.encode(plan.json).utf8))
        return plan
    }

    /// Makes room for a new store: nothing there, or a store replaced with `overwrite`; anything
    /// else at the destination is not ours to delete.
    private static func clearDestination(_ store: any ZarrStore, path: String, overwrite: Bool, keeping plan: PlanLocation) throws {
        let isStore = try store.size(of: "zarr.json") != nil
        if isStore, !overwrite {
            throw ImMetaIOError(.invalidArgument, "the store exists: use --overwrite to replace it", file: path)
        }
        if store is FileSystemStore {
            try ImageConverter.clearForNewStore(path, replacing: isStore)
            return
        }
        let keys = try store.list(prefix: "").filter { !$0.hasPrefix(".immetaio-convert/") }
        if !keys.isEmpty, !isStore {
            throw ImMetaIOError(.invalidArgument, "exists and is not a Zarr store (\(keys.count) objects): not replacing it", file: path)
        }
        for key in keys { try store.delete(key) }
    }

    /// `interruptAfterSlabs` stops the task with an error after that many stored slabs (tests).
    static func runTask(
        _ task: Int, at location: PlanLocation, workers: Int, progress: (@Sendable (ConversionProgress) -> Void)?,
        interruptAfterSlabs: Int? = nil
    ) throws -> ConversionTaskReport {
        let started = Date()
        let plan = try ConversionPlan.load(from: location)
        guard plan.tasks.indices.contains(task) else {
            throw ImMetaIOError(.invalidArgument, "task \(task) is not in the plan (tasks 0…\(plan.tasks.count - 1))", file: location.name)
        }
        let range = plan.tasks[task]
        if let done = try location.json(location.doneKey(task)) {
            return ConversionTaskReport(
                task: task, positions: range, stored: done["end"]?.intValue.map { $0 - range.lowerBound } ?? range.count,
                skipped: [], alreadyFinished: true, seconds: Date().timeIntervalSince(started))
        }
        let todoAll = plan.positional[range]
        for index in todoAll {
            let input = plan.job.inputs[index]
            guard input.isUnchanged else {
                throw ImMetaIOError(
                    .invalidArgument, "an input changed or is missing since the plan was made (size or time); make the plan again",
                    file: input.path)
            }
        }
        var options = plan.job.options
        options.workers = max(1, workers)
        options.progress = progress
        options.interruptAfterSlabs = interruptAfterSlabs
        // Positions are fixed across tasks: a failed image cannot be left out (see ConversionPlan).
        if plan.tasks.count > 1, options.onError == .skip { options.onError = .zeros }

        let destination = try ZarrStoreLocation.store(for: plan.store)
        let array = try ZarrArray.open(in: destination, path: ImageConverter.arrayName)
        guard array.metadata.chunkShape[0] == plan.slabLength else {
            throw ImMetaIOError(
                .corruptData, "the store's shards hold \(array.metadata.chunkShape[0]) images, the plan's \(plan.slabLength): not this plan's store",
                file: plan.store)
        }
        let journal = location.journal(task: task)
        let recorded = journal.recordedProgress(
            from: range.lowerBound, slabLength: plan.slabLength, end: range.upperBound, position: range.lowerBound)
        var skipped = recorded.skipped
        let nextInput = recorded.nextInput ?? todoAll.first ?? 0
        let resumeAt = recorded.resumeAt
        var end = resumeAt
        // A partial last slab means every input was consumed: only the done record is missing.
        if resumeAt % plan.slabLength == 0 || resumeAt == range.upperBound, resumeAt < range.upperBound {
            let todo = todoAll.filter { $0 >= nextInput }
            let stream = try ZarrStreamWriter(
                array: array, maximumSlabsInFlight: options.slabsInFlight, commitsAutomatically: false, storedLength: resumeAt,
                maximumLength: range.upperBound)
            let run = ConversionRun(
                inputs: plan.job.inputs, todo: todo, stream: stream, chw: try ImageConverter.imageShape(of: array, store: plan.store),
                dtype: array.dtype, options: options, journal: journal, started: started)
            end = resumeAt + (try run.run())
            skipped += run.skipped
        }
        if plan.tasks.count > 1, end != range.upperBound {
            throw ImMetaIOError(.corruptData, "task \(task) stored positions up to \(end), not \(range.upperBound)", file: location.name)
        }
        let done: JSONValue = ["task": .int(task), "end": .int(end), "skipped": .array(skipped.map(\.json))]
        try location.set(location.doneKey(task), Array(JSONText.encode(done).utf8))
        return ConversionTaskReport(
            task: task, positions: range, stored: end - range.lowerBound, skipped: skipped, alreadyFinished: false,
            seconds: Date().timeIntervalSince(started))
    }

    static func finalize(at location: PlanLocation) throws -> ConversionReport {
        let plan = try ConversionPlan.load(from: location)
        var ends: [Int] = []
        var unfinished: [Int] = []
        var skipped = plan.excluded
        for task in plan.tasks.indices {
            guard let done = try location.json(location.doneKey(task)), let end = done["end"]?.intValue else {
                unfinished.append(task)
                continue
            }
            ends.append(end)
            skipped += (done["skipped"]?.arrayValue ?? []).compactMap(SkippedInput.init(json:))
        }
        guard unfinished.isEmpty else {
            throw ImMetaIOError(
                .invalidArgument,
                "\(unfinished.count) of \(plan.tasks.count) tasks have not finished (\(unfinished.prefix(20).map(String.init).joined(separator: ", "))"
                    + "\(unfinished.count > 20 ? ", …" : "")): run them (again) with --task K, then finalize",
                file: location.name)
        }
        for (task, range) in plan.tasks.enumerated() where plan.tasks.count > 1 && ends[task] != range.upperBound {
            throw ImMetaIOError(.corruptData, "task \(task) recorded positions up to \(ends[task]), not \(range.upperBound)", file: location.name)
        }
        let total = plan.tasks.count == 1 ? ends[0] : plan.positional.count
        // Every slab of every task recorded (its record is written after its shards).
        var slabBases: [(task: Int, base: Int)] = []
        for (task, range) in plan.tasks.enumerated() {
            let end = plan.tasks.count == 1 ? total : range.upperBound
            for base in stride(from: range.lowerBound, to: end, by: plan.slabLength) {
                slabBases.append((task, base))
            }
        }
        var maxima: [Int: Double] = [:]
        for (task, base) in slabBases {
            guard let slab = location.journal(task: task).slab(at: base) else {
                throw ImMetaIOError(
                    .corruptData, "task \(task) has no record of its shard at image \(base): run the task again", file: location.name)
            }
            maxima[base] = slab.rows.map(\.statistics.maximum).max() ?? 0
        }
        let destination = try ZarrStoreLocation.store(for: plan.store)
        var array = try ZarrArray.open(in: destination, path: ImageConverter.arrayName)
        try verifyShards(of: array, bases: slabBases.map(\.base), maxima: maxima, store: plan.store)

        let paths = ConversionPaths(output: plan.job.options.output, metadataCSV: plan.job.options.metadataCSV)
        var csvCopy: String?
        defer { if let csvCopy { try? FileManager.default.removeItem(atPath: csvCopy) } }
        var join: MetadataJoin?
        if plan.hasCSV {
            guard let bytes = try location.get(PlanLocation.csvKey) else {
                throw ImMetaIOError(.missingFile, "the plan's copy of the metadata CSV is missing", file: location.name)
            }
            let copy = temporaryPath(suffix: ".csv")
            csvCopy = copy
            guard FileManager.default.createFile(atPath: copy, contents: Data(bytes)) else {
                throw ImMetaIOError(.io, "cannot write a temporary copy of the metadata CSV", file: copy)
            }
            join = try MetadataJoin(csvPath: copy, keys: plan.job.inputs.map(\.key))
        }
        let summary = try writeTable(to: paths.table) { path in
            try MetadataTable.write(
                existing: nil,
                slabs: slabBases.lazy.map { task, base in
                    (location.journal(task: task).slab(at: base)?.rows ?? []).filter { $0.index < total }
                }, extra: { rows in join?.columns(for: rows.map(\.key)) ?? [] }, to: path)
        }
        if array.shape[0] != total {
            var grown = array.shape
            grown[0] = total
            try array.resize(to: grown)
        }
        let started = Date(timeIntervalSince1970: plan.created)
        let report = try ImageConverter(options: plan.job.options).finish(
            job: plan.job, array: array, paths: paths, journal: nil, summary: summary, skipped: skipped, join: join, started: started)
        try location.set("finalized.json", Array(JSONText.encode(report.json, indent: 2).utf8))
        return report
    }

    /// Every shard of the stored slabs checked (its index read and verified); a shard may be
    /// absent only where its images hold nothing but zeros (the fill value is not stored).
    private static func verifyShards(of array: ZarrArray, bases: [Int], maxima: [Int: Double], store: String) throws {
        let grid = zip(array.shape.dropFirst(), array.metadata.chunkShape.dropFirst()).map { ($0 + $1 - 1) / $1 }
        var others: [[Int]] = [[]]
        for count in grid { others = others.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
        let slabLength = array.metadata.chunkShape[0]
        let checks = bases.flatMap { base in others.map { [base / slabLength] + $0 } }
        let failures = NSLock()
        nonisolated(unsafe) var problems: [String] = []
        ParallelLoop.run(checks.count) { number in
            let index = checks[number]
            let problem: String?
            do {
                switch try array.verifyStoredChunk(at: index) {
                case .complete: problem = nil
                case .absent:
                    // Only a single-shard row can be judged from its images' maxima.
                    problem = others.count == 1 && (maxima[index[0] * slabLength] ?? 0) != 0
                        ? "shard \(index.map(String.init).joined(separator: "/")) is missing" : nil
                }
            } catch {
                problem = (error as? ImMetaIOError)?.description ?? String(describing: error)
            }
            if let problem { failures.withLock { problems.append(problem) } }
        }
        if let first = problems.sorted().first {
            throw ImMetaIOError(
                .corruptData, "\(problems.count) shard(s) missing or damaged (first: \(first)): run their tasks again", file: store)
        }
    }

    /// Writes the table at `path` through `body`, by way of a local temporary file when `path`
    /// is a URL.
    private static func writeTable(to path: String, _ body: (String) throws -> MetadataTable.Summary) throws -> MetadataTable.Summary {
        guard let scheme = RemoteResources.scheme(of: path), scheme != "file" else { return try body(path) }
        let local = temporaryPath(suffix: ".parquet")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let summary = try body(local)
        guard let bytes = FileManager.default.contents(atPath: local) else {
            throw ImMetaIOError(.io, "cannot read back the table written", file: local)
        }
        try writeAtomically([UInt8](bytes), to: path)
        return summary
    }

    private static func temporaryPath(suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("immetaio-\(UUID().uuidString)\(suffix)").path
    }

    // MARK: One process into an object store

    /// `convert(folders:)` into an object store (`s3://…`): a plan of one task kept in the store
    /// (`.immetaio-convert/`, which Zarr readers ignore), run, finalized and removed. With
    /// `options.resume`, the recorded plan is finished.
    static func convertToObjectStore(folders: [String], options: ConversionOptions) throws -> ConversionReport {
        if options.append {
            throw ImMetaIOError(
                .unsupportedFeature, "appending to a store in an object store is not supported yet (append locally, then copy)",
                file: options.output)
        }
        let paths = ConversionPaths(output: options.output, metadataCSV: options.metadataCSV)
        let location = PlanLocation(
            store: try ZarrStoreLocation.store(for: paths.store), prefix: ".immetaio-convert/", name: paths.store + "/.immetaio-convert")
        let recorded = try location.get(PlanLocation.planKey) != nil
        if options.resume {
            guard recorded else {
                throw ImMetaIOError(
                    .missingFile, "no unfinished conversion here: run the conversion again without --resume", file: paths.store)
            }
        } else {
            if recorded, !options.overwrite {
                throw ImMetaIOError(
                    .invalidArgument, "an unfinished conversion is in this store: finish it with --resume, or start again with --overwrite",
                    file: paths.store)
            }
            if recorded { try location.removeRecords() }
            _ = try makePlan(folders: folders, options: options, tasks: 1, at: location)
        }
        _ = try runTask(0, at: location, workers: options.workers, progress: options.progress)
        let report = try finalize(at: location)
        try location.removeRecords()
        return report
    }
}

/// What ``DistributedConversion/plan(folders:options:tasks:at:)`` made.
public struct ConversionPlanSummary: Sendable {
    /// Where the plan is.
    public var plan: String
    /// The store the tasks write.
    public var store: String
    /// Images that have array positions.
    public var images: Int
    /// Inputs left out already (unreadable headers).
    public var excluded: [SkippedInput]
    /// The position range of each task (task K is `taskRanges[K]`).
    public var taskRanges: [Range<Int>]

    init(plan: String, _ made: ConversionPlan) {
        self.plan = plan
        store = made.store
        images = made.positional.count
        excluded = made.excluded
        taskRanges = made.tasks
    }

    /// The summary as JSON.
    public var json: JSONValue {
        [
            "plan": .string(plan), "store": .string(store), "images": .int(images), "tasks": .int(taskRanges.count),
            "task_ranges": .array(taskRanges.map { .array([.int($0.lowerBound), .int($0.upperBound)]) }),
            "excluded": .array(excluded.map(\.json)),
        ]
    }

    /// One line for the terminal, with the commands that come next.
    public var summary: String {
        "\(plan): \(images) images into \(store) in \(taskRanges.count) task(s) (0…\(taskRanges.count - 1))"
            + (excluded.isEmpty ? "" : "; \(excluded.count) unreadable file(s) left out")
            + "\n  next: immetaio convert --plan \(plan) --task K (each K), then immetaio convert --plan \(plan) --finalize"
    }
}

/// What one task of a planned conversion did.
public struct ConversionTaskReport: Sendable {
    /// The task's number.
    public var task: Int
    /// The array positions the task owns.
    public var positions: Range<Int>
    /// Images the task stored (all of its positions, unless a single task skipped files).
    public var stored: Int
    /// Inputs left out or failed (zero-filled) in this task, with their errors.
    public var skipped: [SkippedInput]
    /// Whether the task had finished before (nothing was done).
    public var alreadyFinished: Bool
    /// Wall time.
    public var seconds: Double

    /// The report as JSON.
    public var json: JSONValue {
        [
            "task": .int(task), "first": .int(positions.lowerBound), "end": .int(positions.upperBound), "stored": .int(stored),
            "skipped": .array(skipped.map(\.json)), "already_finished": .bool(alreadyFinished), "seconds": .double(seconds),
        ]
    }

    /// One line for the terminal.
    public var summary: String {
        alreadyFinished
            ? "task \(task): finished before (images \(positions.lowerBound)..<\(positions.upperBound))"
            : "task \(task): \(stored) images stored (\(positions.lowerBound)..<\(positions.upperBound)) in "
                + String(format: "%.2f", seconds) + " s" + (skipped.isEmpty ? "" : ", \(skipped.count) failed")
    }
}
