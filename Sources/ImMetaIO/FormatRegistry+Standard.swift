import JPEGFormat
import NPYFormat
import PNGFormat
import EXRFormat

extension FormatRegistry {
    /// Every format plugin built into immetaio, in priority order: PNG, JPEG, OpenEXR, NPY.
    public static let standard = FormatRegistry([PNGFormat(), JPEGFormat(), EXRFormat(), NPYFormat()])
}
