import Foundation
import ImMetaIO
import Testing

/// The everyday commands on the built binary: save, meta editing, copy with sidecars and many
/// sources, formats, clean, standard input and output, strict flags, JSON everywhere, and the
/// split between data (stdout) and diagnostics (stderr).
@Suite struct CommandLineEverydayTests {
    struct Outcome {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }

        func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout)) }
    }

    /// Runs the tool with stdout and stderr apart, optionally feeding `input` on stdin.
    static func run(_ arguments: [String], input: [UInt8]? = nil, in folder: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        // stderr goes to a file, so that reading stdout to its end cannot block on a full stderr pipe.
        let errorPath = NSTemporaryDirectory() + "immetaio-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let out = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = errorFile
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Written from another thread: a large input could otherwise fill the pipe while the tool writes stdout.
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(Data(input))
                try? writer.close()
            }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorFile.close()
        let stderrData = try Data(contentsOf: URL(fileURLWithPath: errorPath))
        return Outcome(status: process.terminationStatus, stdout: Array(stdoutData), stderr: String(decoding: stderrData, as: UTF8.self))
    }

    static let gradient = CommandLineTests.examples.appendingPathComponent("gradient.png").path
    static let depth = CommandLineTests.examples.appendingPathComponent("depth16.png").path

    @Test func saveWritesImageAndSidecarWithAutomaticFormat() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(#"{"camera": "A", "exposure": 1}"#.utf8).write(to: URL(fileURLWithPath: "\(folder)/common.json"))
        let saved = try Self.run([
            "save", Self.gradient, "\(folder)/cap/frame", "--meta-file", "\(folder)/common.json", "--meta", "exposure=0.01",
            "--meta", #"lens="50mm""#, "--json",
        ])
        #expect(saved.status == 0, "\(saved.stderr)")
        let report = try #require(try saved.json() as? [String: Any])
        #expect(report["image"] as? String == "\(folder)/cap/frame.png")
        let (image, metadata) = try load(from: "\(folder)/cap/frame.png")
        #expect(image == (try readImage(from: .path(Self.gradient))))
        #expect(metadata == ["camera": "A", "exposure": 0.01, "lens": "50mm"])
        // A value that is not JSON is refused, naming the flag, before anything is written.
        let bad = try Self.run(["save", Self.gradient, "\(folder)/bad", "--meta", "lens=50mm"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--meta lens=50mm"))
        #expect(bad.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bad.png"))
        // Non-blocking saves of many sources into a folder, BGR for Python immetaio.
        let many = try Self.run([
            "save", Self.gradient, Self.depth, "--out-dir", "\(folder)/many", "--name", "{index:03}", "--nonblocking", "--bgr", "--meta", "k=[1,2]",
        ])
        #expect(many.status == 0, "\(many.stderr)")
        let rgb = try readImage(from: .path(Self.gradient))
        #expect(try load(from: "\(folder)/many/000.png", colorOrder: .bgr).image == rgb)
        #expect(try readImage(from: .path("\(folder)/many/000.png")) == rgb.swappingRedAndBlue())
        #expect(try loadMetadata(from: "\(folder)/many/001.png") == ["k": [1, 2]])
    }

    @Test func metaEditsSidecarsAndListsFolders() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 4, width: 4, channels: 3)
        try save(image, to: "\(folder)/2.png", metadata: ["a": 1, "b": "x"])
        try save(image, to: "\(folder)/10.png", metadata: ["b": "y", "c": true])
        try save(image, to: "\(folder)/3.png")
        let listed = try Self.run(["meta", folder, "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let object = try #require(try listed.json() as? [String: Any])
        #expect((object["files"] as? [String])?.map { ($0 as NSString).lastPathComponent } == ["2.png", "3.png", "10.png"])
        let lists = try #require(object["metadata"] as? [String: Any])
        #expect((lists["a"] as? [Any])?.count == 3)
        #expect((lists["a"] as? [Any])?[1] is NSNull)
        #expect((lists["b"] as? [Any])?.compactMap { $0 as? String } == ["x", "y"])

        let edited = try Self.run(["meta", "\(folder)/2.png", "--set", "a=[1,2]", "--set", #"d={"e": null}"#, "--delete", "b"])
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(try loadMetadata(from: "\(folder)/2.png") == ["a": [1, 2], "d": ["e": nil]])
        // An image without a sidecar gets one; deleting a missing key fails and leaves the sidecar alone.
        #expect(try Self.run(["meta", "\(folder)/3.png", "--set", "new=1"]).status == 0)
        #expect(try loadMetadata(from: "\(folder)/3.png") == ["new": 1])
        let missingKey = try Self.run(["meta", "\(folder)/2.png", "--delete", "zzz"])
        #expect(missingKey.status == 1)
        #expect(missingKey.stderr.contains("zzz"))
        #expect(try loadMetadata(from: "\(folder)/2.png") == ["a": [1, 2], "d": ["e": nil]])
        // No leftovers of the atomic rewrite.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasPrefix(".") })
        // A file that does not exist is an error (exit 1), on stderr.
        let missing = try Self.run(["meta", "\(folder)/nothere.png"])
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("nothere.png"))
    }

    @Test func copyCarriesSidecarsAndHandlesManySources() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 5, width: 6, channels: 3)
        try save(image, to: "\(folder)/in/frame2.png", metadata: ["n": 2])
        try save(image, to: "\(folder)/in/frame10.png", metadata: ["n": 10])
        let one = try Self.run(["copy", "\(folder)/in/frame2.png", "\(folder)/one.tif"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try loadMetadata(from: "\(folder)/one.tif") == ["n": 2])
        #expect(try Self.run(["copy", "\(folder)/in/frame2.png", "\(folder)/bare.tif", "--no-meta"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bare.json"))

        let many = try Self.run(["copy", "\(folder)/in", "--out-dir", "\(folder)/out", "--name", "{index}_{stem}.npy", "--json"])
        #expect(many.status == 0, "\(many.stderr)")
        #expect((try many.json() as? [Any])?.count == 2)
        #expect(try readImage(from: .path("\(folder)/out/0_frame2.npy")) == image)
        #expect(try loadMetadata(from: "\(folder)/out/1_frame10.npy") == ["n": 10])
        // Progress bars stay off when stderr is not a terminal.
        #expect(!many.stderr.contains("\r"))
        // Several sources without --out-dir, and names that collide, are refused.
        #expect(try Self.run(["copy", Self.gradient, Self.depth, "\(folder)/x.png"]).status == 64)
        #expect(try Self.run(["copy", "\(folder)/in", "--out-dir", "\(folder)/c", "--name", "fixed.png"]).status == 64)
        // --bgr swaps red and blue.
        #expect(try Self.run(["copy", "\(folder)/in/frame2.png", "\(folder)/swapped.npy", "--bgr"]).status == 0)
        #expect(try readImage(from: .path("\(folder)/swapped.npy")) == image.swappingRedAndBlue())
    }

    @Test func standardInputAndOutput() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.gradient)))
        let expected = try readImage(from: .path(Self.gradient))
        // stdout: the encoded image and nothing else.
        let out = try Self.run(["copy", Self.gradient, "-", "--format", "npy"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try readImage(from: .bytes(out.stdout), format: "npy") == expected)
        // stdin: sniffed, or named with --extension.
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let into = try Self.run(["copy", "-", "\(folder)/from-stdin.tif", "--extension", ".png"], input: bytes)
        #expect(into.status == 0, "\(into.stderr)")
        #expect(try readImage(from: .path("\(folder)/from-stdin.tif")) == expected)
        let info = try Self.run(["info", "-", "--json"], input: bytes)
        #expect((try info.json() as? [String: Any])?["shape"] as? [Int] == [96, 128, 3])
        // Writing stdout needs the format.
        let unnamed = try Self.run(["copy", Self.gradient, "-"])
        #expect(unnamed.status == 1)
        #expect(unnamed.stdout.isEmpty)
        #expect(unnamed.stderr.contains("--format"))
    }

    @Test func negativeIndicesMemoryLimitsAndReadHints() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try (0..<4).map { try TestImages.gradient(height: 8, width: 8, channels: 3, seed: UInt64($0 * 2 + 1)) }
        try writeImages(frames, to: "\(folder)/clip.gif")
        let gifFrames = try readImages(from: .path("\(folder)/clip.gif"))
        #expect(try Self.run(["copy", "\(folder)/clip.gif", "\(folder)/last.npy", "--index", "-1"]).status == 0)
        #expect(try readImage(from: .path("\(folder)/last.npy")) == gifFrames[3])
        let outOfRange = try Self.run(["copy", "\(folder)/clip.gif", "\(folder)/x.npy", "--index", "-5"])
        #expect(outOfRange.status == 1)
        #expect(outOfRange.stderr.contains("out of range"))
        let info = try Self.run(["info", "\(folder)/clip.gif", "--index", "-2", "--json"])
        #expect((try info.json() as? [String: Any])?["shape"] as? [Int] == gifFrames[2].shape)
        // imageio's memtest forms.
        let limited = try Self.run(["copy", "\(folder)/clip.gif", "\(folder)/all.npy", "--all", "--memory-limit", "500B"])
        #expect(limited.status == 1)
        #expect(limited.stderr.contains("memory-limit"))
        for limit in ["none", "0", "false", "1MB"] {
            #expect(try Self.run(["copy", "\(folder)/clip.gif", "\(folder)/all.npy", "--all", "--memory-limit", limit]).status == 0, "\(limit)")
        }
        #expect(try Self.run(["copy", "\(folder)/clip.gif", "\(folder)/all.npy", "--all", "--memory-limit", "lots"]).status == 64)
        // Plugin hint and read options.
        try FileManager.default.copyItem(atPath: Self.gradient, toPath: "\(folder)/misnamed.dat")
        #expect(try Self.run(["info", "\(folder)/misnamed.dat", "--plugin", "png"]).status == 0)
        #expect(try Self.run(["info", "\(folder)/misnamed.dat", "--plugin", "jpeg"]).status == 1)
        let badOption = try Self.run(["info", Self.gradient, "--read-option", "nonsense=1"])
        #expect(badOption.status == 1)
        #expect(badOption.stderr.contains("nonsense"))
    }

    @Test func strictFlagsNameThemselves() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [([String], String)] = [
            (["zarr", "write", Self.gradient, "\(folder)/z.zarr", "--chunks", "16,x,3"], "--chunks"),
            (["zarr", "write", Self.gradient, "\(folder)/z.zarr", "--chunks", "16,16,3", "--index-location", "middle"], "--index-location"),
            (["zarr", "write", Self.gradient, "\(folder)/z.zarr", "--chunks", "16,16,3", "--fill", "zero"], "--fill"),
            (["samples", "\(folder)/s.zarr", "--out", "\(folder)/s.png", "--indices", "1,a"], "--indices"),
            (["convert", folder, "--out", "\(folder)/c.zarr", "--fits-ext", "1,,2"], "--fits-ext"),
            (["convert", folder, "--out", "\(folder)/c.zarr", "--chunk-shape", "1,2.5"], "--chunk-shape"),
            (["convert", folder, "--out", "\(folder)/c.zarr", "--on-error", "ignore"], "--on-error"),
            (["convert", "--out", "\(folder)/c.zarr", "--resume", "--compressor", "zstd"], "--compressor"),
            (["convert", "--plan", "\(folder)/plan", "--task", "1", "--finalize"], "--finalize"),
            (["convert", "--plan", "\(folder)/plan", "--task", "0", "--out", "\(folder)/c.zarr"], "--out"),
            (["convert", folder, "--out", "\(folder)/c.zarr", "--tasks", "4"], "--tasks"),
            (["copy", Self.gradient, "--out-dir", folder, "--name", "{index:x}.png"], "--name"),
            (["meta", Self.gradient, "--set", "k"], "--set"),
        ]
        for (arguments, flag) in cases {
            let outcome = try Self.run(arguments)
            #expect(outcome.status != 0, "\(arguments)")
            #expect(outcome.stderr.contains(flag), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stdout.isEmpty, "\(arguments)")
        }
        let zarr = try Self.run(["zarr", "write", Self.gradient, "\(folder)/z.zarr", "--chunks", "16,16", "--json"])
        #expect(zarr.status != 0)
        #expect(zarr.stderr.contains("needs 3"))
    }

    @Test func everyPrintingCommandSpeaksJSON() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try save(try TestImages.gradient(height: 8, width: 8, channels: 3), to: "\(folder)/in/a.png", metadata: ["x": 1])
        let commands: [[String]] = [
            ["info", Self.gradient], ["copy", Self.gradient, "\(folder)/c.npy"], ["save", Self.gradient, "\(folder)/s"],
            ["meta", "\(folder)/in/a.png"], ["meta", "\(folder)/in"], ["formats"], ["clean", folder],
            ["zarr", "write", Self.gradient, "\(folder)/z.zarr", "--chunks", "32,32,3"], ["zarr", "info", "\(folder)/z.zarr"],
            ["zarr", "read", "\(folder)/z.zarr", "\(folder)/z.npy", "--start", "0,0,0", "--shape", "4,4,3"],
            ["convert", "\(folder)/in", "--out", "\(folder)/conv.zarr"], ["inspect", "\(folder)/conv.zarr"],
            ["samples", "\(folder)/conv.zarr", "--out", "\(folder)/grid.png", "--n", "1"],
        ]
        for command in commands {
            let outcome = try Self.run(command + ["--json"])
            #expect(outcome.status == 0, "\(command): \(outcome.stderr)")
            #expect((try? outcome.json()) != nil, "\(command) printed no JSON: \(outcome.text)")
        }
        let formats = try #require(try Self.run(["formats", "--json"]).json() as? [[String: Any]])
        let png = try #require(formats.first { $0["name"] as? String == "png" })
        #expect(png["write"] as? Bool == true)
        #expect((png["write_options"] as? [[String: Any]])?.contains { $0["name"] as? String == "compression" } == true)
        let jpeg = try #require(formats.first { $0["name"] as? String == "jpeg" })
        #expect((jpeg["read_options"] as? [[String: Any]])?.contains { $0["name"] as? String == "apply_orientation" } == true)
    }

    @Test func cleanListsThenRemovesOnlyAbandonedTemporaries() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: "\(folder)/sub", withIntermediateDirectories: true)
        let past = Date().addingTimeInterval(-3 * LeftoverTemporaryFile.gracePeriod)
        for path in ["\(folder)/.a.png.immetaio-AAAAAA", "\(folder)/sub/.b.exr.immetaio-BBBBBB"] {
            try Data(count: 64).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: path)
        }
        let fresh = "\(folder)/.c.png.immetaio-CCCCCC"
        try Data(count: 8).write(to: URL(fileURLWithPath: fresh))
        let listed = try Self.run(["clean", folder, "--recursive", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let entries = try #require(try listed.json() as? [[String: Any]])
        #expect(entries.count == 3)
        #expect(entries.filter { $0["state"] as? String == "abandoned" }.count == 2)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/.a.png.immetaio-AAAAAA"), "listing removes nothing")
        let removed = try Self.run(["clean", folder, "-r", "--yes"])
        #expect(removed.status == 0)
        #expect(removed.text.contains("removed 2 of 3"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/sub/.b.exr.immetaio-BBBBBB"))
        #expect(FileManager.default.fileExists(atPath: fresh))
    }
}
