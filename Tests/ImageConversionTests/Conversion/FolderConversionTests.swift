import Foundation
import ImMetaIO
import Parquet
import Testing
import Zarr
@testable import ImageConversion

/// A fresh folder under the system's temporary directory.
func scratchFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "immetaio-conversion-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A deterministic uint8 image of `shape` (H×W or H×W×C).
func testImage(_ shape: [Int], seed: Int) throws -> NDArray {
    let count = shape.reduce(1, *)
    let values = (0..<count).map { UInt8(truncatingIfNeeded: ($0 * 7 + seed * 31 + ($0 / 5) * seed) % 251) }
    return try NDArray(values, shape: shape)
}

/// `image` as it is stored: C×H×W with `channels` channels (grey replicated).
func storedForm(_ image: NDArray, channels: Int) throws -> NDArray {
    let (height, width) = (image.shape[0], image.shape[1])
    let source = image.scalars(as: UInt8.self)
    let sourceChannels = image.rank == 3 ? image.shape[2] : 1
    var out = [UInt8](repeating: 0, count: channels * height * width)
    for c in 0..<channels {
        for pixel in 0..<(height * width) {
            out[c * height * width + pixel] = source[pixel * sourceChannels + (sourceChannels == 1 ? 0 : c)]
        }
    }
    return try NDArray(out, shape: [channels, height, width])
}

@Suite(.serialized) struct FolderConversionTests {
    /// 11 images: grey and RGB PNGs, RGB NPYs; a CSV in shuffled order with one row too many and one too few.
    static func makeInputs(_ folder: String, count: Int = 11, size: [Int] = [12, 16]) throws -> [String: NDArray] {
        var images: [String: NDArray] = [:]
        for index in 0..<count {
            let name: String
            let image: NDArray
            switch index % 3 {
            case 0: (name, image) = (String(format: "frame_%02d.png", index), try testImage(size, seed: index))
            case 1: (name, image) = (String(format: "frame_%02d.png", index), try testImage(size + [3], seed: index))
            default: (name, image) = (String(format: "frame_%02d.npy", index), try testImage(size + [3], seed: index))
            }
            try writeImage(image, to: folder + "/" + name)
            images[name] = image
        }
        return images
    }

