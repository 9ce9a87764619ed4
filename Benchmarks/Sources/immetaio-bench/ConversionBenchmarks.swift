import Foundation
import ImMetaIO

/// The floor of a conversion: decoding its inputs on every core, nothing else.
enum ConversionBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = ["decode-folder": decodeFolder]

    /// `immetaio-bench decode-folder DIR THREADS`: decodes every file of DIR with THREADS threads
    /// and prints {"seconds": s, "images": n}.
    @Sendable static func decodeFolder(_ arguments: [String]) throws {
        guard arguments.count == 2, let threads = Int(arguments[1]) else { throw Failure(description: "decode-folder DIR THREADS") }
        let folder = arguments[0]
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasSuffix(".csv") }.sorted()
        let next = NSLock()
        nonisolated(unsafe) var cursor = 0
        nonisolated(unsafe) var failures = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                while let index = next.withLock({ () -> Int? in
                    guard cursor < names.count else { return nil }
                    defer { cursor += 1 }
                    return cursor
                }) {
                    if (try? readImage(from: .path(folder + "/" + names[index]), index: 0)) == nil { next.withLock { failures += 1 } }
                }
                group.leave()
            }
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("{\"seconds\": \(seconds), \"images\": \(names.count), \"failures\": \(failures)}")
    }
}
