import Testing

@testable import ImageConversion

/// Runs one resize through the public entry point and returns the float64 result.
private func resized(
    _ plane: [Double], from: (Int, Int), to: (Int, Int), order: Int, input: PlaneResizer.InputKind = .float64
) throws -> [Double] {
    let resizer = try PlaneResizer(from: from, to: to, order: order, input: input)
    var out = [Double](repeating: .nan, count: to.0 * to.1)
    plane.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { resizer.resize(p, into: $0) } }
    return out
}

/// Asserts element-wise closeness (relative to the larger magnitude, at least 1).
private func expectClose(_ got: [Double], _ want: [Double], tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, sourceLocation: sourceLocation)
    for (k, (g, w)) in zip(got, want).enumerated() {
        let scale = max(1, abs(w))
        #expect(abs(g - w) <= tolerance * scale, "element \(k): got \(g), want \(w)", sourceLocation: sourceLocation)
    }
}

@Suite struct PlaneResizerTests {
    @Test(arguments: 0...5)
    func equalSizesReturnTheInput(order: Int) throws {
        let plane = (0..<35).map { Double(($0 * 37) % 23) - 4.5 }
        for kind in [PlaneResizer.InputKind.integer, .float32, .float64] {
            #expect(try resized(plane, from: (5, 7), to: (5, 7), order: order, input: kind) == plane)
        }
    }

    @Test(arguments: 0...5)
    func constantPlanesStayConstant(order: Int) throws {
        let geometries = [((9, 13), (4, 30)), ((16, 16), (7, 5)), ((1, 8), (3, 3)), ((6, 1), (11, 2))]
        for (from, to) in geometries {
            let plane = [Double](repeating: 77, count: from.0 * from.1)
            let out = try resized(plane, from: from, to: to, order: order, input: .integer)
            #expect(out.allSatisfy { $0 == 77 }, "\(from) -> \(to)")
        }
    }

    // Expected values below were produced by scikit-image 0.26 / scipy 1.17 (numpy 2.4):
    // resize(a, (5, 3), order=k, preserve_range=True, anti_aliasing=None) on this float64 input.
    // Width shrinks 4 -> 3, so anti-aliasing (σ = 1/6) is on; height grows 3 -> 5.
    static let small: [Double] = [0, 10, 20, 40, 5, 80, 15, 0, 60, 30, 90, 25]
    static let smallExpected: [[Double]] = [
        [3.045995856161594e-07, 20.000000152299794, 39.99999939080083, 3.045995856161594e-07, 20.000000152299794,
         39.99999939080083, 5.000002284496893, 15.000000761498963, 4.568993784242391e-07, 59.99999908620124,
         89.99999809625258, 25.000001979897306, 59.99999908620124, 89.99999809625258, 25.000001979897306],
        [4.833333846075968, 21.499999923850105, 29.833333049040387, 8.000000771652282, 27.999999771550307,
         22.999999913696787, 17.500001548381224, 47.499999314650935, 2.5000005076659804, 40.00000029952293,
         54.999999565945586, 22.500001002640317, 47.49999988323684, 57.49999964971048, 29.166667834298437],
        [0.3268787508007751, 16.740000031678356, 36.15756561972751, 0.0694189006252337, 24.959999761193924,
         27.20169276770006, 8.944446502183867, 56.49999890344151, 0.055556056452654934, 45.4026455763296,
         63.89999932988093, 18.841800431726075, 54.880422716478904, 63.599999512640665, 26.097356198470678],
        [0.13574122531920332, 17.21500000906185, 35.109629125920634, 0.0, 25.944999707355954, 25.789999659522543,
         10.000001997524578, 58.74999880063916, 0.0, 44.6666668286234, 66.03999923240909, 18.346668125179754,
         53.65092546134954, 65.00499944296354, 26.237779418320137],
        [0.06417691271805967, 16.821186401097403, 35.619453409380526, 0.0, 25.9000962938228, 26.282262235640243,
         9.309269032869707, 60.73529282757826, 0.0, 45.192346809356216, 67.45646729154596, 18.16184865641889,
         54.23396025116233, 65.85396597412303, 26.038095857885427],
        [0.01697943749604932, 16.855368770965487, 35.498895278606035, 0.0, 26.104299687686485, 26.122377035275264,
         9.361053788382128, 61.56249867213615, 0.0, 45.11539788472157, 68.11224915165434, 18.06621273027126,
         54.07658289184593, 66.31003063991152, 26.01462178398124],
    ]

