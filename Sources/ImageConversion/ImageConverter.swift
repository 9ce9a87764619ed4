import Foundation
import ImMetaIO
import Parquet
import Zarr

/// Converts the images of `folders` into one sharded Zarr v3 array with a Parquet table beside it.
///
/// ```swift
/// var options = ConversionOptions(output: "survey")          // → survey/images.zarr
/// options.metadataCSV = "catalogue.csv"                       // joined on its filename column
/// let report = try convert(folders: ["cutouts"], options: options)
/// print(report.stored, report.skipped.count, report.unmatchedCSVRows)
/// ```
///
/// Every header is read before any pixel is written; mixed sizes without ``ConversionOptions/resize``,
/// channel counts that cannot be widened and unknown compressors are errors before the store is
/// touched. See the ImageConversion article for the rules.
public func convert(folders: [String], options: ConversionOptions) throws -> ConversionReport {
    try ImageConverter(options: options).convert(folders: folders)
}

/// Converts an N×C×H×W array (with one metadata object per image, or none) into a store, or
/// appends it to one (`options.append`).
public func convert(images: NDArray, metadata: [JSONObject]? = nil, options: ConversionOptions) throws -> ConversionReport {
    try ImageConverter(options: options).convert(images: images, metadata: metadata)
}

/// Where a conversion's files go: images_to_zarr's names.
public struct ConversionPaths: Sendable, Hashable {
    /// The store: `output` itself when it ends in `.zarr`, else `output/<CSV stem or images>.zarr`.
    public var store: String
    /// `<store stem>_metadata.parquet` beside the store.
    public var table: String
    /// `<store stem>_report.json` beside the store.
    public var report: String

    /// The paths for an output (a local path or a URL such as `s3://bucket/survey.zarr`) and an
    /// optional CSV.
    public init(output: String, metadataCSV: String? = nil) {
        var output = output
        while output.count > 1, output.hasSuffix("/") { output.removeLast() }
        if output.hasSuffix(".zarr") {
            store = output
        } else {
            let stem = metadataCSV.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "images"
            store = output + "/" + stem + ".zarr"
        }
        // Split at the last `/` by hand: path functions would fold a URL's `//`.
        let name = store.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? store
        let folder = store.dropLast(name.count)
        let stem = name.hasSuffix(".zarr") ? String(name.dropLast(".zarr".count)) : (name as NSString).deletingPathExtension
        table = folder + stem + "_metadata.parquet"
        report = folder + stem + "_report.json"
    }
}

/// The orchestration: inputs, checks, store, run, table, report.
struct ImageConverter {
    let options: ConversionOptions
    static let arrayName = "images"

    init(options: ConversionOptions) { self.options = options }

    func validate(allowingRemoteOutput: Bool = false) throws {
        if options.append && options.overwrite {
            throw ImMetaIOError(.invalidArgument, "--append and --overwrite exclude each other")
        }
        if options.resume && (options.overwrite || options.append) {
            throw ImMetaIOError(.invalidArgument, "--resume continues the recorded job: it takes neither --append nor --overwrite")
        }
        guard (0...5).contains(options.interpolationOrder) else {
            throw ImMetaIOError(.invalidArgument, "--interpolation-order must be 0…5, not \(options.interpolationOrder)")
        }
        if let resize = options.resize, resize.count != 2 || resize.contains(where: { $0 <= 0 }) {
            throw ImMetaIOError(.invalidArgument, "--resize needs HEIGHT,WIDTH of positive sizes, not \(resize)")
        }
        guard options.workers >= 1 else { throw ImMetaIOError(.invalidArgument, "--workers must be 1 or more") }
        if !allowingRemoteOutput, let scheme = RemoteResources.scheme(of: options.output), scheme != "file" {
            // Folders go to object stores as a plan of one task (DistributedConversion); arrays in
            // memory are written to a local store only.
            throw ImMetaIOError(
                .unsupportedFeature,
                "an in-memory array converts into a local store; \(scheme):// outputs are not supported for it yet (write locally, then copy)",
                file: options.output)
        }
    }

    // MARK: Folders

