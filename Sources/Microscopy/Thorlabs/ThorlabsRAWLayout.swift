/// How a ThorImage RAW file is laid out, derived from its `Experiment.xml`: uint16
/// little-endian planes, T × (Z + flyback) × C × Y × X, the flyback frames of each fast-Z
/// volume to be skipped.
///
/// The rules, from ThorImage's acquisition code and the readers that follow it:
/// - X, Y: `LSM@pixelX`, `LSM@pixelY`.
/// - C: the number of `Wavelengths/Wavelength` elements (the enabled channels ThorImage saves).
///   Only without any `Wavelength` is `LSM@channel` used, as the bit mask it is (3 = A + B).
/// - Streaming capture (`CaptureMode@mode` 1, or `Streaming@enable` 1 without a capture mode):
///   with fast Z (`Streaming@zFastEnable` 1 and `ZStage@steps` > 1) a volume is `steps` planes
///   plus `Streaming@flybackFrames`; otherwise Z is 1. T is `Timelapse@timepoints`, which
///   ThorImage sets to the number of volumes (or frames) and updates when an acquisition is
///   stopped early; without it, T is `Streaming@frames` (saved XY frames per channel, flyback
///   included) divided by the frames per volume.
/// - Z and T capture (`CaptureMode@mode` 0): Z is `ZStage@steps` (unless `ZStage@enable` is 0),
///   T is `Timelapse@timepoints`, no flyback.
public struct ThorlabsRAWLayout: Sendable, Hashable {
    /// Time points (fast-Z volumes or streamed frames).
    public var sizeT: Int
    /// Focal planes kept (flyback frames excluded).
    public var sizeZ: Int
    /// Channels.
    public var sizeC: Int
    /// Rows.
    public var sizeY: Int
    /// Columns.
    public var sizeX: Int
    /// Flyback frames stored after the planes of each volume (fast Z only).
    public var flybackFrames: Int
    /// Whether the acquisition was a streaming capture.
    public var isStreaming: Bool
    /// Whether the acquisition was a fast-Z (piezo) streaming capture.
    public var isFastZ: Bool

    /// Creates a layout.
    public init(
        sizeT: Int, sizeZ: Int, sizeC: Int, sizeY: Int, sizeX: Int, flybackFrames: Int = 0, isStreaming: Bool = true, isFastZ: Bool = false
    ) {
        self.sizeT = sizeT
        self.sizeZ = sizeZ
        self.sizeC = sizeC
        self.sizeY = sizeY
        self.sizeX = sizeX
        self.flybackFrames = flybackFrames
        self.isStreaming = isStreaming
        self.isFastZ = isFastZ
    }