    static func writeCSV(_ path: String, names: [String]) throws {
        var lines = ["filename,score,label,flag"]
        for (offset, name) in names.enumerated().reversed() {
            lines.append("\(name),\(offset * 10),\"label, \(name)\",\(offset % 2 == 0 ? "True" : "False")")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func foldersBecomeOneShardedArrayWithAJoinedTable() throws {
        let root = try scratchFolder("basic")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let images = try Self.makeInputs(input)
        let names = images.keys.sorted()
        // The CSV lacks the last file and names one that does not exist.
        try Self.writeCSV(root + "/meta.csv", names: Array(names.dropLast()) + ["ghost.png"])
        var options = ConversionOptions(output: root + "/out")
        options.metadataCSV = root + "/meta.csv"
        options.shardShape = [4]
        options.workers = 3
        let report = try convert(folders: [input], options: options)
        #expect(report.paths.store == root + "/out/meta.zarr")
        #expect(report.stored == 11 && report.total == 11 && report.skipped.isEmpty)
        #expect(report.unmatchedCSVRows == ["ghost.png"])
        #expect(report.filesWithoutCSVRow == [names.last ?? ""])

        let array = try ZarrArray.open(in: FileSystemStore(path: report.paths.store), path: "images")
        #expect(array.shape == [11, 3, 12, 16] && array.dtype == .uint8)
        #expect(array.metadata.chunkShape == [4, 3, 12, 16])
        for (index, name) in names.enumerated() {
            let stored = try array.read(start: [index, 0, 0, 0], shape: [1, 3, 12, 16]).reshaped([3, 12, 16])
            let image = try #require(images[name])
            #expect(stored == (try storedForm(image, channels: 3)), "\(name)")
        }
        let shards = try FileManager.default.contentsOfDirectory(atPath: report.paths.store + "/images/c")
        #expect(shards.count == 3)

        let table = try ParquetFileReader(path: report.paths.table).readTable()
        #expect(table.rowCount == 11)
        #expect(table["filename"] == .string(names))
        #expect(table["array_index"] == .int64((0..<11).map { Int64($0) }))
        // Joined by name: score is the CSV row's offset × 10 whatever the CSV's order.
        let expectedScores: [Int64?] = names.enumerated().map { $0.offset < 10 ? Int64($0.offset * 10) : nil }
        #expect(table["score"] == .int64(expectedScores))
        #expect(table["label"] == .string(names.enumerated().map { $0.offset < 10 ? "label, \($0.element)" : nil }))
        #expect(table["flag"] == .boolean(names.enumerated().map { $0.offset < 10 ? $0.offset % 2 == 0 : nil }))
        #expect(table["dtype"] == .string(Array(repeating: "uint8", count: 11)))
        guard case .double(let means)? = table["mean_value"] else {
            Issue.record("no mean_value column")
            return
        }
        let firstMean = try storedForm(#require(images[names[0]]), channels: 3).scalars(as: UInt8.self).reduce(0.0) { $0 + Double($1) } / 576
        #expect(abs((means[0] ?? 0) - firstMean) < 1e-9)

        let group = try ZarrGroup.open(in: FileSystemStore(path: report.paths.store))
        #expect(group.attributes["total_images"] == 11)
        #expect(!FileManager.default.fileExists(atPath: report.paths.store + "/.immetaio-convert"))
        let summary = try StoreSummary.inspect(report.paths.store)
        #expect(summary.imageCount == 11 && summary.tableMatchesArray && summary.shardCount == 3)
        #expect(summary.formats.map(\.name).sorted() == ["NPY", "PNG"])
    }

    @Test func mixedSizesAreAnErrorNamingTheFilesUnlessResized() throws {
        let root = try scratchFolder("sizes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for index in 0..<4 { try writeImage(testImage([10, 10], seed: index), to: input + "/a\(index).png") }
        try writeImage(testImage([8, 9], seed: 9), to: input + "/odd.png")
        let options = ConversionOptions(output: root + "/out")
        do {
            _ = try convert(folders: [input], options: options)
            Issue.record("mixed sizes accepted")
        } catch let error as ImMetaIOError {
            #expect(error.message.contains("odd.png") && error.message.contains("8×9") && error.message.contains("10×10"))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/out/images.zarr"))
        var resized = options
        resized.resize = [10, 10]
        let report = try convert(folders: [input], options: resized)
        #expect(report.shape == [5, 1, 10, 10])
    }

    @Test(arguments: [DecodeErrorPolicy.skip, .zeros, .fail])
    func aFileThatFailsToDecodeFollowsThePolicy(_ policy: DecodeErrorPolicy) throws {
        let root = try scratchFolder("errors")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for index in 0..<5 { try writeImage(testImage([10, 10, 3], seed: index), to: input + "/a\(index).png") }
        // A PNG whose header is intact but whose pixel data is damaged: it fails only when decoded.
        var whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input + "/a2.png")))
        for index in 60..<(whole.count - 20) { whole[index] ^= 0x5A }
        try Data(whole).write(to: URL(fileURLWithPath: input + "/a2.png"))
        var options = ConversionOptions(output: root + "/out.zarr")
        options.onError = policy
        options.shardShape = [2]
        switch policy {
        case .skip:
            let report = try convert(folders: [input], options: options)
            #expect(report.stored == 4 && report.skipped.map(\.path) == [input + "/a2.png"])
            let table = try ParquetFileReader(path: report.paths.table).readTable()
            #expect(table["filename"] == .string(["a0.png", "a1.png", "a3.png", "a4.png"]))
        case .zeros:
            let report = try convert(folders: [input], options: options)
            #expect(report.stored == 5 && report.zeroFilled == [input + "/a2.png"])
            let array = try ZarrArray.open(in: FileSystemStore(path: report.paths.store), path: "images")
            #expect(try array.read(start: [2, 0, 0, 0], shape: [1, 3, 10, 10]).scalars(as: UInt8.self).allSatisfy { $0 == 0 })
            let table = try ParquetFileReader(path: report.paths.table).readTable()
            #expect(table["zero_filled"] == .boolean([false, false, true, false, false]))
        case .fail:
            do {
                _ = try convert(folders: [input], options: options)
                Issue.record("a damaged file was accepted")
            } catch let error as ImMetaIOError {
                #expect(error.description.contains("a2.png"))
            }
            // The store is left valid: it opens at a committed length, with the journal to resume from.
            let array = try ZarrArray.open(in: FileSystemStore(path: root + "/out.zarr"), path: "images")
            #expect(array.shape[0] <= 2)
            #expect(FileManager.default.fileExists(atPath: root + "/out.zarr/.immetaio-convert/job.json"))
            // A header that cannot be read stops the conversion before the store is made.
            try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: input + "/a2.png"))
            var fresh = options
            fresh.output = root + "/other.zarr"
            #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [input], options: fresh) }
            #expect(!FileManager.default.fileExists(atPath: root + "/other.zarr"))
        }
    }