    @Test(arguments: 0...5)
    func smallFloat64MatchesSkimage(order: Int) throws {
        let out = try resized(Self.small, from: (3, 4), to: (5, 3), order: order)
        expectClose(out, Self.smallExpected[order])
    }

    // From skimage: a 4×6 uint8 plane (checkerboard left, ramp right) resized to 2×3, then
    // .astype(np.uint8). Exercises anti-aliasing on both axes and truncation.
    static let checker: [Double] = [
        0, 255, 0, 255, 10, 20, 255, 0, 255, 0, 30, 40, 0, 255, 0, 255, 50, 60, 255, 0, 255, 0, 70, 80,
    ]
    static let checkerExpected: [[UInt8]] = [
        [0, 0, 40, 0, 0, 80], [127, 121, 32, 127, 123, 66], [127, 128, 23, 127, 128, 64],
        [127, 130, 23, 127, 129, 64], [127, 131, 23, 127, 130, 65], [128, 132, 23, 127, 130, 65],
    ]

    @Test(arguments: 0...5)
    func smallUInt8MatchesSkimage(order: Int) throws {
        let out = try resized(Self.checker, from: (4, 6), to: (2, 3), order: order, input: .integer)
        #expect(out.map { NumpyCast.integer($0, as: UInt8.self) } == Self.checkerExpected[order])
    }

    // From skimage on a float32 2×2 plane upscaled to 3×3: the result is float32, so these are
    // the exact float32 values (printed as float64).
    static let float32Expected: [[Double]] = [
        [0.5, 1.25, 1.25, 2.0, -1.0, -1.0, 2.0, -1.0, -1.0],
        [0.7708333134651184, 0.8125, 0.8541666865348816, 1.0625, 0.6875, 0.3125, 1.3541666269302368, 0.5625,
         -0.2291666716337204],
        [0.6134259104728699, 0.8541666865348816, 1.0949074029922485, 1.1875, 0.6875, 0.1875, 1.7615740299224854,
         0.5208333134651184, -0.7199074029922485],
        [0.6460905075073242, 0.8472222089767456, 1.048353910446167, 1.1666666269302368, 0.6875, 0.2083333283662796,
         1.6872427463531494, 0.5277777910232544, -0.6316872239112854],
        [0.6311671137809753, 0.8504629731178284, 1.0697587728500366, 1.1763888597488403, 0.6875, 0.19861111044883728,
         1.72161066532135, 0.5245370268821716, -0.6725365519523621],
        [0.6350401639938354, 0.849633514881134, 1.0642268657684326, 1.1739004850387573, 0.6875, 0.20109952986240387,
         1.7127608060836792, 0.525366485118866, -0.6620277762413025],
    ]

    @Test(arguments: 0...5)
    func smallFloat32MatchesSkimageExactly(order: Int) throws {
        let out = try resized([0.5, 1.25, 2.0, -1.0], from: (2, 2), to: (3, 3), order: order, input: .float32)
        #expect(out == Self.float32Expected[order])
    }

    // From skimage: resize([[1, 4, 2]], (1, 7), order=k) — upscaling a single row.
    static let rowExpected: [[Double]] = [
        [1.0, 1.0, 4.0, 4.0, 4.0, 2.0, 2.0],
        [1.8571428571428572, 1.4285714285714284, 2.7142857142857144, 4.0, 3.1428571428571432, 2.2857142857142856,
         2.571428571428571],
        [1.462585034013605, 1.1156462585034015, 2.7959183673469385, 4.0, 3.3673469387755106, 2.08843537414966,
         2.353741496598639],
        [1.5510204081632666, 1.153061224489796, 2.714285714285715, 4.0, 3.317784256559767, 2.1239067055393597,
         2.4402332361516037],
        [1.5137625404619428, 1.1336139181773681, 2.7241719458997373, 4.0, 3.341633968302682, 2.107952095983399,
         2.412518175906238],
        [1.523353364669484, 1.1377885702385953, 2.716070684833696, 3.999999999999995, 3.337418932587612,
         2.1124048015707735, 2.423276015945733],
    ]

    @Test(arguments: 0...5)
    func upscalingASingleRow(order: Int) throws {
        expectClose(try resized([1, 4, 2], from: (1, 3), to: (1, 7), order: order), Self.rowExpected[order])
    }

