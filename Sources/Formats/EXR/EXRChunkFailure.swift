/// OpenEXRCore's message for a run of chunks that failed to decode or encode, carried out of the
/// parallel loop to become an `ImMetaIOError` (whose code depends on the message).
struct EXRChunkFailure: Error {
    let message: String
}
