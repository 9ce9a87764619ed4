import Foundation
import Testing

@testable import ImageConversion

// Files on disk, size limits, and hostile input.
@Suite("CSV robustness and files")
struct CSVRobustnessTests {
    /// A fresh path in the temporary directory.
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("csv-test-\(UUID().uuidString)-\(name)").path
    }

    @Test("reads a file, naming it in errors")
    func readsFile() throws {
        let path = temporaryPath("meta.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("filename,x\na.tif,1\nb.tif,2\n".utf8).write(to: URL(fileURLWithPath: path))
        let table = try CSVTable(contentsOf: path)
        #expect(table["filename"] == .string(["a.tif", "b.tif"]))
        #expect(table["x"] == .int64([1, 2]))

        try Data("a,b\n1,2,3\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CSVError(.tooManyFields(expected: 2, saw: 3), file: path, line: 2)) {
            try CSVTable(contentsOf: path)
        }
    }

    @Test("refuses a file over the size limit before reading it")
    func sizeLimit() throws {
        let path = temporaryPath("big.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("a\n1\n2\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CSVError(.fileTooLarge(size: 6, limit: 5), file: path, line: nil)) {
            try CSVTable(contentsOf: path, maximumFileSize: 5)
        }
        #expect(try CSVTable(contentsOf: path, maximumFileSize: 6).rowCount == 2)
        #expect(CSVTable.defaultMaximumFileSize == 2 << 30)
    }

    @Test("a missing file or a directory is unreadable")
    func unreadable() {
        let missing = temporaryPath("missing.csv")
        do {
            _ = try CSVTable(contentsOf: missing)
            Issue.record("expected an error")
        } catch let error as CSVError {
            guard case .unreadable = error.kind else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.line == nil)
            #expect(error.message.hasPrefix(missing + ": cannot be read: "))
        } catch {
            Issue.record("not a CSVError: \(error)")
        }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: CSVError(.unreadable(reason: "it is a directory"), file: directory, line: nil)) {
            try CSVTable(contentsOf: directory)
        }
    }

    @Test("a long quoted field with many escapes costs linear time")
    func longQuotedField() throws {
        // 4 MB of `x""` inside one quoted field: quadratic copying would take minutes.
        let body = String(repeating: "x\"\"", count: 1 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        let table = try csvTable("a\n\"\(body)\"\n")
        #expect(clock.now - start < .seconds(5))
        guard case .string(let values) = table["a"], let value = values.first ?? nil else {
            Issue.record("expected one string")
            return
        }
        #expect(value.utf8.count == 2 << 20)
    }

    @Test("rows far shorter than a wide header cannot blow up the table")
    func cellLimit() throws {
        // 200,000 columns over 100,000 one-byte rows would be 2·10^10 cells for a 700 kB file.
        let header = String(repeating: "a,", count: 200_000) + "a\n"
        let rows = String(repeating: "1\n", count: 100_000)
        let error = try #require(csvError(header + rows))
        guard case .tooManyCells = error.kind else {
            Issue.record("unexpected \(error)")
            return
        }
        // Honest short rows stay well within the limit.
        #expect(try csvTable("a,b,c\n" + String(repeating: "1\n", count: 1000)).rowCount == 1000)
    }

    @Test("random bytes never crash: each input reads or throws a CSVError")
    func randomInput() {
        var random = CSVTestRandom(seed: 7)
        let alphabet: [[UInt8]] = [",", "\"", "\n", "\r", " ", "\t", "a", "1", ".", "e", "-", "+", "NA", "True", "é"]
            .map { Array($0.utf8) } + [[0xFF], [0xC3], [0xEF, 0xBB, 0xBF], [0]]
        var parsed = 0
        var failed = 0
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                bytes += alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
            }
            if let error = csvError(bytes: bytes) {
                #expect(error.line != nil)
                failed += 1
            } else if let table = try? csvTable(bytes: bytes) {
                #expect(table.columns.allSatisfy { $0.count == table.rowCount })
                #expect(Set(table.columnNames).count == table.columnNames.count)
                parsed += 1
            }
        }
        #expect(parsed > 0 && failed > 0)
    }
}
