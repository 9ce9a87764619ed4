/// Resizes one row-major H×W plane as
/// `skimage.transform.resize(plane, (h, w), order=order, preserve_range=True, anti_aliasing=None)`
/// does (scikit-image 0.26 on scipy 1.17), before the caller's `.astype(original dtype)`.
///
/// The pipeline is skimage's: optional Gaussian anti-aliasing (`scipy.ndimage.gaussian_filter`,
/// mirror boundary), the spline prefilter for orders ≥ 2, `scipy.ndimage.zoom` with
/// `grid_mode=True` and mirror boundary, then clipping to the input's value range. Each step keeps
/// scipy's operation order, and float32 planes are rounded to `Float` wherever numpy stores
/// float32 arrays, so results match to the bit in the vast majority of pixels.
///
/// Everything that depends only on the sizes and the order is computed once in `init`; reuse
/// one resizer for all planes of the same geometry, and one `PlaneResizeWorkspace` per thread.
struct PlaneResizer: Sendable {
    /// The element type the plane had before resizing; it decides what skimage does.
    enum InputKind: Sendable {
        /// Any integer dtype: processed in float64; no anti-aliasing at order 0.
        case integer
        /// float32 (and float16, which skimage widens to float32): processed and stored in float32.
        case float32
        /// float64: processed in float64.
        case float64
        /// bool: only order 0 is allowed and no anti-aliasing happens.
        case bool
    }

    /// Why a resizer cannot be built; skimage raises for the same inputs.
    enum Failure: Error, Equatable {
        /// A dimension is smaller than 1.
        case emptyPlane
        /// The spline order is outside 0…5.
        case unsupportedOrder(Int)
        /// skimage refuses interpolation orders above 0 for boolean images.
        case booleanNeedsOrderZero
    }

    /// Input plane size. (Stored as plain integers: tuple members would go through runtime
    /// tuple metadata in unspecialised code.)
    let inputHeight: Int, inputWidth: Int
    /// Output plane size.
    let outputHeight: Int, outputWidth: Int
    /// Spline order, 0…5.
    let order: Int
    /// What the input's dtype was.
    let input: InputKind

    private let vertical: ZoomAxis
    private let horizontal: ZoomAxis
    /// Anti-aliasing kernels along axis 0 and axis 1; nil where the axis is not smoothed.
    private let verticalKernel: GaussianKernel?
    private let horizontalKernel: GaussianKernel?
    private let prefilter: SplinePrefilter?

    /// Prepares a resize from `from` to `to` with spline `order` (0 nearest, 1 linear, … 5 quintic).
    ///
    /// - Throws: `Failure` for empty sizes, orders outside 0…5, or bool input with order > 0.
    init(from: (height: Int, width: Int), to: (height: Int, width: Int), order: Int, input: InputKind) throws(Failure) {
        guard from.height >= 1, from.width >= 1, to.height >= 1, to.width >= 1 else { throw .emptyPlane }
        guard (0...5).contains(order) else { throw .unsupportedOrder(order) }
        if input == .bool && order != 0 { throw .booleanNeedsOrderZero }
        inputHeight = from.height
        inputWidth = from.width
        outputHeight = to.height
        outputWidth = to.width
        self.order = order
        self.input = input
        vertical = ZoomAxis(inputLength: from.height, outputLength: to.height, order: order)
        horizontal = ZoomAxis(inputLength: from.width, outputLength: to.width, order: order)

        // anti_aliasing=None: on when any axis shrinks, except for bool input and for integer
        // input at order 0 (nearest neighbour then keeps the integer array as it is).
        let downscales = to.height < from.height || to.width < from.width
        let antiAliasing = downscales && input != .bool && !(input == .integer && order == 0)
        if antiAliasing {
            // σ = max(0, (in/out − 1) / 2) per axis; a zero σ leaves that axis unfiltered.
            verticalKernel = GaussianKernel(sigma: max(0, (Double(from.height) / Double(to.height) - 1) / 2))
            horizontalKernel = GaussianKernel(sigma: max(0, (Double(from.width) / Double(to.width) - 1) / 2))
        } else {
            verticalKernel = nil
            horizontalKernel = nil
        }
        prefilter = SplinePrefilter(order: order)
    }

    /// True when sizes are equal: skimage (through `zoom`'s early exit) then returns the input.
    var isIdentity: Bool { inputHeight == outputHeight && inputWidth == outputWidth }

    /// Number of input elements a plane must have.
    var inputCount: Int { inputHeight * inputWidth }
    /// Number of output elements written.
    var outputCount: Int { outputHeight * outputWidth }

