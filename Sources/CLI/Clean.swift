import ArgumentParser
import Foundation
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio clean DIR…`: the temporary files killed writes left behind.
    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, then with --yes remove, the temporary files (.NAME.immetaio-XXXXXX) that killed writes left.",
            discussion: """
                A temporary is removed only when it is abandoned: no process holds its lock (every writer locks its \
                temporary until it renames it) and it has not changed for a few seconds. Temporaries of live writes \
                are listed as in use and kept. Writers also remove abandoned temporaries from each folder they \
                write into, once per process.
                """)

        @Argument(help: "Folders to look in.")
        var folders: [String]

        @Flag(name: .shortAndLong, help: "Look in sub-folders too.")
        var recursive = false

        @Flag(help: "Remove the abandoned temporaries (without it, only list them).")
        var yes = false

        @Flag(help: "Print JSON: the temporaries found, with their state.")
        var json = false

        func run() throws {
            var found: [LeftoverTemporaryFile] = []
            for folder in folders {
                guard Meta.isFolder(folder) else { throw CommandFailure(description: "\(folder): not a folder") }
                for sub in try Self.folders(under: folder, recursive: recursive) {
                    found += try reportingErrors { try LeftoverTemporaryFile.find(in: sub) }
                }
            }
            var entries: [JSONValue] = []
            var removedBytes = 0, removedCount = 0
            for leftover in found {
                var state = leftover.isInUse ? "in use" : "abandoned"
                if yes, !leftover.isInUse {
                    if leftover.removeIfAbandoned() {
                        state = "removed"
                        removedCount += 1
                        removedBytes += leftover.byteCount
                    } else {
                        state = "in use"
                    }
                }
                entries.append([
                    "path": .string(leftover.path), "destination": .string(leftover.destinationName),
                    "bytes": .int(leftover.byteCount), "state": .string(state),
                ])
                if !json { print("\(state.padding(toLength: 9, withPad: " ", startingAt: 0))  \(leftover.byteCount) bytes  \(leftover.path)") }
            }
            if json {
                StandardOutput.printJSON(.array(entries))
            } else if found.isEmpty {
                print("no leftover temporaries")
            } else if yes {
                print("removed \(removedCount) of \(found.count) (\(removedBytes) bytes)")
            } else {
                let abandoned = found.filter { !$0.isInUse }
                print("\(abandoned.count) abandoned (\(abandoned.reduce(0) { $0 + $1.byteCount }) bytes); run again with --yes to remove them")
            }
        }

        /// `folder` and, when recursive, every folder below it (symbolic links not followed).
        static func folders(under folder: String, recursive: Bool) throws -> [String] {
            guard recursive else { return [folder] }
            var result = [folder]
            var pending = [folder]
            while let current = pending.popLast() {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
                for name in names.sorted() {
                    let path = current + "/" + name
                    let type = (try? FileManager.default.attributesOfItem(atPath: path)[.type]) as? FileAttributeType
                    if type == .typeDirectory {
                        result.append(path)
                        pending.append(path)
                    }
                }
            }
            return result
        }
    }
}
