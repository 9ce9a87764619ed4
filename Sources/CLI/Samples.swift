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

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--n must be 1 or more") }
            if let indices {
                let parts = indices.split(separator: ",", omittingEmptySubsequences: false)
                guard !parts.isEmpty, parts.allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)) != nil }) else {
                    throw ValidationError("--indices takes comma-separated integers, not '\(indices)'")
                }
            }
        }

        func run() throws {
            let list = indices.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
            try reportingErrors {
                let sheet = try SampleSheet.render(store: store, count: count, seed: seed, indices: list)
                try writeImage(sheet, to: out, registry: registry)
                print("\(out): \(sheet.shape[1])×\(sheet.shape[0]) sheet of \(list?.count ?? count) images")
            }
        }
    }
}