    @Test func appendGrowsTheArrayAndTheTableAndRecordsHistory() throws {
        let root = try scratchFolder("append")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = root + "/first", second = root + "/second"
        for folder in [first, second] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for index in 0..<5 { try writeImage(testImage([8, 8, 3], seed: index), to: first + "/f\(index).png") }
        for index in 0..<4 { try writeImage(testImage([8, 8, 3], seed: 50 + index), to: second + "/s\(index).png") }
        var options = ConversionOptions(output: root + "/store.zarr")
        options.shardShape = [3]
        _ = try convert(folders: [first], options: options)
        var append = options
        append.append = true
        let report = try convert(folders: [second], options: append)
        #expect(report.total == 9 && report.stored == 4)
        let array = try ZarrArray.open(in: FileSystemStore(path: root + "/store.zarr"), path: "images")
        #expect(array.shape == [9, 3, 8, 8])
        #expect(try array.read(start: [5, 0, 0, 0], shape: [1, 3, 8, 8]).reshaped([3, 8, 8]) == storedForm(testImage([8, 8, 3], seed: 50), channels: 3))
        #expect(try array.read(start: [4, 0, 0, 0], shape: [1, 3, 8, 8]).reshaped([3, 8, 8]) == storedForm(testImage([8, 8, 3], seed: 4), channels: 3))
        let history = try ZarrGroup.open(in: FileSystemStore(path: root + "/store.zarr")).attributes["append_history"]
        #expect(history == [["appended_count": 4, "start_index": 5, "end_index": 9]])
        let table = try ParquetFileReader(path: root + "/store_metadata.parquet").readTable()
        #expect(table["array_index"] == .int64((0..<9).map { Int64($0) }))
        // Wrong size, and append with overwrite.
        let wrong = root + "/wrong"
        try FileManager.default.createDirectory(atPath: wrong, withIntermediateDirectories: true)
        try writeImage(testImage([9, 8, 3], seed: 1), to: wrong + "/w.png")
        #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [wrong], options: append) }
        var both = append
        both.overwrite = true
        #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [second], options: both) }
        #expect(try ZarrArray.open(in: FileSystemStore(path: root + "/store.zarr"), path: "images").shape[0] == 9)
    }

    @Test func anInterruptedConversionResumesToTheSameBytes() throws {
        let root = try scratchFolder("resume")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        _ = try Self.makeInputs(input, count: 23)
        var options = ConversionOptions(output: root + "/whole.zarr")
        options.shardShape = [4]
        options.compressor = "zstd"
        options.compressionLevel = 5
        options.workers = 4
        _ = try convert(folders: [input], options: options)

        var interrupted = options
        interrupted.output = root + "/resumed.zarr"
        interrupted.interruptAfterSlabs = 3
        interrupted.checkpointInterval = 0
        #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [input], options: interrupted) }
        // What a crash leaves: an array at a committed length with a table that matches it.
        let partial = try StoreSummary.inspect(root + "/resumed.zarr")
        #expect(partial.imageCount % 4 == 0 && partial.imageCount <= 12)
        #expect(partial.tableRows == nil || partial.tableMatchesArray)
        #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [input], options: ConversionOptions(output: root + "/resumed.zarr")) }

        var resume = ConversionOptions(output: root + "/resumed.zarr")
        resume.resume = true
        let report = try convert(folders: [], options: resume)
        #expect(report.total == 23)
        for shard in 0..<6 {
            let whole = try Data(contentsOf: URL(fileURLWithPath: root + "/whole.zarr/images/c/\(shard)/0/0/0"))
            let resumed = try Data(contentsOf: URL(fileURLWithPath: root + "/resumed.zarr/images/c/\(shard)/0/0/0"))
            #expect(whole == resumed, "shard \(shard)")
        }
        let tableA = try ParquetFileReader(path: root + "/whole_metadata.parquet").readTable()
        let tableB = try ParquetFileReader(path: root + "/resumed_metadata.parquet").readTable()
        #expect(tableA["filename"] == tableB["filename"] && tableA["mean_value"] == tableB["mean_value"])
    }

