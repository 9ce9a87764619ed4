// Fuzzes the fast PNG encoder: the input chooses a shape (1…300 × 1…600, 1–4 channels), a band
// count, and the pixels (the input bytes, repeated). Shapes reach bands of 256 KiB with a quarter
// million literals (sampled literal counts, literals written in pairs). Every output must decode
// to the input exactly and form one complete zlib stream; anything else traps so libFuzzer
// reports it.
import ImMetaIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 4 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let height = Int(bytes[0]) % 150 + 1 + Int(bytes[3] & 1) * 150
    let width = Int(bytes[1]) % 300 + 1 + Int(bytes[3] >> 3 & 1) * 300
    let channels = Int(bytes[2]) % 5  // 0: H×W
    let threads = Int(bytes[3] >> 1) % 4 + 1
    let payload = bytes.count > 4 ? Array(bytes[4...]) : [0]
    let shape = channels == 0 ? [height, width] : [height, width, channels]
    let image = NDArray(unsafeUninitializedShape: shape, dtype: .uint8) { out in
        for i in out.indices { out[i] = payload[i % payload.count] }
    }
    do {
        let encoded = try encodeImage(image, as: ".png", options: ["threads": .int(threads)])
        let decoded = try readImage(from: .bytes(encoded))
        let expected = channels == 1 ? try image.reshaped([height, width]) : image
        precondition(decoded == expected, "decoded pixels differ for shape \(shape), \(threads) bands")
    } catch {
        preconditionFailure("valid input failed: \(error)")
    }
    return 0
}
