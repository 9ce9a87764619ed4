import Foundation
import TestSupport

/// The CZI entries of the corpus manifest with every reader's array (czifile's raw mosaic and
/// pylibCZIrw's per-scene composites), which `Corpus.entries` does not carry.
struct CZIManifestEntry {
    struct Array {
        var reader: String
        /// The scene pylibCZIrw read (`nil`: the whole file), for its arrays.
        var scene: Int?
        var axes: String?
        var shape: [Int]
        var dtype: String
        var sha256: String

        var isCzifile: Bool { reader.hasPrefix("czifile") }
    }

    var file: String
    var path: String
    var shape: [Int]
    var dtype: String
    var sha256: String
    /// The reader whose array is the primary hash.
    var decoder: String
    var arrays: [Array]

    static func load() throws -> [CZIManifestEntry] {
        guard let root = Corpus.root else { return [] }
        return try Corpus.manifestFiles().compactMap { file in
            guard file["format"] as? String == "czi", let name = file["file"] as? String, let shape = file["shape"] as? [Int],
                let dtype = file["dtype"] as? String, let hash = file["pixel_sha256"] as? String
            else { return nil }
            let arrays = (file["arrays"] as? [[String: Any]] ?? []).compactMap { array -> Array? in
                guard let reader = array["reader"] as? String, let shape = array["shape"] as? [Int], let dtype = array["dtype"] as? String,
                    let hash = array["pixel_sha256"] as? String
                else { return nil }
                return Array(reader: reader, scene: array["scene"] as? Int, axes: array["axes"] as? String, shape: shape, dtype: dtype, sha256: hash)
            }
            return CZIManifestEntry(
                file: name, path: root.appendingPathComponent(name).path, shape: shape, dtype: dtype, sha256: hash,
                decoder: file["decoder"] as? String ?? "", arrays: arrays)
        }
    }
}
