import NDArrayModule

/// The eight EXIF orientations as pixel remappings of an H×W(×C) array.
enum Orientation {
    /// The array as it should be displayed for EXIF orientation `code` (1…8; others unchanged).
    static func apply(_ code: Int, to image: NDArray) -> NDArray {
        guard (2...8).contains(code), image.rank >= 2 else { return image }
        let height = image.shape[0], width = image.shape[1]
        let pixelBytes = image.shape.dropFirst(2).reduce(image.dtype.itemSize, *)
        let swaps = code >= 5
        var shape = image.shape
        if swaps { shape.swapAt(0, 1) }
        let outWidth = shape[1]
        return image.withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: shape, dtype: image.dtype) { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                for y in 0..<shape[0] {
                    for x in 0..<outWidth {
                        let (sy, sx): (Int, Int) = switch code {
                        case 2: (y, width - 1 - x)
                        case 3: (height - 1 - y, width - 1 - x)
                        case 4: (height - 1 - y, x)
                        case 5: (x, y)
                        case 6: (height - 1 - x, y)
                        case 7: (height - 1 - x, width - 1 - y)
                        default: (x, width - 1 - y)
                        }
                        (to + (y * outWidth + x) * pixelBytes).copyMemory(
                            from: from + (sy * width + sx) * pixelBytes, byteCount: pixelBytes)
                    }
                }
            }
        }
    }
}