    /// Derives the layout from a parsed `Experiment.xml`.
    /// - Throws: `ImMetaIOError` with `unsupportedFormat` when the root is not
    ///   `ThorImageExperiment`, `corruptData` for missing or impossible dimensions,
    ///   `unsupportedFeature` for multi-plane (`LSM@NumberOfPlanes` > 1) acquisitions.
    public init(experiment root: XMLTreeElement, file: String? = nil) throws(ImMetaIOError) {
        guard root.localName == "ThorImageExperiment" else {
            throw ImMetaIOError(.unsupportedFormat, "not a ThorImage experiment: the root element is <\(root.name)>", file: file)
        }
        // Some files carry several LSM elements of which only one is filled in.
        guard let lsm = root.elements(named: "LSM").first(where: { $0.attribute("pixelX") != nil }) else {
            throw ImMetaIOError(
                .corruptData, "Experiment.xml has no LSM element with pixelX (camera acquisitions are not supported)", file: file)
        }
        guard let sizeX = Self.positive(lsm.attribute("pixelX")), let sizeY = Self.positive(lsm.attribute("pixelY")) else {
            throw ImMetaIOError(
                .corruptData,
                "Experiment.xml: LSM pixelX '\(lsm.attribute("pixelX") ?? "")' / pixelY '\(lsm.attribute("pixelY") ?? "")' are not positive integers",
                file: file)
        }
        if let planes = Self.positive(lsm.attribute("NumberOfPlanes")), planes > 1 {
            throw ImMetaIOError(
                .unsupportedFeature, "multi-plane acquisitions (LSM NumberOfPlanes=\(planes)) are not supported", file: file)
        }
        let wavelengths = root.firstElement(named: "Wavelengths")?.elements(named: "Wavelength").count ?? 0
        var channels = wavelengths
        if channels == 0, let mask = Self.positive(lsm.attribute("channel")), mask < 1 << 16 { channels = mask.nonzeroBitCount }
        sizeC = max(1, channels)
        self.sizeX = sizeX
        self.sizeY = sizeY

        let streaming = root.firstElement(named: "Streaming")
        let captureMode = root.firstElement(named: "CaptureMode").flatMap { Int($0.attribute("mode")?.trimmingSpaces ?? "") }
        isStreaming = captureMode.map { $0 == 1 } ?? (streaming?.attribute("enable")?.trimmingSpaces == "1")
        let zStage = root.elements(named: "ZStage").first { $0.attribute("steps") != nil }
        let steps = Self.positive(zStage?.attribute("steps")) ?? 1

        if isStreaming {
            let frames = Self.positive(streaming?.attribute("frames"))
            let timepoints = Self.positive(root.firstElement(named: "Timelapse")?.attribute("timepoints"))
            guard frames != nil || timepoints != nil else {
                throw ImMetaIOError(
                    .corruptData, "Experiment.xml: streaming capture without a positive Timelapse timepoints or Streaming frames count",
                    file: file)
            }
            isFastZ = streaming?.attribute("zFastEnable")?.trimmingSpaces == "1" && steps > 1
            flybackFrames = isFastZ ? Self.nonNegative(streaming?.attribute("flybackFrames")) ?? 0 : 0
            sizeZ = isFastZ ? steps : 1
            let (perVolume, overflow) = sizeZ.addingReportingOverflow(flybackFrames)
            guard !overflow else {
                throw ImMetaIOError(
                    .corruptData, "Experiment.xml: \(steps) planes and \(flybackFrames) flyback frames per volume overflow", file: file)
            }
            if let timepoints {
                sizeT = timepoints
            } else if let frames, frames >= perVolume {
                sizeT = frames / perVolume
            } else {
                throw ImMetaIOError(
                    .corruptData,
                    "Experiment.xml: \(frames ?? 0) streamed frames do not hold one volume of \(sizeZ) planes and \(flybackFrames) flyback frames",
                    file: file)
            }
        } else {
            isFastZ = false
            flybackFrames = 0
            sizeZ = zStage?.attribute("enable")?.trimmingSpaces == "0" ? 1 : steps
            sizeT = Self.positive(root.firstElement(named: "Timelapse")?.attribute("timepoints")) ?? 1
        }
        guard expectedByteCount != nil else {
            throw ImMetaIOError(.corruptData, "Experiment.xml describes an impossibly large acquisition (\(shape))", file: file)
        }
    }

    /// `[T, Z, C, Y, X]`.
    public var shape: [Int] { [sizeT, sizeZ, sizeC, sizeY, sizeX] }

    /// Bytes of one plane (`Y × X × 2`).
    public var planeByteCount: Int { sizeY * sizeX * 2 }

    /// The size the RAW file must have: T × (Z + flyback) × C planes, or `nil` on overflow.
    public var expectedByteCount: Int? {
        var total = 2
        for factor in [sizeT, sizeZ + flybackFrames, sizeC, sizeY, sizeX] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow, factor >= 0 else { return nil }
            total = product
        }
        return total
    }

    /// The byte offset of a plane in the file (valid for indices inside the shape, once
    /// ``expectedByteCount`` is known not to overflow).
    public func planeOffset(t: Int, z: Int, c: Int) -> Int {
        ((t * (sizeZ + flybackFrames) + z) * sizeC + c) * planeByteCount
    }

    static func positive(_ text: String?) -> Int? {
        guard let text, let value = Int(text.trimmingSpaces), value > 0 else { return nil }
        return value
    }

    static func nonNegative(_ text: String?) -> Int? {
        guard let text, let value = Int(text.trimmingSpaces), value >= 0 else { return nil }
        return value
    }
}
