import Foundation
import ArgumentParser
import ImMetaIOVideo
import S3

/// The `immetaio` command-line tool.
@main
struct ImMetaIOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "immetaio",
        abstract: "Read, inspect and convert images with their metadata.",
        version: "0.1.0",
        subcommands: [
            Info.self, Copy.self, Save.self, Meta.self, Formats.self, Clean.self, Zarr.self, Convert.self, Inspect.self,
            Samples.self, Ome.self,
        ])

    /// `s3://bucket/key` paths work in every command (credentials as the AWS SDKs find them).
    static func main() {
        S3Store.registerScheme()
        main(nil)
    }
}

/// The formats the tool reads and writes: every built-in plugin and video through FFmpeg.
let registry = FormatRegistry.standardWithVideo

/// A failure of the work a command was asked to do, reported as `Error: MESSAGE` with exit
/// status 1 (ArgumentParser prints usage only for errors in the arguments themselves).
struct CommandFailure: Error, CustomStringConvertible {
    /// The one-line message.
    let description: String
}

/// Reports an ``ImMetaIOError`` as a one-line message and a failing exit status.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ImMetaIOError {
        throw CommandFailure(description: error.description)
    }
}

/// Writes a diagnostic line to stderr (data goes to stdout).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