    @Test(arguments: 0...5)
    func singlePixelInputFillsTheOutput(order: Int) throws {
        for to in [(3, 4), (1, 1), (1, 9), (6, 1)] {
            #expect(try resized([7], from: (1, 1), to: to, order: order).allSatisfy { $0 == 7 })
        }
    }

    @Test(arguments: 0...5)
    func mirroredInputsGiveMirroredOutputs(order: Int) throws {
        // A plane symmetric left-right and top-bottom must resize to a symmetric plane (up to
        // rounding, since sums run in a fixed direction).
        let (h, w) = (9, 12)
        var plane = [Double](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                let yy = min(y, h - 1 - y)
                let xx = min(x, w - 1 - x)
                plane[y * w + x] = Double((yy * 7 + xx * 13) % 17) * 10
            }
        }
        for (oh, ow) in [(5, 7), (20, 17), (9, 4)] {
            let out = try resized(plane, from: (h, w), to: (oh, ow), order: order)
            for y in 0..<oh {
                for x in 0..<ow {
                    let value = out[y * ow + x]
                    #expect(abs(value - out[y * ow + (ow - 1 - x)]) < 1e-9)
                    #expect(abs(value - out[(oh - 1 - y) * ow + x]) < 1e-9)
                }
            }
        }
    }

    @Test func outputStaysInsideTheInputRange() throws {
        // Higher orders overshoot at edges; clip=True brings values back into [min, max].
        let plane: [Double] = [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]
        for order in 2...5 {
            let out = try resized(plane, from: (1, 12), to: (1, 29), order: order, input: .integer)
            #expect(out.allSatisfy { (0...255).contains($0) })
            #expect(out.contains(0) && out.contains(255))
        }
    }

    @Test func integerNearestNeighbourSkipsAntiAliasing() throws {
        // Order 0 on integer input only picks samples; on float input it smooths first.
        let plane: [Double] = [0, 100, 0, 100, 0, 100, 0, 100]
        let integer = try resized(plane, from: (1, 8), to: (1, 3), order: 0, input: .integer)
        let float = try resized(plane, from: (1, 8), to: (1, 3), order: 0, input: .float64)
        #expect(integer.allSatisfy { $0 == 0 || $0 == 100 })
        #expect(float.contains { $0 != 0 && $0 != 100 })
    }

    @Test func nanPropagatesAndIsIgnoredByTheClipRange() throws {
        let plane: [Double] = [1, .nan, 3, 4, 5, 6]
        let out = try resized(plane, from: (2, 3), to: (4, 6), order: 1)
        #expect(out.contains { $0.isNaN })
        #expect(out.filter { !$0.isNaN }.allSatisfy { (1...6).contains($0) })
        let allNaN = try resized([.nan, .nan], from: (1, 2), to: (1, 3), order: 1)
        #expect(allNaN.allSatisfy { $0.isNaN })
    }

    @Test func workspaceReuseAcrossGeometriesMatchesFreshResizes() throws {
        var workspace = PlaneResizeWorkspace()
        let geometries = [((40, 30), (13, 50), 3), ((3, 5), (2, 9), 1), ((64, 64), (32, 32), 5)]
        for (from, to, order) in geometries {
            let plane = (0..<(from.0 * from.1)).map { Double(($0 * 7919) % 251) }
            let resizer = try PlaneResizer(from: from, to: to, order: order, input: .integer)
            var out = [Double](repeating: 0, count: to.0 * to.1)
            plane.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { resizer.resize(p, into: $0, workspace: &workspace) }
            }
            #expect(out == (try resized(plane, from: from, to: to, order: order, input: .integer)))
        }
    }

    @Test func invalidRequestsThrow() {
        #expect(throws: PlaneResizer.Failure.unsupportedOrder(6)) {
            try PlaneResizer(from: (2, 2), to: (3, 3), order: 6, input: .float64)
        }
        #expect(throws: PlaneResizer.Failure.booleanNeedsOrderZero) {
            try PlaneResizer(from: (2, 2), to: (3, 3), order: 1, input: .bool)
        }
        #expect(throws: PlaneResizer.Failure.emptyPlane) {
            try PlaneResizer(from: (0, 2), to: (3, 3), order: 1, input: .float64)
        }
    }
}
