import ArgumentParser
import Foundation
import ImMetaIOVideo
import ImageConversion

extension ImMetaIOCommand {
    /// `immetaio convert FOLDER… --out DIR`: images into one sharded Zarr v3 array with a Parquet table.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert image folders into one sharded Zarr v3 array (N×C×H×W) with a Parquet table (images_to_zarr's flags).")

        @Argument(help: "Folders (or files) holding the images.")
        var folders: [String] = []
        @Option(help: "The store (….zarr, or s3://bucket/….zarr) or the folder that receives <CSV stem or images>.zarr.")
        var out: String?
        @Option(help: "A CSV with a 'filename' column, joined onto the table by name.")
        var metadata: String?
        @Flag(help: "Search sub-folders too.")
        var recursive = false
        @Option(help: "Threads decoding images.")
        var workers = 8
        @Option(help: "FITS HDU: an index, an EXTNAME, or a comma-separated list stacked as channels.")
        var fitsExt: String?
        @Option(help: "Inner chunk shape N,H,W or N,C,H,W (default: one image per chunk).")
        var chunkShape: String?
        @Option(help: "Shard shape N, N,H,W or N,C,H,W (default: whole images, about 64 MiB uncompressed).")
        var shardShape: String?
        @Option(help: "lz4, lz4hc, blosclz, snappy, blosc, blosc-zstd, blosc-zlib, zstd, gzip, zlib or none.")
        var compressor = "lz4"
        @Option(help: "Compression level (the codec's whole range).")
        var clevel = 1
        @Option(help: "Resize every image to HEIGHT,WIDTH.")
        var resize: String?
        @Option(help: "Resize spline order: 0 nearest, 1 linear … 5 quintic.")
        var interpolationOrder = 1
        @Option(help: "The stored dtype (uint8, int16, float32 …); values are clipped to its range.")
        var dtype: String?
        @Option(help: "A file that fails to decode: skip (leave out), zeros (store zeros, flagged) or fail.")
        var onError = "skip"
        @Flag(help: "Replace an existing store.")
        var overwrite = false
        @Flag(help: "Append to an existing store.")
        var append = false
        @Flag(help: "Finish an interrupted conversion into --out: its recorded inputs and settings are used (--workers still applies).")
        var resume = false
        @Option(help: "A plan (folder or s3:// URL): with FOLDER… and --out, make it; with --task or --finalize, run it.")
        var plan: String?
        @Option(help: "With --plan: how many tasks to split the work into (default: one per shard).")
        var tasks: Int?
        @Option(help: "With --plan: run this task ($SLURM_ARRAY_TASK_ID, $JOB_COMPLETION_INDEX).")
        var task: Int?
        @Flag(help: "With --plan: check every task's shards, write the table and the array's final shape.")
        var finalize = false
        @Flag(help: "Print the report as JSON.")
        var json = false
        @Flag(help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if append && overwrite { throw ValidationError("--append and --overwrite exclude each other") }
            if task != nil || finalize {
                guard plan != nil else { throw ValidationError("--task and --finalize run a plan: give --plan PLAN") }
                if task != nil && finalize { throw ValidationError("--task and --finalize exclude each other") }
                if !folders.isEmpty || out != nil || tasks != nil {
                    throw ValidationError("--task and --finalize take the folders, --out and --tasks from the plan: give neither")
                }
                if let task, task < 0 { throw ValidationError("--task must be 0 or more, not \(task)") }
                return
            }
            if tasks != nil && plan == nil { throw ValidationError("--tasks goes with --plan") }
            if let tasks, tasks < 1 { throw ValidationError("--tasks must be 1 or more, not \(tasks)") }
            if out == nil { throw ValidationError("give the store with --out") }
            if resume {
                // The recorded job decides the bytes: a setting given now would be silently ignored.
                let given = [
                    ("--metadata", metadata != nil), ("--recursive", recursive), ("--fits-ext", fitsExt != nil),
                    ("--chunk-shape", chunkShape != nil), ("--shard-shape", shardShape != nil), ("--compressor", compressor != "lz4"),
                    ("--clevel", clevel != 1), ("--resize", resize != nil), ("--interpolation-order", interpolationOrder != 1),
                    ("--dtype", dtype != nil), ("--on-error", onError != "skip"), ("--plan", plan != nil),
                ].filter(\.1).map(\.0)
                if !given.isEmpty {
                    throw ValidationError(
                        "--resume finishes the recorded job with its own settings; \(given.joined(separator: ", ")) cannot change them "
                            + "(give --out, and --workers, --json or --quiet if you like)")
                }
            }
            if !resume && folders.isEmpty { throw ValidationError("give the folders to convert (or --resume)") }
            guard DecodeErrorPolicy(rawValue: onError) != nil else {
                throw ValidationError("--on-error must be skip, zeros or fail, not '\(onError)'")
            }
            guard (0...5).contains(interpolationOrder) else { throw ValidationError("--interpolation-order must be 0…5") }
            if let dtype, DType(rawValue: dtype) == nil {
                throw ValidationError("--dtype '\(dtype)' is not one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for (flag, value) in [("--chunk-shape", chunkShape), ("--shard-shape", shardShape), ("--resize", resize)] {
                if let value { _ = try Self.sizes(value, flag: flag) }
            }
            if let fitsExt, fitsExt.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw ValidationError("--fits-ext takes an index, an EXTNAME or a comma-separated list of them, not '\(fitsExt)'")
            }
        }

