// Fuzzes the Zarr engine's decoding: arbitrary bytes as a chunk or shard under each codec chain
// (whole and partial reads) and as a zarr.json must give data or a typed ImMetaIOError, never a
// crash or an unbounded allocation.
import ImMetaIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    // Local, not global: LeakSanitizer reports objects held by Swift globals as leaked.
    let chains: [[ZarrCodecSpec]] = [
        [.bytes()], [.bytes(), .gzip()], [.bytes(), .zstd(checksum: true)], [.bytes(), .blosc(cname: "lz4")], [.bytes(), .crc32c],
        [.transpose(order: [1, 0]), .bytes(endian: "big")],
        [.sharding(chunkShape: [4, 4], codecs: [.bytes(), .zstd()])],
        [.sharding(chunkShape: [2, 8], codecs: [.bytes(), .blosc()], indexLocation: "start")],
        [.sharding(chunkShape: [4, 4], codecs: [.bytes()], indexCodecs: [.bytes()])],
    ]
    let selector = Int(data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        if selector == 255 {
            let store = MemoryStore()
            try store.set("zarr.json", bytes)
            _ = try ZarrArray.open(in: store).read(start: [0, 0], shape: [1, 1])
        } else {
            // A fresh store per input (no global state for the leak checker to trip on).
            let store = MemoryStore()
            let array = try ZarrArray.create(
                in: store,
                metadata: ZarrArrayMetadata(shape: [8, 8], dtype: .uint16, chunkShape: [8, 8], codecs: chains[selector % chains.count]))
            try store.set("c/0/0", bytes)
            _ = try array.read()
            _ = try array.read(start: [1, 2], shape: [3, 5])
        }
    } catch is ImMetaIOError {
        return 0
    } catch {
        preconditionFailure("untyped error: \(error)")
    }
    return 0
}
