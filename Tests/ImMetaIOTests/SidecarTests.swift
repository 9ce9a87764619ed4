import Foundation
import ImMetaIO
import Testing

/// The sidecar layout must equal Python immetaio's byte for byte (golden files in `Golden/`).
@Suite struct SidecarTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func goldenText(_ name: String) throws -> String {
        try String(contentsOf: golden.appendingPathComponent("\(name).json"), encoding: .utf8)
    }

    static func cases() throws -> [(String, JSONObject)] {
        let matrix = try NDArray([1.5, 0, 320, 0, 1.5, 240, 0, 0, 1] as [Float], shape: [3, 3])
        let stack = try NDArray((0..<8).map { Int8($0) }, shape: [2, 2, 2])
        let half = try NDArray([0.5, -2.0] as [Double], shape: [1, 2])
        return [
            ("camera", [
                "exposure_time": 0.01, "camera_matrix": [[1000, 0, 320], [0, 1000, 240], [0, 0, 1]],
                "timestamp": "2025-06-25T12:00:00",
            ]),
            ("scalars", [
                "small": 1e-05, "big": 1e16, "nan": .double(.nan), "inf": .double(.infinity), "neg_inf": .double(-.infinity),
                "pi": 3.141592653589793, "neg_zero": .double(-0.0), "tenth": 0.1, "large_float": 1.2345678901234568e+17,
                "unicode": "Zürich ✓ 😀", "escapes": "a\"b\\c\nd\te\u{01}\u{7f}/", "none": nil, "flag": true, "int": -42,
                "big_int": 9_007_199_254_740_993, "empty_list": [], "empty_dict": [:], "one": 1.0,
            ]),
            ("nesting", [
                "nested": [
                    "a": [1, [2, 3]], "b": [["x": 1], ["y": [1, 2]]], "c": [[1, 2], [3]], "d": [[[1]]], "e": [[], []],
                    "f": [[["k": 1]]], "g": [[1, "two", nil, true]],
                ]
            ]),
            ("arrays", [
                "K": .ndarray(matrix), "ids": .ndarray(NDArray((0..<5).map { UInt16($0) })),
                "mask": .ndarray(NDArray([true, false])), "scalar": 2.5, "zero_d": .ndarray(NDArray(scalar: Int64(3))),
                "tenth32": .ndarray(NDArray([Float(0.1)])), "half": .ndarray(half.astype(.float16)),
                "stack": .ndarray(stack), "list_of_arrays": [.ndarray(NDArray([1, 2] as [Int32]))],
            ]),
        ]
    }

    @Test(arguments: ["camera", "scalars", "nesting", "arrays"])
    func writesPythonImmetaiosBytes(name: String) throws {
        let metadata = try #require(try Self.cases().first { $0.0 == name }?.1)
        #expect(SidecarJSON.encode(metadata) == (try Self.goldenText(name)))
    }

    @Test(arguments: ["camera", "scalars", "nesting", "arrays"])
    func readsPythonImmetaiosFilesBack(name: String) throws {
        let metadata = try #require(try Self.cases().first { $0.0 == name }?.1)
        let decoded = try SidecarJSON.decode(try Self.goldenText(name))
        // Compare through the text: NaN is not equal to itself.
        #expect(SidecarJSON.encode(decoded) == SidecarJSON.encode(metadata))
        #expect(decoded.keys == metadata.keys)
    }

    @Test func arraysComeBackAsArrays() throws {
        let decoded = try SidecarJSON.decode(try Self.goldenText("arrays"))
        let matrix = try #require(decoded["K"]?.ndarrayValue)
        #expect(matrix.shape == [3, 3])
        #expect(matrix.dtype == .float32)
        #expect(matrix.scalars(as: Float.self)[2] == 320)
        #expect(decoded["zero_d"]?.ndarrayValue == NDArray(scalar: Int64(3)))
        #expect(decoded["half"]?.ndarrayValue?.dtype == .float16)
        #expect(decoded["mask"]?.ndarrayValue?.scalars(as: Bool.self) == [true, false])
    }

    @Test func parserRejectsBadJSON() {
        for text in ["", "{", "{\"a\": }", "[1, 2", "{\"a\" 1}", "nul", "\"unterminated", "{\"a\": 1} x", "01x",
                     String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)] {
            #expect(throws: JSONParser.SyntaxError.self, "\(text.prefix(20))") { try JSONParser.parse(text) }
        }
        #expect(throws: (any Error).self) { try SidecarJSON.decode("[1, 2]") }
        #expect(throws: (any Error).self) { try SidecarJSON.decode(#"{"a": {"type": "ndarray", "values": [[1], [2, 3]]}}"#) }
    }

    struct Capture: Codable, Equatable {
        var exposureTime: Double
        var camera: String
        var intrinsics: NDArray
        var tags: [String]
        var lens: Lens?

        struct Lens: Codable, Equatable {
            var focalLength: Double
            var aperture: Double
        }
    }

    @Test func codableMetadataKeepsDeclarationOrderAndArrays() throws {
        let intrinsics = try NDArray([1000, 0, 320, 0, 1000, 240, 0, 0, 1] as [Double], shape: [3, 3])
        let capture = Capture(
            exposureTime: 0.01, camera: "A", intrinsics: intrinsics, tags: ["x", "y"],
            lens: .init(focalLength: 35, aperture: 1.8))
        let value = try JSONValue(encoding: capture)
        #expect(value.objectValue?.keys == ["exposureTime", "camera", "intrinsics", "tags", "lens"])
        #expect(value["intrinsics"]?.ndarrayValue == intrinsics)
        #expect(try value.decode(as: Capture.self) == capture)
        // Through the sidecar text and back.
        let text = SidecarJSON.encode(try #require(value.objectValue))
        #expect(try JSONValue.object(SidecarJSON.decode(text)).decode(as: Capture.self) == capture)
        // A missing field is a clear decoding error.
        #expect(throws: DecodingError.self) { try (["camera": "A"] as JSONValue).decode(as: Capture.self) }
    }
}
