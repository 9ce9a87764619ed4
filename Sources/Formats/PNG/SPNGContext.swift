import CSPNG

/// One libspng decoding context, owned by one reader and freed with it.
///
/// libspng reports errors as return codes (no `longjmp`), so it is called straight from Swift.
final class SPNGContext {
    let pointer: OpaquePointer

    /// A decoder over `bytes`, which must stay alive (and unmoved) as long as the context.
    init(bytes: UnsafeRawBufferPointer) throws(SPNGError) {
        guard let context = spng_ctx_new(0) else { throw SPNGError(code: Int32(SPNG_EMEM.rawValue)) }
        pointer = context
        // Ancillary chunk limits keep text and ICC chunks from allocating without bound. A throwing
        // initializer does not run deinit, so the context is freed here on failure.
        for status in [
            spng_set_chunk_limits(context, 1 << 26, 1 << 28),
            spng_set_image_limits(context, UInt32(Int32.max), UInt32(Int32.max)),
            spng_set_png_buffer(context, bytes.baseAddress, bytes.count),
        ] where status != 0 {
            spng_ctx_free(context)
            throw SPNGError(code: status)
        }
    }

    deinit { spng_ctx_free(pointer) }

    func check(_ status: Int32) throws(SPNGError) {
        if status != 0 { throw SPNGError(code: status) }
    }

    func header() throws(SPNGError) -> spng_ihdr {
        var ihdr = spng_ihdr()
        try check(spng_get_ihdr(pointer, &ihdr))
        return ihdr
    }

    var hasTransparency: Bool {
        var trns = spng_trns()
        return spng_get_trns(pointer, &trns) == 0
    }
}

/// A libspng status code with its message.
struct SPNGError: Error, CustomStringConvertible {
    var code: Int32
    var description: String { String(cString: spng_strerror(code)) }
}