    @Test(arguments: [1, 2])
    func aFileSkippedBetweenShardsIsReportedOnceAfterAResume(_ slabsBeforeTheCrash: Int) throws {
        let root = try scratchFolder("skip-resume")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for index in 0..<7 { try writeImage(testImage([6, 6], seed: index), to: input + "/f\(index).png") }
        // The third file fails to decode right after the first shard of two images is full.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input + "/f2.png")))
        for index in 45..<(bytes.count - 16) { bytes[index] ^= 0x33 }
        try Data(bytes).write(to: URL(fileURLWithPath: input + "/f2.png"))
        var options = ConversionOptions(output: root + "/out.zarr")
        options.shardShape = [2]
        options.workers = 1
        options.checkpointInterval = 0
        options.interruptAfterSlabs = slabsBeforeTheCrash
        #expect(throws: ImMetaIOError.self) { _ = try convert(folders: [input], options: options) }
        var resume = ConversionOptions(output: root + "/out.zarr")
        resume.resume = true
        let report = try convert(folders: [], options: resume)
        #expect(report.total == 6)
        #expect(report.skipped.map(\.path) == [input + "/f2.png"])
    }

    /// What a kill before the job was recorded leaves: the store folder and an empty journal
    /// folder. Nothing resumes; a plain run starts the conversion again.
    @Test func aConversionKilledBeforeItsJobWasRecordedStartsAgain() throws {
        let root = try scratchFolder("killed-early")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        _ = try Self.makeInputs(input, count: 3)
        try FileManager.default.createDirectory(atPath: root + "/out.zarr/.immetaio-convert", withIntermediateDirectories: true)
        var resume = ConversionOptions(output: root + "/out.zarr")
        resume.resume = true
        do {
            _ = try convert(folders: [], options: resume)
            Issue.record("nothing was recorded: a resume must refuse")
        } catch let error as ImMetaIOError {
            #expect(error.message.contains("without --resume"))
        }
        let report = try convert(folders: [input], options: ConversionOptions(output: root + "/out.zarr"))
        #expect(report.total == 3)
    }

    @Test func arraysInMemoryConvertAndAppendWithTheirMetadata() throws {
        let root = try scratchFolder("memory")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let images = try testImage([6, 2, 5, 7], seed: 3)
        var options = ConversionOptions(output: root)
        options.dtype = .uint16
        let metadata: [JSONObject] = (0..<6).map { ["object_id": .int($0), "ra": .double(Double($0) / 2), "note": $0 == 2 ? .null : "ok"] }
        let report = try convert(images: images, metadata: metadata, options: options)
        #expect(report.shape == [6, 2, 5, 7] && report.dtype == .uint16)
        let array = try ZarrArray.open(in: FileSystemStore(path: root + "/images.zarr"), path: "images")
        #expect(try array.read() == images.astype(.uint16))
        let table = try ParquetFileReader(path: root + "/images_metadata.parquet").readTable()
        #expect(table["object_id"] == .int64((0..<6).map { Int64($0) }))
        #expect(table["note"] == .string(["ok", "ok", nil, "ok", "ok", "ok"]))
        var append = options
        append.append = true
        _ = try convert(images: images, options: append)
        #expect(try ZarrArray.open(in: FileSystemStore(path: root + "/images.zarr"), path: "images").shape[0] == 12)
        #expect(throws: ImMetaIOError.self) { _ = try convert(images: testImage([2, 2, 5, 6], seed: 1), options: append) }
    }
}
