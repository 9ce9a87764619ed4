import Foundation

/// The shard indexes a sharded array on a versioned store (S3) has read, each with the version of
/// the shard it came from: reading a few inner chunks of a shard again then takes one request per
/// chunk instead of the index's request first, which halves the requests of random single-image
/// reads.
///
/// Every use reads on condition that the shard is still at that version (an S3 GET with
/// `If-Match`), so a shard rewritten since is noticed: its entry is dropped and the index read
/// again. Bounded by the bytes it holds, the least recently used entries dropped first.
/// `@unchecked Sendable`: the state is guarded by `lock`.
final class ShardIndexCache: @unchecked Sendable {
    struct Entry {
        let version: String
        /// The index as stored (served again to the decode).
        let index: [UInt8]
        /// The decoded offsets and sizes.
        let entries: [UInt64]
        var lastUse: UInt64
        var cost: Int { index.count + entries.count * 8 + 64 }
    }

    private let lock = NSLock()
    private var items: [String: Entry] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0
    /// The bytes the cache may hold.
    let byteLimit: Int

    init(byteLimit: Int = 16 << 20) { self.byteLimit = byteLimit }

    /// The entry for the shard under `key`, if one was kept.
    func lookup(_ key: String) -> Entry? {
        lock.withLock {
            clock += 1
            items[key]?.lastUse = clock
            return items[key]
        }
    }

    /// Keeps the index of the shard under `key` at `version`.
    func keep(_ key: String, version: String, index: [UInt8], entries: [UInt64]) {
        lock.withLock {
            clock += 1
            let entry = Entry(version: version, index: index, entries: entries, lastUse: clock)
            guard entry.cost <= byteLimit else { return }
            if let old = items.updateValue(entry, forKey: key) { bytes -= old.cost }
            bytes += entry.cost
            guard bytes > byteLimit else { return }
            // Down to three quarters at once, so that a full cache does not sort on every read.
            for (key, entry) in items.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where bytes > byteLimit / 4 * 3 {
                items[key] = nil
                bytes -= entry.cost
            }
        }
    }

    /// Forgets the shard under `key` (it changed).
    func remove(_ key: String) {
        lock.withLock {
            if let old = items.removeValue(forKey: key) { bytes -= old.cost }
        }
    }

    /// The number of indexes kept.
    var count: Int { lock.withLock { items.count } }
}
