import Foundation
import ImMetaIO
import Parquet
import Testing
import Zarr
@testable import ImageConversion

/// Planned conversions: a plan, tasks that own whole shards, a finalize step.
@Suite(.serialized) struct DistributedConversionTests {
    /// Every stored value of the array `images` under `store`, by key.
    static func chunkFiles(_ store: String) throws -> [String: Data] {
        let folder = store + "/images/c"
        var files: [String: Data] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: folder))
        for case let name as String in walker {
            var directory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &directory), !directory.boolValue else { continue }
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    static func table(_ path: String) throws -> ParquetTable { try ParquetFileReader(path: path).readTable() }

    @Test func tasksSplitIntoWholeShards() {
        #expect(ConversionPlan.split(count: 23, slabLength: 4, requested: 3) == [0..<8, 8..<16, 16..<23])
        #expect(ConversionPlan.split(count: 23, slabLength: 4, requested: nil).count == 6)
        #expect(ConversionPlan.split(count: 5, slabLength: 4, requested: 8) == [0..<4, 4..<5])
        #expect(ConversionPlan.split(count: 3, slabLength: 100, requested: 4) == [0..<3])
    }

    @Test func aPlannedConversionInThreeTasksEqualsOneRun() throws {
        let root = try scratchFolder("planned")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let images = try FolderConversionTests.makeInputs(input, count: 23)
        try FolderConversionTests.writeCSV(root + "/meta.csv", names: images.keys.sorted())
        var options = ConversionOptions(output: root + "/whole.zarr")
        options.metadataCSV = root + "/meta.csv"
        options.shardShape = [4]
        options.compressor = "zstd"
        options.workers = 3
        _ = try convert(folders: [input], options: options)

        options.output = root + "/planned.zarr"
        let plan = try DistributedConversion.plan(folders: [input], options: options, tasks: 3, at: root + "/plan")
        #expect(plan.taskRanges == [0..<8, 8..<16, 16..<23] && plan.images == 23)
        // Tasks in any order, one of them twice.
        for task in [2, 0, 1, 0] { _ = try DistributedConversion.runTask(task, plan: root + "/plan", workers: 2) }
        let report = try DistributedConversion.finalize(plan: root + "/plan")
        #expect(report.total == 23 && report.unmatchedCSVRows.isEmpty)
        #expect(try Self.chunkFiles(root + "/whole.zarr") == Self.chunkFiles(root + "/planned.zarr"))
        let whole = try Self.table(root + "/whole_metadata.parquet"), planned = try Self.table(root + "/planned_metadata.parquet")
        for column in ["array_index", "filename", "mean_value", "score", "label", "flag"] {
            #expect(whole[column] == planned[column], "\(column)")
        }
        let array = try ZarrArray.open(in: FileSystemStore(path: root + "/planned.zarr"), path: "images")
        #expect(array.shape == [23, 3, 12, 16])
        // Finalizing again rewrites the same.
        #expect(try DistributedConversion.finalize(plan: root + "/plan").total == 23)
    }

    @Test func anInterruptedTaskRunAgainFinishesWithTheSameBytes() throws {
        let root = try scratchFolder("task-again")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        _ = try FolderConversionTests.makeInputs(input, count: 20)
        var options = ConversionOptions(output: root + "/whole.zarr")
        options.shardShape = [2]
        _ = try convert(folders: [input], options: options)
        options.output = root + "/planned.zarr"
        _ = try DistributedConversion.plan(folders: [input], options: options, tasks: 2, at: root + "/plan")
        let location = try PlanLocation(path: root + "/plan")
        #expect(throws: ImMetaIOError.self) {
            _ = try DistributedConversion.runTask(1, at: location, workers: 1, progress: nil, interruptAfterSlabs: 2)
        }
        _ = try DistributedConversion.runTask(0, plan: root + "/plan")
        // Finalize names the task that has not finished; the array stays empty meanwhile.
        do {
            _ = try DistributedConversion.finalize(plan: root + "/plan")
            Issue.record("finalize must refuse while task 1 is unfinished")
        } catch let error as ImMetaIOError {
            #expect(error.message.contains("1 of 2 tasks have not finished (1)"))
        }
        #expect(try ZarrArray.open(in: FileSystemStore(path: root + "/planned.zarr"), path: "images").shape[0] == 0)
        let again = try DistributedConversion.runTask(1, plan: root + "/plan")
        #expect(again.stored == 10 && !again.alreadyFinished)
        _ = try DistributedConversion.finalize(plan: root + "/plan")
        #expect(try Self.chunkFiles(root + "/whole.zarr") == Self.chunkFiles(root + "/planned.zarr"))
        // No temporary left behind by the interrupted task.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: root + "/planned.zarr").filter { $0.contains(".immetaio-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func aDamagedShardStopsTheFinalize() throws {
        let root = try scratchFolder("damaged")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        _ = try FolderConversionTests.makeInputs(input, count: 8)
        var options = ConversionOptions(output: root + "/planned.zarr")
        options.shardShape = [4]
        _ = try DistributedConversion.plan(folders: [input], options: options, tasks: 2, at: root + "/plan")
        for task in 0..<2 { _ = try DistributedConversion.runTask(task, plan: root + "/plan") }
        let shard = root + "/planned.zarr/images/c/1/0/0/0"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shard)))
        bytes[bytes.count - 3] ^= 0xFF  // inside the index: its CRC-32C no longer matches
        try Data(bytes).write(to: URL(fileURLWithPath: shard))
        do {
            _ = try DistributedConversion.finalize(plan: root + "/plan")
            Issue.record("a damaged shard must stop the finalize")
        } catch let error as ImMetaIOError {
            #expect(error.message.contains("1 shard(s) missing or damaged"))
        }
        try FileManager.default.removeItem(atPath: shard)
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.finalize(plan: root + "/plan") }
        #expect(try ZarrArray.open(in: FileSystemStore(path: root + "/planned.zarr"), path: "images").shape[0] == 0)
    }

    @Test func aFileFailingInAPlanIsZeroFilledAndFlaggedAcrossTasks() throws {
        let root = try scratchFolder("plan-failure")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for index in 0..<6 { try writeImage(testImage([6, 6], seed: index + 1), to: input + "/f\(index).png") }
        // The header reads; the pixels do not.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input + "/f1.png")))
        for index in 45..<(bytes.count - 16) { bytes[index] ^= 0x33 }
        try Data(bytes).write(to: URL(fileURLWithPath: input + "/f1.png"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: input + "/f9.png"))  // no header at all
        var options = ConversionOptions(output: root + "/planned.zarr")
        options.shardShape = [2]
        let plan = try DistributedConversion.plan(folders: [input], options: options, tasks: 3, at: root + "/plan")
        #expect(plan.images == 6 && plan.excluded.map(\.path) == [input + "/f9.png"])
        for task in 0..<3 { _ = try DistributedConversion.runTask(task, plan: root + "/plan") }
        let report = try DistributedConversion.finalize(plan: root + "/plan")
        #expect(report.total == 6)
        #expect(report.zeroFilled == [input + "/f1.png"])
        #expect(report.skipped.map(\.path) == [input + "/f9.png"])
        let table = try Self.table(root + "/planned_metadata.parquet")
        #expect(table["zero_filled"] == .boolean([false, true, false, false, false, false]))
    }

    @Test func planMistakesAreClearErrors() throws {
        let root = try scratchFolder("plan-errors")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        _ = try FolderConversionTests.makeInputs(input, count: 3)
        var options = ConversionOptions(output: root + "/planned.zarr")
        _ = try DistributedConversion.plan(folders: [input], options: options, tasks: 2, at: root + "/plan")
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.plan(folders: [input], options: options, at: root + "/plan") }
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.runTask(5, plan: root + "/plan") }
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.runTask(0, plan: root + "/nowhere") }
        options.append = true
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.plan(folders: [input], options: options, at: root + "/plan2") }
        // A changed input is refused by its task.
        options.append = false
        options.overwrite = true
        _ = try DistributedConversion.plan(folders: [input], options: options, at: root + "/plan")
        try writeImage(testImage([12, 16], seed: 99), to: input + "/frame_00.png")
        #expect(throws: ImMetaIOError.self) { _ = try DistributedConversion.runTask(0, plan: root + "/plan") }
    }
}
