import CShims

/// Why a JPEG whose samples are not 8-bit is refused, in words that say what would read it.
///
/// The precision comes from the frame header (SOFn), read before libjpeg sees the data: the
/// libjpeg-turbo of Debian 12 (2.1) is built for 8-bit samples, and reading 12-bit data takes
/// the 12-bit API of libjpeg-turbo 3.0 or later.
package enum JPEGPrecision {
    /// The system libjpeg's version, e.g. `libjpeg-turbo 2.1.5`.
    package static var library: String {
        let version = String(cString: immetaio_jpeg_library_version())
        return version.isEmpty ? "libjpeg" : "libjpeg-turbo \(version)"
    }

    /// The refusal of data with `precision` bits per sample (12 for 12-bit JPEG).
    package static func refusal(precision: Int) -> String {
        let version = String(cString: immetaio_jpeg_library_version())
        let major = Int(version.prefix { $0 != "." }) ?? 0
        let sampleBits = Int(immetaio_jpeg_sample_bits())
        let system = major >= 3
            ? "the system's \(library) has 12-bit APIs, but immetaio calls only its \(sampleBits)-bit one"
            : "the system's \(library) is built for \(sampleBits)-bit samples only"
        let reader = precision == 12
            ? "; a libjpeg-turbo 3.0 or later, which has 12-bit APIs, would read it" : ""
        return "\(precision)-bit JPEG (precision \(precision) in its SOF frame header): \(system)\(reader)"
    }
}
