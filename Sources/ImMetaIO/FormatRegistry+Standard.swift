import JPEGFormat
import NPYFormat
import PNGFormat

extension FormatRegistry {
    /// Every format plugin built into immetaio, in priority order: PNG, JPEG, NPY.
    public static let standard = FormatRegistry([PNGFormat(), JPEGFormat(), NPYFormat()])
}
