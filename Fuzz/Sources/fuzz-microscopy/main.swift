// Fuzzes the microscopy parsers: arbitrary bytes as OME-XML (our XML parser and the OME model;
// a document that parses must write XML that parses to the same model) and as a CZI file (header,
// directory, subblocks, metadata XML, zstd, JPEG and JPEG XR tiles; every scene read whole) must
// give a result or a typed ImMetaIOError, never a crash or an unbounded allocation.
import Microscopy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        guard let document = try? OMEDocument(parsing: bytes) else { return 0 }
        let written = document.xmlString()
        guard let again = try? OMEDocument(parsing: written) else { preconditionFailure("our OME-XML does not parse back:\n\(written)") }
        precondition(again.xmlString() == written, "OME-XML round trip is not stable")
        for image in document.images { _ = try? image.microscopyMetadata(in: document) }
    } else {
        var limits = DecodeLimits.default
        limits.maxPixels = 1 << 22
        limits.maxBytes = 1 << 26
        guard let file = try? CZIFile(bytes: bytes, name: "fuzz.czi", limits: limits) else { return 0 }
        for image in file.images { _ = try? image.read() }
    }
    return 0
}