    func convert(folders: [String]) throws -> ConversionReport {
        if let scheme = RemoteResources.scheme(of: options.output), scheme != "file" {
            return try DistributedConversion.convertToObjectStore(folders: folders, options: options)
        }
        try validate()
        let started = Date()
        let paths = ConversionPaths(output: options.output, metadataCSV: options.metadataCSV)
        let journal = ConversionJournal(store: paths.store)
        if options.resume { return try resume(paths: paths, journal: journal, started: started) }
        if journal.exists, !options.overwrite {
            throw ImMetaIOError(
                .invalidArgument, "an unfinished conversion is in this store: finish it with --resume, or start again with --overwrite",
                file: paths.store)
        }
        let exists = Self.storeExists(paths.store)
        if options.append, !exists { throw ImMetaIOError(.missingFile, "cannot append: no store here", file: paths.store) }
        if exists, !options.append, !options.overwrite {
            throw ImMetaIOError(.invalidArgument, "the store exists: use --overwrite to replace it or --append to add to it", file: paths.store)
        }
        guard !folders.isEmpty else { throw ImMetaIOError(.invalidArgument, "no input folders given") }
        var inputs = try InputScan.discover(folders: folders, recursive: options.recursive, extensions: options.extensions)
        guard !inputs.isEmpty else {
            throw ImMetaIOError(.missingFile, "no image files (\(options.extensions.sorted().joined(separator: " "))) in \(folders.joined(separator: ", "))")
        }
        let join = try options.metadataCSV.map { try MetadataJoin(csvPath: $0, keys: inputs.map(\.key)) }
        InputScan.probe(&inputs, fitsExtensions: options.fitsExtensions, workers: options.workers)
        let unreadable = inputs.filter { $0.headerError != nil }
        if options.onError == .fail, let first = unreadable.first {
            throw ImMetaIOError(.corruptData, first.headerError ?? "unreadable", file: first.path)
        }
        let readable = inputs.filter { $0.layout != nil }

        // The array's image shape and dtype, from every header.
        let store = FileSystemStore(path: paths.store)
        let array: ZarrArray
        let job: JobRecord
        if options.append {
            array = try ZarrArray.open(in: store, path: Self.arrayName)
            try checkFits(readable, chw: Self.imageShape(of: array, store: paths.store))
            job = JobRecord(inputs: inputs, folders: folders, startLength: array.shape[0], csv: options.metadataCSV, options: options)
            try journal.writeJob(job.json)
        } else {
            let chw = try targetShape(readable)
            let dtype = options.dtype ?? readable.compactMap(\.dtype).dropFirst().reduce(readable.first?.dtype ?? .uint8) {
                PromotionRule.promote($0, $1)
            }
            let metadata = try arrayMetadata(chw: chw, dtype: dtype)
            try Self.clearForNewStore(paths.store, replacing: exists)
            try? FileManager.default.removeItem(atPath: paths.table)
            // The journal comes first: a conversion killed at any later moment resumes.
            job = JobRecord(
                inputs: inputs, folders: folders, startLength: 0, csv: options.metadataCSV, options: options, arrayMetadata: metadata.json,
                groupAttributes: groupAttributes(folders: folders, chw: chw, count: 0))
            try journal.writeJob(job.json)
            array = try Self.createNodes(job, in: store)
        }
        return try execute(job: job, array: array, paths: paths, journal: journal, join: join, started: started)
    }

    /// C×H×W of the images of an `images` array: N×C×H×W, or N×H×W as images_to_zarr writes
    /// grey stores (one channel; the bytes of an image are the same either way).
    static func imageShape(of array: ZarrArray, store: String) throws -> [Int] {
        switch array.shape.count {
        case 4: return Array(array.shape.dropFirst())
        case 3: return [1] + array.shape.dropFirst()
        default:
            throw ImMetaIOError(.invalidArgument, "the store's images array is \(array.shape.count)-D, not N×C×H×W or N×H×W", file: store)
        }
    }

