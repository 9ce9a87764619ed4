import Testing

@testable import ImageConversion

@Suite struct ResizeHelpersTests {
    @Test func numpyCastTruncatesTowardZeroAndSaturates() {
        #expect(NumpyCast.integer(254.999, as: UInt8.self) == 254)
        #expect(NumpyCast.integer(-7.9, as: Int16.self) == -7)
        #expect(NumpyCast.integer(-0.5, as: UInt8.self) == 0)
        #expect(NumpyCast.integer(1e9, as: UInt16.self) == .max)
        #expect(NumpyCast.integer(-1e9, as: Int16.self) == .min)
        #expect(NumpyCast.integer(.nan, as: Int32.self) == 0)
        #expect(NumpyCast.integer(.infinity, as: Int64.self) == .max)
        #expect(NumpyCast.integer(9.3e18, as: Int64.self) == .max)
        #expect(NumpyCast.integer(1.8e19, as: UInt64.self) == 18_000_000_000_000_000_000)
        #expect(NumpyCast.float32(0.1) == Float(0.1))
        #expect(NumpyCast.bool(.nan) && !NumpyCast.bool(0))
    }

    @Test func numpyCastConvertsBuffers() {
        let source: [Double] = [0.9, 255.5, -3, 17.2]
        var bytes = [UInt8](repeating: 1, count: 4)
        source.withUnsafeBufferPointer { s in bytes.withUnsafeMutableBufferPointer { NumpyCast.convert(s, into: $0) } }
        #expect(bytes == [0, 255, 0, 17])
    }

    @Test func mirrorIndexFollowsTheWholeSampleMirror() {
        // Length 4 (a b c d) extends as ... c d c b | a b c d | c b a b ...
        let mapped = (-7...10).map { MirrorBoundary.index($0, length: 4) }
        #expect(mapped == [1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2])
        #expect((-3...3).map { MirrorBoundary.index($0, length: 1) } == [0, 0, 0, 0, 0, 0, 0])
        #expect(MirrorBoundary.coordinate(-0.25, length: 5) == 0.25)
        #expect(MirrorBoundary.coordinate(5.5, length: 5) == 2.5)
        // Like scipy, positions between the last sample and `length` are left as they are: the
        // mirrored spline taps make the interpolated value the same either way.
        #expect(MirrorBoundary.coordinate(4.5, length: 5) == 4.5)
    }

    @Test func numpySumUsesPairwiseOrder() {
        // numpy.sum of these nine values is 17082726.889140174; a left-to-right sum gives ...178.
        let values = [
            2.3796462709189137e-05, 3699551.6654807925, 6.257203041080539e-07, 6055995.301393269,
            0.025935401432800764, 1917441.039952995, 5409738.856290388, 3.9713457702896096e-05,
            2.3192200537667165e-05,
        ]
        #expect(NumpySum.pairwise(values) == 17082726.889140174)
    }

    @Test func gaussianKernelMatchesScipy() throws {
        // scipy.ndimage._filters._gaussian_kernel1d(1.5, 0, 6)[6:] (σ of a 4× downscale).
        let kernel = try #require(GaussianKernel(sigma: 1.5))
        #expect(kernel.radius == 6)
        #expect(kernel.weights == [
            0.2659642571610709, 0.212967528547854, 0.1093411749545305, 0.03599434807370883,
            0.007597402196596929, 0.001028196578138909, 8.922106863539231e-05,
        ])
        #expect(GaussianKernel(sigma: 0) == nil)
    }

    @Test func splineWeightsSumToOne() {
        var weights = [Double](repeating: 0, count: 6)
        for order in 1...5 {
            for coordinate in stride(from: 0.0, through: 3.0, by: 0.125) {
                weights.withUnsafeMutableBufferPointer { BSplineWeights.fill(coordinate: coordinate, order: order, into: $0) }
                let sum = weights[0...order].reduce(0, +)
                #expect(abs(sum - 1) < 1e-15)
            }
        }
    }
}
