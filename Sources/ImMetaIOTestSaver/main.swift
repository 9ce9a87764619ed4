// immetaio-test-saver: a child process for the kill-during-save test. It saves frames with
// sidecars into a folder as fast as it can, blocking or not, until it is killed; the test then
// checks that every file under a final name is complete.
//
// Usage: immetaio-test-saver FOLDER [--nonblocking]
import Foundation
import ImMetaIO

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: immetaio-test-saver FOLDER [--nonblocking]\n".utf8))
    exit(2)
}
let folder = arguments[1]
let nonblocking = arguments.contains("--nonblocking")
var frame = NDArray(shape: [512, 768, 3], dtype: .uint8)
var index = 0
FileHandle.standardOutput.write(Data("ready\n".utf8))
while true {
    frame.withUnsafeMutableBufferPointer(of: UInt8.self) { pixels in
        for i in stride(from: 0, to: pixels.count, by: 97) { pixels[i] = UInt8(truncatingIfNeeded: i &+ index) }
    }
    let metadata: JSONObject = ["index": .int(index), "note": .string(String(repeating: "x", count: 4096))]
    do {
        try save(frame, to: "\(folder)/\(index)", metadata: metadata, nonblocking: nonblocking)
    } catch {
        FileHandle.standardError.write(Data("save failed: \(error)\n".utf8))
        exit(1)
    }
    index += 1
}
