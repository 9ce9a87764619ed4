import NDArrayModule

/// Encodes the frames of one animation, from the first one on; made by a
/// ``StillOrAnimationWriter`` once a second frame arrives.
public protocol AnimationEncoder: AnyObject {
    /// Encodes the next frame (same shape and dtype as the first, checked by the caller).
    func add(_ frame: NDArray) throws
    /// Writes whatever follows the last frame.
    func finish() throws
}

/// The writer of a format that stores one image as a still and several as an animation (PNG and
/// animated PNG, WebP): the first image is held until a second one makes the file an animation,
/// or ``finish()`` writes it as a still, as Pillow writes a one-frame animation.
///
/// Images come one per ``append(_:metadata:)``, or as a stack the format recognises (N×H×W×C),
/// which is split into frames. Every frame must have the first one's shape and dtype.
public final class StillOrAnimationWriter: ImageWriter {
    private let sink: OutputSink
    private let formatName: String
    private let isStack: (NDArray) -> Bool
    private let check: (NDArray) throws -> Void
    private let still: (NDArray, JSONObject) throws -> Void
    private let animate: (NDArray, JSONObject) throws -> any AnimationEncoder
    private var first: (image: NDArray, metadata: JSONObject)?
    private var animation: (any AnimationEncoder)?
    /// The first frame's shape and dtype, which every later frame must have.
    private var reference: (shape: [Int], dtype: DType) = ([], .uint8)

    /// Creates a writer.
    ///
    /// - Parameters:
    ///   - sink: where the file's bytes go.
    ///   - formatName: the format's name, for messages.
    ///   - isStack: whether an appended array is a stack of frames along its first axis.
    ///   - check: throws when a first frame is not one the format stores (called at once, so the
    ///     error comes from the `append` that passed it).
    ///   - still: writes one image with its metadata as the whole file.
    ///   - animate: starts an animation whose first frame and metadata are given; the writer then
    ///     adds that frame and the later ones.
    public init(
        sink: OutputSink, formatName: String, isStack: @escaping (NDArray) -> Bool, check: @escaping (NDArray) throws -> Void,
        still: @escaping (NDArray, JSONObject) throws -> Void, animate: @escaping (NDArray, JSONObject) throws -> any AnimationEncoder
    ) {
        self.sink = sink
        self.formatName = formatName
        self.isStack = isStack
        self.check = check
        self.still = still
        self.animate = animate
    }

    public func append(_ image: NDArray, metadata: JSONObject) throws {
        guard isStack(image) else {
            try add(image, metadata: metadata)
            return
        }
        guard image.shape[0] > 0 else {
            throw ImMetaIOError(.invalidArgument, "an empty stack of images (shape \(image.shape)) has nothing to write", file: sink.displayName)
        }
        let shape = Array(image.shape.dropFirst())
        let frameBytes = image.byteCount / image.shape[0]
        for index in 0..<image.shape[0] {
            let frame = image.withUnsafeBytes { raw in
                NDArray(unsafeUninitializedShape: shape, dtype: image.dtype) { out in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(index * frameBytes)..<((index + 1) * frameBytes)]))
                }
            }
            try add(frame, metadata: metadata)
        }
    }

    private func add(_ frame: NDArray, metadata: JSONObject) throws {
        if let animation {
            try checkMatches(frame)
            try animation.add(frame)
        } else if let first {
            try checkMatches(frame)
            let animation = try animate(first.image, first.metadata)
            self.animation = animation
            self.first = nil
            try animation.add(first.image)
            try animation.add(frame)
        } else {
            try check(frame)
            first = (frame, metadata)
            reference = (frame.shape, frame.dtype)
        }
    }

    private func checkMatches(_ frame: NDArray) throws {
        guard frame.shape == reference.shape, frame.dtype == reference.dtype else {
            throw ImMetaIOError(
                .invalidArgument,
                "every frame of an animated \(formatName) must be \(reference.dtype) \(reference.shape) like the first, "
                    + "not \(frame.dtype) \(frame.shape)", file: sink.displayName)
        }
    }

    public func finish() throws {
        if let animation {
            try animation.finish()
        } else if let first {
            try still(first.image, first.metadata)
        } else {
            throw ImMetaIOError(.invalidArgument, "no image was written", file: sink.displayName)
        }
    }
}
