import ImMetaIOCore

/// What ``ZarrArray/verifyStoredChunk(at:)`` found under a chunk's key.
public enum StoredChunkState: Sendable, Hashable {
    /// Nothing is stored: the chunk reads as the fill value.
    case absent
    /// A value of this many bytes whose shard index (for a sharded array) checks out.
    case complete(bytes: Int)
}

extension ZarrArray {
    /// Checks the value stored for the chunk (or shard) at grid position `index` without decoding
    /// its pixels: for a sharded array, the index is read (a suffix range), its checksum verified
    /// when the index codecs carry one, and every entry must lie inside the value. Used to prove a
    /// shard written by another process complete before the array's shape is grown over it.
    /// - Throws: `corruptData` naming the key when the value is shorter than its index, the
    ///   index fails its checksum or an entry points outside the value.
    public func verifyStoredChunk(at index: [Int]) throws -> StoredChunkState {
        let key = key(index)
        guard let size = try store.size(of: key) else { return .absent }
        guard let sharding = pipeline.partialSharding else { return .complete(bytes: size) }
        let name = Self.describe(store, path) + " " + key
        guard size >= sharding.indexSize else {
            throw ImMetaIOError(.corruptData, "shard of \(size) bytes is smaller than its index of \(sharding.indexSize)", file: name)
        }
        let range = sharding.indexRange(shardSize: size)
        guard let bytes = try store.get(key, range: .range(offset: range.lowerBound, length: range.count)), bytes.count == range.count else {
            throw ImMetaIOError(.corruptData, "the shard changed while it was checked", file: name)
        }
        do {
            let entries = try sharding.decodeIndex(bytes)
            for number in 0..<sharding.innerCount { _ = try sharding.entryRange(entries, number, shardSize: size) }
        } catch let error as ImMetaIOError {
            throw ImMetaIOError(.corruptData, error.message, file: name)
        }
        return .complete(bytes: size)
    }
}
