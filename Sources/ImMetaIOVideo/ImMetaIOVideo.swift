@_exported import ImMetaIO
@_exported import VideoFormat

extension FormatRegistry {
    /// ``FormatRegistry/standard`` with the FFmpeg video plugin added (MP4, Matroska, WebM, AVI, QuickTime).
    public static let standardWithVideo: FormatRegistry = {
        var registry = FormatRegistry.standard
        registry.register(VideoFormat())
        return registry
    }()
}
