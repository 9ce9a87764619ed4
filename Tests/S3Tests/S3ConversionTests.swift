import Foundation
import ImMetaIO
import ImageConversion
import S3
import Testing
import Zarr

/// Conversions into an S3 store: in one process (`--out s3://…`) and as a plan whose tasks and
/// records live on the server too.
@Suite(.enabled(if: S3TestServer.current != nil, S3TestServer.skipMessage), .serialized)
struct S3ConversionTests {
    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "immetaio-s3-conversion-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/in", withIntermediateDirectories: true)
        for index in 0..<13 {
            let values = (0..<(10 * 12 * 3)).map { UInt8(truncatingIfNeeded: $0 * (index + 3) + index) }
            try writeImage(try NDArray(values, shape: [10, 12, 3]), to: path + "/in/f\(index).png")
        }
        let csv = "filename,score\n" + (0..<13).reversed().map { "f\($0).png,\($0 * 2)" }.joined(separator: "\n") + "\n"
        try csv.write(toFile: path + "/meta.csv", atomically: true, encoding: .utf8)
        return path
    }

    static func images(_ store: String) throws -> NDArray {
        let array = try ZarrArray.open(in: try ZarrStoreLocation.store(for: store), path: "images")
        return try array.read(start: array.shape.map { _ in 0 }, shape: array.shape)
    }

    @Test func foldersConvertIntoAnS3StoreInOneProcessAndAsAPlan() throws {
        let server = try #require(S3TestServer.current)
        S3Store.registerScheme(configuration: server.configuration())
        let local = try Self.folder("convert")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let base = "s3://\(server.bucket)/\(S3TestServer.uniquePrefix("convert"))"
        var options = ConversionOptions(output: local + "/local.zarr")
        options.metadataCSV = local + "/meta.csv"
        options.shardShape = [4]
        let expected = try Self.images(try convert(folders: [local + "/in"], options: options).paths.store)

        options.output = base + "single.zarr"
        let single = try convert(folders: [local + "/in"], options: options)
        #expect(single.total == 13 && single.paths.table == base + "single_metadata.parquet")
        #expect(try Self.images(base + "single.zarr") == expected)
        // Its hidden plan is gone; the table and report are beside the store.
        #expect(try BlockingStore(S3Store(url: base + "single.zarr", configuration: server.configuration())).list(prefix: ".immetaio-convert/").isEmpty)
        let summary = try StoreSummary.inspect(base + "single.zarr")
        #expect(summary.imageCount == 13 && summary.tableRows == 13 && summary.shardCount == 4)

        options.output = base + "planned.zarr"
        let plan = base + "plans/planned"
        let made = try DistributedConversion.plan(folders: [local + "/in"], options: options, tasks: 3, at: plan)
        #expect(made.taskRanges == [0..<4, 4..<8, 8..<13])
        for task in [1, 2, 0] { _ = try DistributedConversion.runTask(task, plan: plan) }
        let report = try DistributedConversion.finalize(plan: plan)
        #expect(report.total == 13 && report.unmatchedCSVRows.isEmpty)
        #expect(try Self.images(base + "planned.zarr") == expected)
        #expect(try StoreSummary.inspect(base + "planned.zarr").tableRows == 13)
    }
}
