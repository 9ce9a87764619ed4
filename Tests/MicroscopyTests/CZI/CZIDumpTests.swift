import Foundation
import Microscopy
import Testing

/// Writes what the CZI reader makes of a list of files, for `check_czi.py` to compare with
/// pylibCZIrw and czifile. Runs only when `IMMETAIO_CZI_DUMP` names an output folder and
/// `IMMETAIO_CZI_DUMP_LIST` a text file of CZI paths, one per line.
///
/// For the `n`-th path it writes `n.json` (per scene: index, name, shape, dtype, origin, levels,
/// physical sizes in µm, time increment in s, channel names and colours, annotations, or the
/// error) and `n.s<k>.npy`, the `k`-th image read whole at full resolution.
@Suite struct CZIDumpTests {
    static let output = ProcessInfo.processInfo.environment["IMMETAIO_CZI_DUMP"]
    static let list = ProcessInfo.processInfo.environment["IMMETAIO_CZI_DUMP_LIST"]

    @Test(.enabled(if: output != nil && list != nil, "set IMMETAIO_CZI_DUMP and IMMETAIO_CZI_DUMP_LIST to dump CZI reads"))
    func dumpReads() throws {
        let folder = URL(fileURLWithPath: try #require(Self.output))
        let paths = try String(contentsOfFile: try #require(Self.list), encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (number, path) in paths.enumerated() {
            var record: [String: Any] = ["path": path]
            do {
                let file = try CZIFile(path: path)
                var scenes: [[String: Any]] = []
                for (index, image) in file.scenes.enumerated() {
                    let metadata = image.metadata
                    var scene: [String: Any] = [
                        "scene": image.sceneIndex as Any, "name": metadata.name as Any, "axes": metadata.axesString, "shape": metadata.shape,
                        "dtype": metadata.dtype.rawValue, "origin": [image.originX, image.originY], "levelShapes": image.levelShapes,
                        "physicalSizeX": metadata.physicalSizeX?.converted(to: .micrometer)?.value as Any,
                        "physicalSizeY": metadata.physicalSizeY?.converted(to: .micrometer)?.value as Any,
                        "physicalSizeZ": metadata.physicalSizeZ?.converted(to: .micrometer)?.value as Any,
                        "timeIncrement": metadata.timeIncrement?.converted(to: .second).value as Any,
                        "channels": metadata.channels.map { ["name": $0.name as Any, "color": $0.color.map { $0.hexRGB + String($0.alpha, radix: 16) } as Any] },
                        "annotations": Dictionary(uniqueKeysWithValues: metadata.annotations.filter { !$0.key.hasPrefix("CZI.Information") && !$0.key.hasPrefix("CZI.Scaling") }.map { ($0.key, $0.value) }),
                    ]
                    do {
                        let pixels = try image.read()
                        try Data(NPY.encode(pixels)).write(to: folder.appendingPathComponent("\(number).s\(index).npy"))
                    } catch {
                        scene["error"] = "\(error)"
                    }
                    scenes.append(scene)
                }
                record["scenes"] = scenes
            } catch {
                record["error"] = "\(error)"
            }
            let json = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: folder.appendingPathComponent("\(number).json"))
        }
    }
}
