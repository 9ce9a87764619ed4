/// The file format `save` chooses when the path has no extension: Python immetaio's rule exactly,
/// so a folder saved by either tool has the same file names and formats.
///
/// | array | format |
/// |---|---|
/// | uint8 or uint16, H×W, H×W×3 or H×W×4 | PNG |
/// | float32, H×W or H×W×3 | OpenEXR |
/// | anything else (float16, float32 H×W×4, other dtypes, H×W×1, H×W×2, stacks, 1-D, 4-D …) | NPY |
///
/// float16 images and float32 RGBA go to NPY as in Python immetaio (OpenCV would read a half EXR
/// back as float32); name the extension (`frame.exr`) to write them as OpenEXR, which keeps both.
public enum AutomaticFormat {
    /// The extension (with its dot) that `save` appends for an array when the path has none.
    public static func fileExtension(for image: NDArray) -> String {
        let shape = image.shape
        let imageLike = shape.count == 2 || (shape.count == 3 && (shape[2] == 3 || shape[2] == 4))
        switch image.dtype {
        case .uint8, .uint16: return imageLike ? ".png" : ".npy"
        case .float32: return shape.count == 2 || (shape.count == 3 && shape[2] == 3) ? ".exr" : ".npy"
        default: return ".npy"
        }
    }

    /// `path` if it has an extension, else `path` plus the automatic extension for `image`.
    public static func path(_ path: String, for image: NDArray) -> String {
        FileExtension.of(path) == nil ? path + fileExtension(for: image) : path
    }

    /// The sidecar path of an image path: its extension replaced by `.json` (or `.json` appended).
    public static func sidecarPath(for imagePath: String) -> String {
        guard let ext = FileExtension.of(imagePath) else { return imagePath + ".json" }
        return String(imagePath.dropLast(ext.count)) + ".json"
    }
}
