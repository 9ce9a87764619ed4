import ArgumentParser
import ImMetaIOVideo
import ImageConversion

extension ImMetaIOCommand {
    /// `immetaio inspect STORE`: a converted store's summary.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a store made by convert: images, size, shape, dtype, compression, formats and dtypes of the sources.")

        @Argument(help: "The store (….zarr).")
        var store: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let summary = try reportingErrors { try StoreSummary.inspect(store) }
            print(json ? JSONText.encode(summary.json, indent: 2) : summary.text)
        }
    }
}
