import ArgumentParser
import ImMetaIOVideo
import ImageConversion

extension ImMetaIOCommand {
    /// `immetaio samples STORE --n 6 --out grid.png`: a labelled grid of images from a store.
    struct Samples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a grid of images from a store made by convert, each stretched between its own percentiles.")

        @Argument(help: "The store (….zarr).")
        var store: String
        @Option(name: .customLong("n"), help: "How many images to pick at random.")
        var count = 6
        @Option(help: "The image file to write (its extension picks the format).")
        var out: String
        @Option(help: "Seed of the random pick.")
        var seed: UInt64 = 0
        @Option(help: "Comma-separated indices to draw instead of a random pick (negative ones count from the end).")
        var indices: String?
        @Flag(help: "Print a JSON report instead of text.")
        var json = false

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--n must be 1 or more") }
            if let indices { _ = try Arguments.integers(indices, flag: "--indices") }
        }

        func run() throws {
            let list = try indices.map { try Arguments.integers($0, flag: "--indices") }
            try reportingErrors {
                let sheet = try SampleSheet.render(store: store, count: count, seed: seed, indices: list)
                try writeImage(sheet, to: out, registry: registry)
                if json {
                    StandardOutput.printJSON([
                        "output": .string(out), "width": .int(sheet.shape[1]), "height": .int(sheet.shape[0]),
                        "images": .int(list?.count ?? count),
                    ])
                } else {
                    print("\(out): \(sheet.shape[1])×\(sheet.shape[0]) sheet of \(list?.count ?? count) images")
                }
            }
        }
    }
}
