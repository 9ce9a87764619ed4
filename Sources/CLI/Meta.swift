import ArgumentParser
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio meta FILE…`: the metadata sidecar of each image (or the JSON file itself).
    struct Meta: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the metadata sidecar (<stem>.json) of images saved with their metadata.")

        @Argument(help: "Images, or their .json sidecars.")
        var files: [String]

        func run() throws {
            for path in files {
                try reportingErrors {
                    let metadata = try loadMetadata(from: path)
                    if files.count > 1 { print("\(path):") }
                    print(SidecarJSON.encode(metadata), terminator: "")
                }
            }
        }
    }
}
