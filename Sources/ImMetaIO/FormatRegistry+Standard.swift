import JPEGFormat
import NPYFormat
import PNGFormat
import EXRFormat
import BMPFormat
import FITSFormat
import GIFFormat
import TIFFFormat
import WebPFormat

extension FormatRegistry {
    /// Every format plugin built into immetaio, in priority order: PNG, JPEG, OpenEXR, WebP, FITS, TIFF, NPY.
    public static let standard = FormatRegistry([PNGFormat(), JPEGFormat(), EXRFormat(), WebPFormat(), FITSFormat(), TIFFFormat(), GIFFormat(), BMPFormat(), NPYFormat()])
}
