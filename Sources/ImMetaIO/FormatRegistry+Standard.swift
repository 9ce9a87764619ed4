import JPEGFormat
import NPYFormat
import PNGFormat
import EXRFormat
import FITSFormat
import WebPFormat

extension FormatRegistry {
    /// Every format plugin built into immetaio, in priority order: PNG, JPEG, OpenEXR, WebP, FITS, NPY.
    public static let standard = FormatRegistry([PNGFormat(), JPEGFormat(), EXRFormat(), WebPFormat(), FITSFormat(), NPYFormat()])
}