    /// Whether `path` holds a store (a `zarr.json` or an unfinished conversion's journal); an
    /// empty folder, or one left by a conversion killed before its journal, does not count.
    static func storeExists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/zarr.json") || ConversionJournal(store: path).exists
    }

    /// Removes what is at `path` before a new store is made there: a store being replaced
    /// (`--overwrite`, checked by the caller), or a folder holding only hidden entries (what a
    /// conversion killed before its journal leaves). A folder with anything else is an error:
    /// it is not ours to delete.
    static func clearForNewStore(_ path: String, replacing store: Bool) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else { return }
        if !store {
            let entries = (try? manager.contentsOfDirectory(atPath: path)) ?? []
            guard entries.allSatisfy({ $0.hasPrefix(".") }) else {
                throw ImMetaIOError(.invalidArgument, "exists and is not a Zarr store: not replacing it", file: path)
            }
        }
        try manager.removeItem(atPath: path)
    }

    /// The group and the empty `images` array a new job records.
    static func createNodes(_ job: JobRecord, in store: any ZarrStore) throws -> ZarrArray {
        guard let json = job.arrayMetadata else {
            throw ImMetaIOError(.corruptData, "the conversion journal has no array description", file: store.displayName)
        }
        _ = try ZarrGroup.create(in: store, attributes: job.groupAttributes ?? [:])
        return try ZarrArray.create(in: store, path: arrayName, metadata: ZarrArrayMetadata(json: json), overwrite: true)
    }

    /// Height and width shared by every input (or the resize target) and the widest channel count.
    func targetShape(_ inputs: [InputFile]) throws -> [Int] {
        guard let first = inputs.first?.layout else {
            throw ImMetaIOError(.corruptData, "no input has a readable header")
        }
        let channels = inputs.compactMap(\.layout?.channels).max() ?? first.channels
        let chw: [Int]
        if let resize = options.resize {
            chw = [channels, resize[0], resize[1]]
        } else {
            chw = [channels, first.height, first.width]
        }
        try checkFits(inputs, chw: chw)
        return chw
    }

    /// Every input has the size (unless resized) and a channel count that widens to `chw`.
    private func checkFits(_ inputs: [InputFile], chw: [Int]) throws {
        if options.resize == nil {
            let sizes = Dictionary(grouping: inputs) { [$0.layout?.height ?? 0, $0.layout?.width ?? 0] }
            if sizes.count > 1 || sizes.keys.first != Array(chw.dropFirst()) {
                let listing = sizes.sorted { $0.value.count > $1.value.count }.map { size, files in
                    "\(size[0])×\(size[1]): \(files.count) (\(files.prefix(3).map(\.path).joined(separator: ", "))\(files.count > 3 ? ", …" : ""))"
                }
                throw ImMetaIOError(
                    .invalidArgument,
                    "images differ in size (expected \(chw[1])×\(chw[2])); use --resize HEIGHT,WIDTH: \(listing.joined(separator: "; "))")
            }
        }
        let odd = inputs.filter { !PromotionRule.canWiden($0.layout?.channels ?? 0, to: chw[0]) }
        if !odd.isEmpty {
            throw ImMetaIOError(
                .invalidArgument,
                "channel counts cannot be stored as \(chw[0]) channels: "
                    + odd.prefix(5).map { "\($0.path) has \($0.layout?.channels ?? 0)" }.joined(separator: ", "))
        }
    }

    /// The `images` array: N×C×H×W, inner chunks of one image (or `--chunk-shape`), shards of
    /// whole images of about 64 MiB (or `--shard-shape`), the compressor inside each inner chunk
    /// and a CRC-32C on each shard index.
    func arrayMetadata(chw: [Int], dtype: DType) throws -> ZarrArrayMetadata {
        let compressor = try CompressorChoice(name: options.compressor, level: options.compressionLevel, itemSize: dtype.itemSize)
        let full = [1] + chw
        func expand(_ shape: [Int]?, flag: String, default fallback: [Int]) throws -> [Int] {
            guard let shape else { return fallback }
            let expanded: [Int]
            switch shape.count {
            case 1: expanded = [shape[0]] + chw
            case 3: expanded = [shape[0], chw[0], shape[1], shape[2]]
            case 4: expanded = shape
            default: throw ImMetaIOError(.invalidArgument, "\(flag) takes N, N,H,W or N,C,H,W, not \(shape)")
            }
            guard expanded.allSatisfy({ $0 > 0 }) else { throw ImMetaIOError(.invalidArgument, "\(flag) needs positive sizes, not \(shape)") }
            // Like images_to_zarr, a chunk larger than the image is clipped to it.
            return [expanded[0]] + zip(expanded.dropFirst(), chw).map { min($0, $1) }
        }
        let inner = try expand(options.chunkShape, flag: "--chunk-shape", default: full)
        let imageBytes = chw.reduce(dtype.itemSize, *)
        let defaultImages = max(inner[0], (64 << 20) / max(1, imageBytes) / inner[0] * inner[0])
        let shard = try expand(options.shardShape, flag: "--shard-shape", default: [defaultImages] + chw)
        guard zip(shard, inner).allSatisfy({ $0 % $1 == 0 }) else {
            throw ImMetaIOError(.invalidArgument, "the shard shape \(shard) must be a multiple of the chunk shape \(inner)")
        }
        let codecs: [ZarrCodecSpec] = [.bytes()] + (compressor.codec.map { [$0] } ?? [])
        return ZarrArrayMetadata(
            shape: [0] + chw, dtype: dtype, chunkShape: shard, codecs: [.sharding(chunkShape: inner, codecs: codecs)],
            dimensionNames: ["n", "c", "y", "x"])
    }

    func groupAttributes(folders: [String], chw: [Int], count: Int) -> JSONObject {
        [
            "total_images": .int(count), "image_shape": .array(chw.map(JSONValue.int)),
            "compressor": .string(options.compressor.lowercased()), "compression_level": .int(options.compressionLevel),
            "metadata_file": .string(ConversionPaths(output: options.output, metadataCSV: options.metadataCSV).table),
            "supported_extensions": .array(options.extensions.sorted().map(JSONValue.string)),
            "creation_info": [
                "fits_extension": .array(options.fitsExtensions.map(\.option)), "recursive_scan": .bool(options.recursive),
                "source_folders": .array(folders.map(JSONValue.string)), "direct_memory_conversion": .bool(folders.isEmpty),
                "resize": options.resize.map { .array($0.map(JSONValue.int)) } ?? .null,
                "interpolation_order": .int(options.interpolationOrder), "on_error": .string(options.onError.rawValue),
                "tool": "immetaio convert",
            ],
        ]
    }

    // MARK: Running, resuming, finishing

    private func resume(paths: ConversionPaths, journal: ConversionJournal, started: Date) throws -> ConversionReport {
        let job = try JobRecord(json: journal.readJob())
        for input in job.inputs {
            guard input.isUnchanged else {
                throw ImMetaIOError(
                    .invalidArgument, "an input changed since the conversion began (size or time); start again with --overwrite",
                    file: input.path)
            }
        }
        if let csv = job.csv {
            let attributes = try? FileManager.default.attributesOfItem(atPath: csv)
            guard (attributes?[.size] as? NSNumber)?.intValue == job.csvSize,
                (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 == job.csvModified
            else {
                throw ImMetaIOError(
                    .invalidArgument, "the metadata CSV changed since the conversion began; start again with --overwrite", file: csv)
            }
        }
        var options = job.options
        options.workers = self.options.workers
        options.progress = self.options.progress
        let converter = ImageConverter(options: options)
        let store = FileSystemStore(path: paths.store)
        // Killed between the journal and the array: the array is made now, as the job says.
        let exists = FileManager.default.fileExists(atPath: paths.store + "/" + Self.arrayName + "/zarr.json")
        let array = exists ? try ZarrArray.open(in: store, path: Self.arrayName) : try Self.createNodes(job, in: store)
        try journal.removeStaleTemporaries(besides: [paths.table, paths.report])
        let join = try options.metadataCSV.map { try MetadataJoin(csvPath: $0, keys: job.inputs.map(\.key)) }
        return try converter.execute(job: job, array: array, paths: paths, journal: journal, join: join, started: started)
    }

    /// Runs the job from where its journal ends.
    private func execute(
        job: JobRecord, array: ZarrArray, paths: ConversionPaths, journal: ConversionJournal, join: MetadataJoin?, started: Date
    ) throws -> ConversionReport {
        let slabLength = array.metadata.chunkShape[0]
        let firstSlab = job.startLength / slabLength * slabLength
        // Slabs already recorded, without a gap from the job's first slab.
        let recorded = journal.recordedProgress(from: firstSlab, slabLength: slabLength, position: job.startLength)
        var skipped = recorded.skipped
        let nextInput = recorded.nextInput ?? 0
        let resumeAt = recorded.resumeAt
        let existingTable = job.startLength > 0 ? try MetadataTable.existing(paths.table, rows: job.startLength) : nil
        // The table comes from the journal, slab by slab: rows are never all held in memory.
        let commitTable = { (length: Int) throws -> MetadataTable.Summary in
            try MetadataTable.write(
                existing: existingTable, slabs: stride(from: firstSlab, to: length, by: slabLength).lazy.map { base in
                    (journal.slab(at: base)?.rows ?? []).filter { $0.index < length }
                }, extra: { rows in join?.columns(for: rows.map(\.key)) ?? [] }, to: paths.table)
        }
        var finalArray = array
        let summary: MetadataTable.Summary
        if resumeAt % slabLength == 0 || resumeAt == array.shape[0] {
            let stream = try ZarrStreamWriter(
                array: array, maximumSlabsInFlight: options.slabsInFlight, commitsAutomatically: false, storedLength: resumeAt,
                maximumLength: resumeAt + job.inputs.count - nextInput)
            let run = ConversionRun(
                inputs: job.inputs, todo: Array(nextInput..<job.inputs.count), stream: stream,
                chw: try Self.imageShape(of: array, store: paths.store),
                dtype: array.dtype, options: options, journal: journal, started: started)
            // One checkpoint at a time, each longer than the last: an older table must never be
            // renamed over a newer one.
            let checkpoints = NSLock()
            nonisolated(unsafe) var checkpointed = resumeAt
            run.checkpoint = { [unowned stream] length in
                try checkpoints.withLock {
                    guard length > checkpointed else { return }
                    _ = try commitTable(length)
                    try stream.commit(length: length)
                    checkpointed = length
                }
            }
            defer { run.checkpoint = nil }
            let stored = try run.run()
            skipped += run.skipped
            let length = resumeAt + stored
            summary = try commitTable(length)
            try stream.commit(length: length)
            finalArray = stream.array
        } else {
            // The last recorded slab is the job's final, partial one: every input was consumed
            // (inputs after it, if any, were all skipped; their errors are not re-reported), and
            // only the commit is missing.
            summary = try commitTable(resumeAt)
            var grown = array.shape
            grown[0] = resumeAt
            try finalArray.resize(to: grown)
        }
        return try finish(
            job: job, array: finalArray, paths: paths, journal: journal, summary: summary, skipped: skipped, join: join, started: started)
    }

    /// Group attributes, report, journal removed.
    func finish(
        job: JobRecord, array: ZarrArray, paths: ConversionPaths, journal: ConversionJournal?, summary: MetadataTable.Summary,
        skipped: [SkippedInput], join: MetadataJoin?, started: Date
    ) throws -> ConversionReport {
        let store = array.store
        var group = try ZarrGroup.open(in: store)
        var attributes = group.attributes
        let total = array.shape[0]
        attributes["total_images"] = .int(total)
        if job.startLength > 0 || job.options.append {
            // A resumed append finishes again: its entry is replaced, never added twice.
            var history = (attributes["append_history"]?.arrayValue ?? []).filter { $0["start_index"]?.intValue != job.startLength }
            history.append([
                "appended_count": .int(total - job.startLength), "start_index": .int(job.startLength), "end_index": .int(total),
            ])
            attributes["append_history"] = .array(history)
        }
        group = try ZarrGroup.create(in: store, attributes: attributes)
        let report = ConversionReport(
            paths: paths, stored: total - job.startLength, total: total, skipped: skipped,
            zeroFilled: summary.zeroFilled, unmatchedCSVRows: join?.unmatchedRows(storedKeys: summary.keys) ?? [],
            filesWithoutCSVRow: join.map { join in summary.orderedKeys.filter { !join.hasRow($0) } } ?? [],
            renamedCSVColumns: join?.renamedColumns ?? [:], shape: array.shape, dtype: array.dtype,
            compressor: job.options.compressor.lowercased(), compressionLevel: job.options.compressionLevel,
            shardShape: array.metadata.chunkShape, chunkShape: Self.innerShape(array),
            storedBytes: try array.storedBytes(), seconds: Date().timeIntervalSince(started))
        try writeAtomically(Array(JSONText.encode(report.json, indent: 2).utf8), to: paths.report)
        journal?.remove()
        return report
    }

    static func innerShape(_ array: ZarrArray) -> [Int] {
        array.metadata.codecs.first { $0.name == "sharding_indexed" }?.configuration["chunk_shape"]?.arrayValue?.compactMap(\.intValue)
            ?? array.metadata.chunkShape
    }

    // MARK: Arrays in memory

    func convert(images: NDArray, metadata: [JSONObject]?) throws -> ConversionReport {
        try validate()
        let started = Date()
        guard images.rank == 4 else {
            throw ImMetaIOError(.invalidArgument, "images must be N×C×H×W (4-D), not \(images.shape)")
        }
        if let metadata, metadata.count != images.shape[0] {
            throw ImMetaIOError(.invalidArgument, "\(metadata.count) metadata objects for \(images.shape[0]) images")
        }
        guard !options.resume else { throw ImMetaIOError(.invalidArgument, "an in-memory conversion cannot be resumed") }
        let paths = ConversionPaths(output: options.output)
        if ConversionJournal(store: paths.store).exists {
            throw ImMetaIOError(
                .invalidArgument, "an unfinished conversion is in this store: finish it with --resume first", file: paths.store)
        }
        let store = FileSystemStore(path: paths.store)
        let exists = Self.storeExists(paths.store)
        if options.append, !exists { throw ImMetaIOError(.missingFile, "cannot append: no store here", file: paths.store) }
        if exists, !options.append, !options.overwrite {
            throw ImMetaIOError(.invalidArgument, "the store exists: use --overwrite to replace it or --append to add to it", file: paths.store)
        }
        let chw = Array(images.shape.dropFirst())
        var array: ZarrArray
        if options.append {
            array = try ZarrArray.open(in: store, path: Self.arrayName)
            let stored = try Self.imageShape(of: array, store: paths.store)
            guard stored == chw else {
                throw ImMetaIOError(.invalidArgument, "cannot append images of \(chw) to a store of \(stored)", file: paths.store)
            }
        } else {
            try Self.clearForNewStore(paths.store, replacing: exists)
            try? FileManager.default.removeItem(atPath: paths.table)
            _ = try ZarrGroup.create(in: store, attributes: groupAttributes(folders: [], chw: chw, count: 0))
            array = try ZarrArray.create(
                in: store, path: Self.arrayName, metadata: arrayMetadata(chw: chw, dtype: options.dtype ?? images.dtype))
        }
        let startLength = array.shape[0]
        let existingTable = startLength > 0 ? try MetadataTable.existing(paths.table, rows: startLength) : nil
        let converted = PixelTransfer.clipped(images, to: array.dtype)
        let stream = try ZarrStreamWriter(
            array: array, maximumSlabsInFlight: options.slabsInFlight, commitsAutomatically: false,
            maximumLength: startLength + images.shape[0])
        let imageBytes = stream.itemByteCount
        let count = images.shape[0]
        var rows: [ConversionRow] = []
        rows.reserveCapacity(count)
        try converted.withUnsafeBytes { source in
            for index in 0..<count {
                let bytes = UnsafeRawBufferPointer(rebasing: source[(index * imageBytes)..<((index + 1) * imageBytes)])
                try stream.fill(startLength + index) { $0.copyMemory(from: bytes) }
                rows.append(ConversionRow(
                    index: startLength + index, path: "", key: "image_\(startLength + index)", format: "array", fileSize: 0,
                    shape: chw, dtype: images.dtype.rawValue, statistics: ImageStatistics.of(bytes, dtype: array.dtype), error: nil,
                    zeroFilled: false))
            }
        }
        try stream.finish(count: count, commit: false)
        let extra = metadata.map(MetadataTable.columns(from:)) ?? []
        let summary = try MetadataTable.write(
            existing: existingTable, slabs: [rows],
            extra: { group in
                // The metadata objects of these rows (they follow the images in order).
                let first = (group.first?.index ?? startLength) - startLength
                return extra.map { ParquetColumn($0.name, $0.values.rows(first..<(first + group.count))) }
            }, to: paths.table)
        try stream.commit(length: startLength + count)
        let job = JobRecord(inputs: [], folders: [], startLength: startLength, csv: nil, options: options)
        return try finish(
            job: job, array: stream.array, paths: paths, journal: ConversionJournal(store: paths.store), summary: summary, skipped: [],
            join: nil, started: started)
    }
}