    /// Resizes `plane` (row-major, `inputHeight × inputWidth`) into `out` (`outputHeight × outputWidth`).
    ///
    /// Values are the float64 result skimage returns before `astype`; convert them with
    /// `NumpyCast`. For `.float32` input the values are exactly representable as `Float`.
    /// Allocates scratch memory per call; use `resize(_:into:workspace:)` in loops.
    func resize(_ plane: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        var workspace = PlaneResizeWorkspace()
        resize(plane, into: out, workspace: &workspace)
    }

    /// Resizes like `resize(_:into:)`, reusing `workspace`'s buffers so that resizing many planes
    /// allocates nothing after the first call.
    ///
    /// `plane` must hold at least `inputCount` values and `out` room for `outputCount`
    /// (checked with `precondition`: a mismatch is a programming error of the caller); the two
    /// buffers must not overlap.
    func resize(
        _ plane: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
        workspace: inout PlaneResizeWorkspace
    ) {
        precondition(plane.count >= inputCount && out.count >= outputCount, "plane or output buffer too small")
        guard let source = plane.baseAddress, let destination = out.baseAddress else { return }
        if isIdentity {
            // zoom returns a copy when every factor is 1, and clipping cannot change it.
            destination.update(from: source, count: inputCount)
            return
        }
        let range = ValueRange(source, count: inputCount)
        let radius = max(verticalKernel?.radius ?? 0, horizontalKernel?.radius ?? 0)
        workspace.reserve(
            planeCount: inputCount,
            lineCount: max(inputWidth + 2 * radius, SplinePrefilter.rowBlock * inputWidth))
        workspace.withBuffers { first, second, line in
            let height = inputHeight
            let width = inputWidth
            let roundToFloat = input == .float32
            // `current` is the plane after the steps done so far; it starts as the caller's input.
            var current = source
            if let kernel = verticalKernel {
                kernel.filterColumns(current, into: first, height: height, width: width, roundToFloat: roundToFloat)
                current = UnsafePointer(first)
            }
            if let kernel = horizontalKernel {
                let target = current == UnsafePointer(first) ? second : first
                kernel.filterRows(
                    current, into: target, height: height, width: width, roundToFloat: roundToFloat, line: line)
                current = UnsafePointer(target)
            }
            if let prefilter {
                // spline_filter writes float64 coefficients; work in place on a scratch plane.
                let coefficients = current == UnsafePointer(first) ? first : second
                if current != UnsafePointer(coefficients) {
                    coefficients.update(from: current, count: inputCount)
                }
                prefilter.filterColumns(coefficients, height: height, width: width)
                prefilter.filterRows(coefficients, height: height, width: width, scratch: line)
                current = UnsafePointer(coefficients)
            }
            interpolate(current, into: destination, roundToFloat: roundToFloat)
        }
        range.clip(destination, count: outputCount)
    }

    /// Evaluates the separable spline at every output pixel, summing the (order+1)² terms in
    /// scipy's order — row tap outer, column tap inner, each term `(c · w_row) · w_col` — so the
    /// rounding matches zoom's N-D loop rather than a two-pass separable sum.
    private func interpolate(
        _ source: UnsafePointer<Double>, into destination: UnsafeMutablePointer<Double>, roundToFloat: Bool
    ) {
        let taps = order + 1
        let width = inputWidth
        let outWidth = outputWidth
        vertical.indices.withUnsafeBufferPointer { rowIndex in
            vertical.weights.withUnsafeBufferPointer { rowWeight in
                horizontal.indices.withUnsafeBufferPointer { columnIndex in
                    horizontal.weights.withUnsafeBufferPointer { columnWeight in
                        for y in 0..<outputHeight {
                            let out = destination + y * outWidth
                            if order == 0 {
                                let line = source + rowIndex[y] * width
                                // zoom adds the sample to 0.0, which turns -0.0 into +0.0.
                                for x in 0..<outWidth { out[x] = 0.0 + line[columnIndex[x]] }
                                continue
                            }
                            for x in 0..<outWidth {
                                var sum = 0.0
                                for i in 0..<taps {
                                    let line = source + rowIndex[y * taps + i] * width
                                    let wr = rowWeight[y * taps + i]
                                    for j in 0..<taps {
                                        sum += (line[columnIndex[x * taps + j]] * wr) * columnWeight[x * taps + j]
                                    }
                                }
                                out[x] = sum
                            }
                        }
                        if roundToFloat {
                            for k in 0..<outputCount { destination[k] = Double(Float(destination[k])) }
                        }
                    }
                }
            }
        }
    }
}
