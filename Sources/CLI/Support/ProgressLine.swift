import Foundation

/// A one-line progress display on stderr (rate and ETA), redrawn in place; silent when off, and
/// off by default when stderr is not a terminal (logs and pipes get no control characters).
/// `@unchecked Sendable`: the last-drawn state is only touched under the lock.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let unit: String
    private let lock = NSLock()
    private var drawn = false
    private let start = Date()

    init(enabled: Bool, unit: String) {
        self.enabled = enabled
        self.unit = unit
    }

    /// A display that draws only on a terminal, for work of more than one item, unless `quiet`.
    convenience init(unit: String, total: Int, quiet: Bool = false) {
        self.init(enabled: !quiet && total > 1 && isatty(STDERR_FILENO) == 1, unit: unit)
    }

    /// Redraws after `done` of `total` items in `elapsed` seconds.
    func update(done: Int, total: Int, elapsed: Double) {
        guard enabled else { return }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? min(width, width * done / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(total) \(unit), \(Int(rate)) \(unit)/s, ETA \(Int(eta)) s "
        lock.withLock {
            FileHandle.standardError.write(Data(line.utf8))
            drawn = true
        }
    }

    /// Redraws after `done` of `total` items, timed from this display's creation.
    func step(_ done: Int, of total: Int) {
        update(done: done, total: total, elapsed: Date().timeIntervalSince(start))
    }

    /// Ends the line, if one was drawn.
    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            drawn = false
        }
    }
}
