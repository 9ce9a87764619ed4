import Foundation
import ImMetaIO
import Testing

/// Runs the built `immetaio` binary and checks its output and exit status.
@Suite struct CommandLineTests {
    static var binary: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On macOS the test runner lives inside an .xctest bundle.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "MacOS" || folder.lastPathComponent == "Contents" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("immetaio")
    }

    static var examples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func infoPrintsPropertiesAndMetadata() throws {
        let path = Self.examples.appendingPathComponent("gradient.png").path
        let (status, output) = try Self.run(["info", path])
        #expect(status == 0)
        #expect(output.contains("shape: [96, 128, 3]"))
        #expect(output.contains("Description"))
        let json = try Self.run(["info", "--json", path])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "png")
        #expect(object?["shape"] as? [Int] == [96, 128, 3])
    }

    @Test func infoReportsErrorsAndFails() throws {
        let (status, output) = try Self.run(["info", "/nonexistent.png"])
        #expect(status == 1)
        #expect(output.contains("missing file"))
    }

    @Test func copyConvertsExactlyToNPY() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = Self.examples.appendingPathComponent("depth16.png").path
        let (status, output) = try Self.run(["copy", source, "\(folder)/depth.npy"])
        #expect(status == 0, "\(output)")
        #expect(try readImage(from: .path("\(folder)/depth.npy")) == readImage(from: .path(source)))
        let jpeg = try Self.run(["copy", source, "\(folder)/x.jpg"])
        #expect(jpeg.status != 0)
        #expect(jpeg.output.contains("uint16"))
        let bad = try Self.run(["copy", source, "\(folder)/x.png", "--index", "1", "--all"])
        #expect(bad.status != 0)
    }

    /// The tool reads and writes video: properties from headers, video to video frame by frame,
    /// one frame by index.
    @Test func videoInfoAndCopies() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = Self.examples.appendingPathComponent("clip.mp4").path
        let json = try Self.run(["info", "--json", clip])
        #expect(json.status == 0, "\(json.output)")
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "ffmpeg")
        #expect(object?["shape"] as? [Int] == [24, 48, 64, 3])
        let webm = try Self.run(["copy", clip, "\(folder)/clip.webm"])
        #expect(webm.status == 0 && webm.output.contains("24 frames"), "\(webm.output)")
        let registry = VideoFormatTests.registry
        #expect(try imageProperties(of: .path("\(folder)/clip.webm"), registry: registry).shape == [24, 48, 64, 3])
        let frame = try Self.run(["copy", clip, "\(folder)/frame.png", "--index", "12"])
        #expect(frame.status == 0, "\(frame.output)")
        let png = try readImage(from: .path("\(folder)/frame.png"))
        #expect(png == (try readImage(from: .path(clip), index: .at(12), registry: registry)))
    }
}