        /// This process's peak resident memory and bytes written (Linux `/proc`; empty elsewhere),
        /// for benchmarks and capacity planning.
        static func processFigures() -> JSONValue {
            func field(_ file: String, _ name: String, scale: Int) -> JSONValue {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
                    let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
                else { return .null }
                return .int(value * scale)
            }
            return [
                "peak_rss_bytes": field("/proc/self/status", "VmHWM", scale: 1024),
                "bytes_written": field("/proc/self/io", "wchar", scale: 1),
            ]
        }

        /// Comma-separated positive integers; anything else names the flag.
        static func sizes(_ text: String, flag: String) throws -> [Int] {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap { Int($0) }
            guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("\(flag) takes comma-separated positive integers, not '\(text)'")
            }
            return values
        }

        func run() throws {
            let progress = ProgressLine(enabled: !quiet && !json && isatty(STDERR_FILENO) == 1, unit: "images")
            let onProgress: @Sendable (ConversionProgress) -> Void = { progress.update(done: $0.done, total: $0.total, elapsed: $0.elapsed) }
            if let plan, let task {
                let report = try reportingErrors { try DistributedConversion.runTask(task, plan: plan, workers: workers, progress: onProgress) }
                progress.finish()
                printResult(report.json, report.summary)
                return
            }
            if let plan, finalize {
                let report = try reportingErrors { try DistributedConversion.finalize(plan: plan) }
                printResult(report.json, report.summary)
                return
            }
            var options = ConversionOptions(output: out ?? "")
            options.metadataCSV = metadata
            options.recursive = recursive
            options.workers = workers
            options.fitsExtensions = fitsExt.map { $0.split(separator: ",").map { FITSExtension(parsing: String($0)) } } ?? []
            options.chunkShape = try chunkShape.map { try Self.sizes($0, flag: "--chunk-shape") }
            options.shardShape = try shardShape.map { try Self.sizes($0, flag: "--shard-shape") }
            options.compressor = compressor
            options.compressionLevel = clevel
            options.resize = try resize.map { try Self.sizes($0, flag: "--resize") }
            options.interpolationOrder = interpolationOrder
            options.dtype = dtype.flatMap(DType.init(rawValue:))
            options.onError = DecodeErrorPolicy(rawValue: onError) ?? .skip
            options.overwrite = overwrite
            options.append = append
            options.resume = resume
            options.progress = onProgress
            if let plan {
                let made = try reportingErrors { try DistributedConversion.plan(folders: folders, options: options, tasks: tasks, at: plan) }
                printResult(made.json, made.summary)
                return
            }
            let report = try reportingErrors { try convert(folders: folders, options: options) }
            progress.finish()
            printResult(report.json, report.summary)
        }

        /// The result as JSON (with this process's figures) or as the summary, unless quiet.
        private func printResult(_ result: JSONValue, _ summary: String) {
            if json {
                var output = result.objectValue ?? [:]
                output["process"] = Self.processFigures()
                print(JSONText.encode(.object(output), indent: 2))
            } else if !quiet {
                print(summary)
            }
        }
    }
}
