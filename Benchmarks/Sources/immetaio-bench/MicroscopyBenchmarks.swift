import Foundation
import ImMetaIO
import Microscopy

/// Issue 21's microscopy benchmarks: TIFF stacks to OME-TIFF, CZI reads, OME-Zarr writes. Each
/// command prints one JSON object for Benchmarks/run.py.
enum MicroscopyBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "ome-tiff-convert": omeTIFFConvert, "czi-read": cziRead, "ome-zarr-write": omeZarrWrite, "zarr-rewrite": zarrRewrite,
    ]

    /// `ome-tiff-convert INDIR OUTDIR REPEATS`: every `.tif` of INDIR (sorted) opened with
    /// `openMicroscopyFile` and written to OUTDIR as `<stem>.ome.tif`, zlib level 6, one file
    /// after the other (each write compresses on every core). Prints the median seconds for all
    /// files and the total bytes written.
    @Sendable static func omeTIFFConvert(_ arguments: [String]) throws {
        guard arguments.count == 3, let repeats = Int(arguments[2]) else { throw Failure(description: "ome-tiff-convert INDIR OUTDIR REPEATS") }
        let (input, output) = (arguments[0], arguments[1])
        let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".tif") }.sorted()
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let outputs = names.map { "\(output)/\($0.prefix { $0 != "." }).ome.tif" }
        let removeOutputs = { for path in outputs { try? FileManager.default.removeItem(atPath: path) } }
        let seconds = try medianMilliseconds(repeats, setup: removeOutputs) {
            for (name, out) in zip(names, outputs) {
                let image = try openMicroscopyFile("\(input)/\(name)").image(scene: 0)
                try writeOMETIFF([image], to: out, options: OMETIFFWriteOptions(compression: .zlib, level: 6))
            }
        } / 1000
        let bytes = try outputs.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        print(#"{"seconds": \#(seconds), "files": \#(names.count), "bytes": \#(bytes)}"#)
    }

    /// `czi-read FILE REPEATS Y X SIZE [FULL.npy]`: scene 0 of a CZI file read whole, then a
    /// SIZE×SIZE window at (Y, X) of every plane and of the first plane only, each the median of
    /// REPEATS; with the subblocks and bytes of the file each window read (`CZIReadStatistics`).
    /// Writes the whole read to FULL.npy when given (for the harness to compare with the peers).
    @Sendable static func cziRead(_ arguments: [String]) throws {
        guard arguments.count >= 5, let repeats = Int(arguments[1]), let y = Int(arguments[2]), let x = Int(arguments[3]),
            let size = Int(arguments[4])
        else { throw Failure(description: "czi-read FILE REPEATS Y X SIZE [FULL.npy]") }
        let path = arguments[0]
        let openStart = DispatchTime.now().uptimeNanoseconds
        // The generic opener, as a user would call it; the CZI type for the read statistics.
        let opened = try openMicroscopyFile(path)
        let openSeconds = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e9
        guard let file = opened as? CZIFile else { throw Failure(description: "\(path) did not open as a CZI file (\(opened.formatName))") }
        let image = try file.image(scene: 0)
        var full = NDArray(shape: [0], dtype: .uint8)
        file.resetReadStatistics()
        let fullSeconds = try medianMilliseconds(repeats) {
            full = NDArray(shape: [0], dtype: .uint8)  // the previous result goes first, as the peers' does
            full = try image.read()
        } / 1000
        let fullStatistics = file.readStatistics
        if arguments.count > 5 { try writeImage(full, to: arguments[5]) }
        let shape = full.shape
        full = NDArray(shape: [0], dtype: .uint8)

        func window(_ region: MicroscopyRegion) throws -> (ms: Double, statistics: CZIReadStatistics) {
            file.resetReadStatistics()
            _ = try image.read(region)
            let statistics = file.readStatistics
            let ms = try medianMilliseconds(repeats) { _ = try image.read(region) }
            return (ms, statistics)
        }
        let all = try window(MicroscopyRegion(y: y..<(y + size), x: x..<(x + size)))
        let one = try window(MicroscopyRegion(t: 0..<1, z: 0..<1, c: 0..<1, y: y..<(y + size), x: x..<(x + size)))
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let result: [String: Any] = [
            "axes": image.metadata.axesString, "shape": shape, "open_s": openSeconds, "full_s": fullSeconds,
            "full_subblocks": fullStatistics.subblocksRead / max(repeats, 1), "full_bytes": fullStatistics.bytesRead / max(repeats, 1),
            "window_all_ms": all.ms, "window_all_subblocks": all.statistics.subblocksRead, "window_all_bytes": all.statistics.bytesRead,
            "window_one_ms": one.ms, "window_one_subblocks": one.statistics.subblocksRead, "window_one_bytes": one.statistics.bytesRead,
            "subblocks": file.scenes[0].subblocks.count, "file_bytes": fileBytes,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// `ome-zarr-write IN OUT LEVELS TILE SHARDED`: scene 0 of IN written as OME-Zarr 0.5 through
    /// the library (zstd 3, TILE² chunks, shards of 8×8 chunks unless SHARDED is 0). Prints the
    /// seconds, this process's peak RSS and the bytes stored.
    @Sendable static func omeZarrWrite(_ arguments: [String]) throws {
        guard arguments.count == 5, let levels = Int(arguments[2]), let tile = Int(arguments[3]) else {
            throw Failure(description: "ome-zarr-write IN OUT LEVELS TILE SHARDED")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let image = try openMicroscopyFile(arguments[0]).image(scene: 0)
        let options = OMEZarrWriteOptions(
            chunkShape: [1, 1, 1, tile, tile], sharded: arguments[4] != "0", compression: .zstd(level: 3), levelCount: levels, overwrite: true)
        try OMEZarrWriter(options: options).write(image, to: arguments[1])
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(#"{"seconds": \#(seconds), "peak_rss_mb": \#(processMemoryMegabytes("VmHWM")), "bytes": \#(try folderBytes(arguments[1]))}"#)
    }

    /// `zarr-rewrite SRC DST LEVELS`: the floor of an OME-Zarr write by our Zarr engine. Each level
    /// array `0`…`LEVELS-1` of SRC is read into memory (not timed) and written to a fresh array of
    /// DST with the same metadata (chunks, shards, codecs): compressing and storing the same bytes,
    /// without reading the source image or computing the pyramid. Prints the summed write seconds.
    @Sendable static func zarrRewrite(_ arguments: [String]) throws {
        guard arguments.count == 3, let levels = Int(arguments[2]) else { throw Failure(description: "zarr-rewrite SRC DST LEVELS") }
        let source = FileSystemStore(path: arguments[0])
        let destination = FileSystemStore(path: arguments[1])
        var seconds = 0.0
        for level in 0..<levels {
            let array = try ZarrArray.open(in: source, path: String(level))
            let data = try array.read()
            let start = DispatchTime.now().uptimeNanoseconds
            let copy = try ZarrArray.create(in: destination, path: String(level), metadata: array.metadata, overwrite: true)
            try copy.write(data)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        print(#"{"seconds": \#(seconds), "bytes": \#(try folderBytes(arguments[1]))}"#)
    }

    /// The bytes of every file under a folder.
    static func folderBytes(_ path: String) throws -> Int {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(path)/\(name)")
            if attributes[.type] as? FileAttributeType == .typeRegular { total += (attributes[.size] as? Int) ?? 0 }
        }
        return total
    }
}
