import ArgumentParser
import ImMetaIO

/// The `immetaio` command-line tool.
@main
struct ImMetaIOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "immetaio",
        abstract: "Read, inspect and convert images with their metadata.",
        version: "0.1.0",
        subcommands: [Info.self, Copy.self, Meta.self])
}

/// Reports an ``ImMetaIOError`` as a one-line message and a failing exit status.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ImMetaIOError {
        throw ValidationError(error.description)
    }
}
