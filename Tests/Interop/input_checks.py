"""Inputs read through the system's libraries (`immetaio copy`) against Python peers.

- TIFF compressions our own codecs lack, decoded through libtiff: LZMA written by tifffile
  (predictors, tiles, separate planes, big-endian) and CCITT Group 3/4 written by Pillow's
  libtiff read like tifffile reads them; the corpus's old-style JPEG, subsampled YCbCr and
  SGILog files read like `imagecodecs.tiff_decode` (its own libtiff build) reads them.
- 12-bit JPEG written by imagecodecs (libjpeg-turbo 3) is refused with a message that names the
  precision, the system's libjpeg-turbo and what would read it, alone and inside a TIFF.
- OpenEXR luminance/chroma: the RGB we return has the stored Y (OpenEXR's Python module) as its
  luminance, within half rounding.

Run by `interop.py` through `input_checks(tool, work, corpus, check)`.
"""
import os
import subprocess

import numpy as np


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def read(tool, work, path, check, what):
    """Our decode of `path` (through `immetaio copy … .npy`), or None after a failed check."""
    out = os.path.join(work, "input-" + os.path.basename(path) + ".npy")
    result = run(tool, "copy", path, out)
    check(result.returncode == 0, f"{what}: immetaio copy failed: {result.stderr.strip()}")
    return np.load(out) if result.returncode == 0 else None


def same(ours, theirs):
    return ours is not None and ours.shape == theirs.shape and ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def input_checks(tool, work, corpus, check):
    tiff_libtiff_checks(tool, work, check)
    twelve_bit_jpeg_checks(tool, work, check)
    if corpus is None:
        print("input checks: corpus not found, corpus files skipped")
        return
    corpus_tiff_checks(tool, work, corpus, check)
    exr_luminance_chroma_checks(tool, work, corpus, check)


def tiff_libtiff_checks(tool, work, check):
    import tifffile
    from PIL import Image

    rng = np.random.default_rng(20)
    cases = {
        "lzma-u16-predictor.tif": (rng.integers(0, 4096, (33, 47), dtype=np.uint16), dict(predictor=True, rowsperstrip=8)),
        "lzma-f32-tiled.tif": (rng.random((40, 37, 3), dtype=np.float32), dict(predictor=True, tile=(16, 16), photometric="rgb")),
        "lzma-planar.tif": (rng.integers(0, 255, (3, 30, 20), dtype=np.uint8), dict(planarconfig="separate", photometric="rgb")),
        "lzma-big-endian.tif": (rng.integers(-3000, 3000, (21, 19), dtype=np.int16), dict(byteorder=">", predictor=True)),
    }
    for name, (array, options) in cases.items():
        path = os.path.join(work, name)
        tifffile.imwrite(path, array, compression="lzma", **options)
        check(same(read(tool, work, path, check, name), tifffile.imread(path)), f"{name}: we read LZMA otherwise than tifffile")
    bits = rng.random((61, 203)) > 0.5
    for compression in ("group3", "group4"):
        path = os.path.join(work, f"ccitt-{compression}.tif")
        Image.fromarray(bits).save(path, compression=compression)
        check(same(read(tool, work, path, check, compression), tifffile.imread(path)),
              f"{compression}: we read CCITT fax otherwise than tifffile")


def corpus_tiff_checks(tool, work, corpus, check):
    import imagecodecs

    for name in ("tiff/libtiffpic/smallliz.tif", "tiff/libtiffpic/ycbcr-cat.tif", "tiff/libtiffpic/fax2d.tif",
                 "tiff/libtiffpic/off_l16.tif", "tiff/libtiffpic/off_luv24.tif", "tiff/image-tiff/logluv-3c-16b.tiff"):
        path = os.path.join(corpus, name)
        theirs = imagecodecs.tiff_decode(open(path, "rb").read())
        check(same(read(tool, work, path, check, name), theirs), f"{name}: we read otherwise than imagecodecs.tiff_decode")


def twelve_bit_jpeg_checks(tool, work, check):
    import imagecodecs
    import tifffile

    samples = np.random.default_rng(21).integers(0, 4096, (32, 48), dtype=np.uint16)
    jpeg = imagecodecs.jpeg8_encode(samples, bitspersample=12, level=95)
    path = os.path.join(work, "twelve-bit.jpg")
    with open(path, "wb") as file:
        file.write(jpeg)
    tiff = os.path.join(work, "twelve-bit-jpeg.tif")
    tifffile.imwrite(tiff, samples, compression="jpeg", bitspersample=12)
    for what, target in (("12-bit JPEG", path), ("12-bit JPEG in TIFF", tiff)):
        result = run(tool, "copy", target, os.path.join(work, "twelve-bit.npy"))
        message = result.stderr
        check(result.returncode != 0 and all(part in message for part in (
            "12-bit JPEG", "precision 12 in its SOF", "the system's libjpeg-turbo", "libjpeg-turbo 3.0 or later, which has 12-bit APIs",
        )), f"{what}: the refusal does not say why: {message.strip()}")


def exr_luminance_chroma_checks(tool, work, corpus, check):
    import OpenEXR

    for name in ("exr/openexr-images/Rec709_YC.exr", "exr/openexr/comp_b44.exr"):
        path = os.path.join(corpus, name)
        ours = read(tool, work, path, check, name)
        stored = OpenEXR.File(path, separate_channels=True).channels()["Y"].pixels.astype(np.float64)
        if ours is None:
            continue
        rgb = ours.astype(np.float64)
        luminance = rgb @ np.array([0.2126, 0.7152, 0.0722])
        tolerance = 2.0 ** -10 * np.abs(rgb).sum(-1) + 2.0 ** -24
        check(ours.shape == stored.shape + (3,) and ours.dtype == np.float16 and bool(np.all(np.abs(luminance - stored) <= tolerance)),
              f"{name}: our RGB's luminance is not OpenEXR's stored Y")
