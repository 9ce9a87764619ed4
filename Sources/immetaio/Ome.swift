import ArgumentParser
import Microscopy

extension ImMetaIOCommand {
    /// `immetaio ome …`: microscopy files as TZCYX images with their OME metadata.
    struct Ome: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Microscopy files (OME-TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr) as TZCYX images with OME metadata.",
            subcommands: [OmeInfo.self])
    }

    /// `immetaio ome info FILE…`: axes, shape, physical sizes, channels and provenance of every scene.
    struct OmeInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Print the axes, shape, physical sizes, channels and levels of every scene of microscopy files.")

        @Argument(help: "Microscopy files or folders (OME-Zarr stores, Thorlabs acquisitions).")
        var files: [String]

        @Option(help: "Describe only this scene (0-based).")
        var scene: Int?

        @Flag(help: "Print JSON (one object per file; an array for several files).")
        var json = false

        @Flag(help: "Include the vendor's raw metadata (annotations) in the text output.")
        var annotations = false

        func validate() throws {
            if let scene, scene < 0 { throw ValidationError("--scene must be 0 or more") }
        }

        func run() throws {
            var reports: [JSONValue] = []
            var failures = 0
            for path in files {
                do {
                    let file = try openMicroscopyFile(path)
                    let scenes = try scene.map { [try file.image(scene: $0)] } ?? file.images
                    let indices = scene.map { [$0] } ?? Array(file.images.indices)
                    if json {
                        let images: [JSONValue] = zip(indices, scenes).map { index, image in
                            guard case .object(var object) = image.metadata.json else { return .null }
                            object["scene"] = .int(index)
                            object["levels"] = .array(image.levelShapes.map { .array($0.map(JSONValue.int)) })
                            return .object(object)
                        }
                        reports.append(["file": .string(path), "format": .string(file.formatName), "scenes": .int(file.images.count),
                                        "images": .array(images)])
                    } else {
                        print("\(path): \(file.formatName), \(file.images.count) scene\(file.images.count == 1 ? "" : "s")")
                        for (index, image) in zip(indices, scenes) { print(Self.describe(image, scene: index, annotations: annotations)) }
                    }
                } catch let error as ImMetaIOError {
                    failures += 1
                    if json {
                        reports.append(["file": .string(path), "error": .string(error.message), "code": .string(error.code.description)])
                    } else {
                        printError("\(path): error: \(error.message) (\(error.code))")
                    }
                }
            }
            if json { print(JSONText.encode(reports.count == 1 ? reports[0] : .array(reports), indent: 2)) }
            if failures > 0 { throw ExitCode(1) }
        }

        static func describe(_ image: any MicroscopyImage, scene: Int, annotations: Bool) -> String {
            let metadata = image.metadata
            func size(_ length: Length?) -> String { length.map(\.description) ?? "-" }
            var lines = ["  scene \(scene)\(metadata.name.map { ": \($0)" } ?? "")"]
            lines.append("    axes \(metadata.axesString)  shape \(metadata.shape.map(String.init).joined(separator: "×"))  \(metadata.dtype)")
            lines.append("    pixel size X \(size(metadata.physicalSizeX))  Y \(size(metadata.physicalSizeY))  Z \(size(metadata.physicalSizeZ))  time increment \(metadata.timeIncrement.map(\.description) ?? "-")")
            if image.levelShapes.count > 1 {
                let levels = image.levelShapes.map { "\($0[3])×\($0[4])" }.joined(separator: ", ")
                lines.append("    levels (Y×X) \(levels)")
            }
            for (index, channel) in metadata.channels.enumerated() {
                let color = channel.color.map { " #\($0.hexRGB)" } ?? ""
                lines.append("    channel \(index): \(channel.name ?? "-")\(color)")
            }
            if let date = metadata.acquisitionDate { lines.append("    acquired \(date)") }
            if let objective = metadata.instrument?.objective { lines.append("    objective \(objective)") }
            for (key, value) in metadata.provenance { lines.append("    \(key): \(value)") }
            if annotations {
                for (key, value) in metadata.annotations { lines.append("    \(key) = \(value)") }
            } else if !metadata.annotations.isEmpty {
                lines.append("    \(metadata.annotations.count) vendor metadata entries (--annotations to list)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
