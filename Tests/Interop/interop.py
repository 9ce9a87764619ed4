#!/usr/bin/env python3
"""Interop checks between immetaio and Pillow/numpy, both directions, through the immetaio CLI.

Usage: interop.py PATH/TO/immetaio

- What we write, they read identically: arrays saved with numpy go through `immetaio copy x.npy
  x.png` (every PNG layout, 8 and 16 bit, every filter) and Pillow must decode the exact array;
  our JPEGs must open in Pillow with the right size and a high PSNR.
- What they write, we read identically: PNGs and JPEGs from Pillow go through `immetaio copy
  x.png x.npy` and numpy must load exactly Pillow's decode. NPY files from numpy (both byte
  orders, Fortran order, every dtype) round-trip through `immetaio copy` bit for bit.
- OpenEXR: our files (float16/float32, 1/3/4 channels, every compression) decode in OpenEXR's
  Python bindings exactly as we decode them (and unchanged for the lossless ones); their files
  (several compressions, two parts with a tiled one, half + uint channels) decode identically here.
- TIFF with tifffile, both ways (see `tiff_checks`).
- Zarr v3 with zarr-python 3, both ways (see `zarr_checks`).
- BMP with Pillow, both ways (see `bmp_checks`).
- GIF with Pillow, both ways (see `gif_checks`).
- The fast 8-bit PNG encoder with libpng and Pillow, and on the corpus (see `fast_png_checks`).
- Bulk conversion against images_to_zarr, zarr-python, pyarrow, pandas, DuckDB and scikit-image,
  with kill -9 and resume (see `conversion_checks.py`).
- Microscopy against tifffile and ome-types (see `microscopy_checks.py`).
- Everyday use against Python immetaio's conventions: BGR folders, sidecars (see `everyday_checks.py`).
- Writers (APNG, animated WebP, TIFF LZW/JPEG, AVI codecs, GIF options) against Pillow, tifffile and PyAV
  (see `writer_checks.py`); inputs read through libtiff, 12-bit JPEG refusals and OpenEXR luminance/chroma
  (see `input_checks.py`).
- Zarr and images on S3 (SeaweedFS on loopback) both ways with zarr-python through s3fs (see `s3_checks.py`).
Exits non-zero with a list of failures.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from conversion_checks import conversion_checks
from everyday_checks import everyday_checks
from input_checks import input_checks
from microscopy_checks import microscopy_checks, to_canonical
from s3_checks import s3_checks
from writer_checks import writer_checks

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)


def run(tool, *args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"immetaio {' '.join(args)} failed: {result.stdout}{result.stderr}")


def strict_zlib_ok(path):
    """The IDAT chunks form one complete zlib stream (checked by Python's zlib, Adler-32 included)."""
    import zlib
    data = open(path, "rb").read()
    i, idat = 8, b""
    while i < len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        if data[i + 4:i + 8] == b"IDAT":
            idat += data[i + 8:i + 8 + length]
        i += 12 + length
    try:
        decompressor = zlib.decompressobj()
        decompressor.decompress(idat)
        return decompressor.eof and not decompressor.unused_data
    except zlib.error:
        return False


def pillow_array(path):
    with Image.open(path) as im:
        if im.mode in ("I;16", "I;16B", "I"):
            return np.asarray(im).astype(np.uint16)
        return np.asarray(im)


def main(tool):
    rng = np.random.default_rng(3)
    work = tempfile.mkdtemp(prefix="immetaio-interop-")

    # PNG written by immetaio, read by Pillow.
    for dtype in (np.uint8, np.uint16):
        top = np.iinfo(dtype).max
        for channels in (None, 2, 3, 4):
            shape = (37, 53) if channels is None else (37, 53, channels)
            yy, xx = np.mgrid[0:37, 0:53]
            base = (xx * 97 + yy * 31) % (int(top) + 1)
            array = (base[..., None] if channels else base) + rng.integers(0, 3, size=shape)
            array = np.clip(array, 0, top).astype(dtype)
            if dtype == np.uint16 and channels is not None:
                continue  # Pillow has only 16-bit gray (no 16-bit LA, RGB or RGBA modes) to compare with
            for filt in ("none", "sub", "up", "average", "paeth", "adaptive"):
                source = os.path.join(work, f"in-{dtype.__name__}-{channels}-{filt}.npy")
                target = source.replace(".npy", ".png")
                np.save(source, array)
                run(tool, "copy", source, target, "--option", f"filter={filt}")
                decoded = pillow_array(target)
                check(decoded.shape == array.shape and np.array_equal(decoded, array),
                      f"Pillow reads our PNG {dtype.__name__} channels={channels} filter={filt} differently")
                check(strict_zlib_ok(target), f"our PNG {target} is not one complete zlib stream")

    # The fast 8-bit encoder (no filter option), on one core and in parallel row bands.
    for channels in (None, 2, 3, 4):
        for content in ("noise", "smooth", "render"):
            shape = (700, 131) if channels is None else (700, 131, channels)
            if content == "noise":
                # Wide enough for sampled literal counts and literals written in pairs (bands
                # of 256 KiB and a quarter million literals) on one core, at every pixel size.
                shape = (700, 400) if channels is None else (700, 400, channels)
                array = rng.integers(0, 256, size=shape, dtype=np.uint8)
            elif content == "render":
                # Sparse rows (under one changed byte in 16): copies from rows above and across
                # row ends (a stepping background, a disc whose edges move, a motif of random
                # pixels moving 3 pixels a row).
                shape = (700, 400) if channels is None else (700, 400, channels)
                yy, xx = np.mgrid[0:700, 0:400]
                base = np.where((xx - 200) ** 2 + (yy - 350) ** 2 < 120 ** 2, 200 - yy // 9, 60 + yy // 13)
                motif = rng.integers(0, 256, size=5)
                for y in range(700):
                    start = (y * 3) % 390
                    base[y, start:start + 5] = motif
                array = np.broadcast_to(base[..., None] if channels else base, shape).astype(np.uint8).copy()
            else:
                yy, xx = np.mgrid[0:700, 0:131]
                base = ((xx // 9) * 16 + (yy // 50) * 3) % 256
                array = np.broadcast_to(base[..., None] if channels else base, shape).astype(np.uint8).copy()
            for threads in (1, 3):
                source = os.path.join(work, f"fast-{channels}-{content}-{threads}.npy")
                target = source.replace(".npy", ".png")
                np.save(source, array)
                run(tool, "copy", source, target, "--option", f"threads={threads}")
                decoded = pillow_array(target)
                check(decoded.shape == array.shape and np.array_equal(decoded, array),
                      f"Pillow reads our fast PNG channels={channels} {content} threads={threads} differently")
                check(strict_zlib_ok(target), f"our fast PNG {target} is not one complete zlib stream")

    # JPEG written by immetaio, read by Pillow.
    photo = np.clip(np.mgrid[0:64, 0:80][1][..., None] * 3 + np.arange(3) * 40, 0, 255).astype(np.uint8)
    np.save(os.path.join(work, "photo.npy"), photo)
    run(tool, "copy", os.path.join(work, "photo.npy"), os.path.join(work, "photo.jpg"), "--option", "quality=95")
    decoded = pillow_array(os.path.join(work, "photo.jpg")).astype(float)
    mse = np.mean((decoded - photo) ** 2)
    check(decoded.shape == photo.shape and 10 * np.log10(255 ** 2 / max(mse, 1e-9)) > 35, "Pillow reads our JPEG badly")

    # PNG and JPEG written by Pillow, read by immetaio.
    samples = {
        "L": rng.integers(0, 256, (20, 30), dtype=np.uint8),
        "LA": rng.integers(0, 256, (20, 30, 2), dtype=np.uint8),
        "RGB": rng.integers(0, 256, (20, 30, 3), dtype=np.uint8),
        "RGBA": rng.integers(0, 256, (20, 30, 4), dtype=np.uint8),
    }
    for mode, array in samples.items():
        for ext, kwargs in ((".png", {}), (".jpg", {"quality": 90})):
            if ext == ".jpg" and mode in ("LA", "RGBA"):
                continue
            path = os.path.join(work, f"pillow-{mode}{ext}")
            Image.fromarray(array, mode).save(path, **kwargs)
            run(tool, "copy", path, path + ".npy")
            ours = np.load(path + ".npy")
            check(np.array_equal(ours, pillow_array(path)), f"we read Pillow's {mode}{ext} differently")
    sixteen = (rng.integers(0, 65536, (20, 30))).astype(np.uint16)
    path = os.path.join(work, "pillow-16.png")
    Image.fromarray(sixteen).save(path)
    run(tool, "copy", path, path + ".npy")
    check(np.array_equal(np.load(path + ".npy"), sixteen), "we read Pillow's 16-bit PNG differently")

    # NPY from numpy: every dtype, both byte orders, Fortran order; copied through immetaio.
    for dtype in ("?", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8"):
        for order in ("<", ">"):
            for fortran in (False, True):
                array = (rng.normal(0, 100, (3, 4, 5))).astype(order + dtype if dtype not in ("?", "u1", "i1") else dtype)
                if fortran:
                    array = np.asfortranarray(array)
                source = os.path.join(work, f"np-{dtype}-{order == '>'}-{fortran}.npy")
                np.save(source, array)
                run(tool, "copy", source, source + ".copy.npy")
                ours = np.load(source + ".copy.npy")
                check(ours.dtype == array.dtype.newbyteorder("<") or ours.dtype == array.dtype.newbyteorder("="),
                      f"dtype of {source}: {ours.dtype}")
                check(np.array_equal(ours, array, equal_nan=True), f"values of {source} changed in our copy")

    # WebP both ways: lossless exactly; Pillow's lossy files decode to Pillow's pixels.
    for channels in (3, 4):
        array = rng.integers(0, 256, (40, 52, channels), dtype=np.uint8)
        source = os.path.join(work, f"webp-{channels}.npy")
        np.save(source, array)
        run(tool, "copy", source, source.replace(".npy", ".webp"), "--option", "lossless=true")
        with Image.open(source.replace(".npy", ".webp")) as im:
            theirs = np.asarray(im.convert("RGBA" if channels == 4 else "RGB"))
        check(np.array_equal(theirs, array), f"Pillow reads our lossless {channels}-channel WebP differently")
        path = os.path.join(work, f"pillow-{channels}.webp")
        Image.fromarray(array).save(path, quality=80)
        run(tool, "copy", path, path + ".npy")
        with Image.open(path) as im:
            reference = np.asarray(im.convert("RGBA" if channels == 4 else "RGB"))
        check(np.array_equal(np.load(path + ".npy"), reference), f"we read Pillow's lossy {channels}-channel WebP differently")

    # FITS both ways with astropy (BSCALE/BZERO applied, unsigned integers through BZERO).
    from astropy.io import fits
    for dtype in (np.uint8, np.int8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64, np.float32, np.float64):
        array = (rng.random((9, 11)) * 200).astype(dtype)
        if dtype == np.uint64:
            array[0, :3] = [2**63, 2**64 - 1, 2**63 + 12345]  # BZERO 2^63: values above it too
        source = os.path.join(work, f"fits-{np.dtype(dtype).name}.npy")
        np.save(source, array)
        run(tool, "copy", source, source.replace(".npy", ".fits"))
        with fits.open(source.replace(".npy", ".fits")) as hdus:
            theirs = hdus[0].data
            same_type = theirs.dtype.newbyteorder("=") == array.dtype.newbyteorder("=")
            check(same_type and np.array_equal(theirs, array), f"astropy reads our {np.dtype(dtype).name} FITS differently")
        path = os.path.join(work, f"astropy-{np.dtype(dtype).name}.fits")
        fits.PrimaryHDU(array).writeto(path, overwrite=True)
        run(tool, "copy", path, path + ".npy")
        ours = np.load(path + ".npy")
        check(ours.dtype == array.dtype and np.array_equal(ours, array), f"we read astropy's {np.dtype(dtype).name} FITS differently")

    # OpenEXR written by immetaio, read by OpenEXR's Python bindings, and the other way round.
    import OpenEXR
    lossy = ("pxr24", "b44", "b44a", "dwaa", "dwab")
    for dtype in (np.float16, np.float32):
        for channels in (None, 3, 4):
            shape = (61, 47) if channels is None else (61, 47, channels)
            array = (rng.random(shape) * 8 - 2).astype(dtype)
            names = ["Y"] if channels is None else list("RGBA"[:channels])
            for compression in ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"):
                if compression.startswith("b44") and dtype == np.float32:
                    continue  # B44 compresses half channels; we refuse float32 images
                source = os.path.join(work, f"exr-{dtype.__name__}-{channels}-{compression}.npy")
                target = source.replace(".npy", ".exr")
                np.save(source, array)
                run(tool, "copy", source, target, "--option", f"compression={compression}")
                with OpenEXR.File(target, separate_channels=True) as exr:
                    planes = [exr.parts[0].channels[name].pixels for name in names]
                theirs = planes[0] if channels is None else np.stack(planes, -1)
                run(tool, "copy", target, source.replace(".npy", ".back.npy"))
                ours = np.load(source.replace(".npy", ".back.npy"))
                check(theirs.dtype == array.dtype and np.array_equal(theirs, ours, equal_nan=True),
                      f"OpenEXR reads our {compression} {dtype.__name__} EXR differently from us")
                if compression not in lossy or (compression == "pxr24" and dtype == np.float16):
                    check(np.array_equal(theirs, array), f"our lossless {compression} {dtype.__name__} EXR changed values")

    # Files from OpenEXR's bindings: our decode must equal theirs (lossy ones included).
    def their_decode(path, part=0):
        with OpenEXR.File(path, separate_channels=True) as exr:
            return {name: channel.pixels for name, channel in exr.parts[part].channels.items()}

    compressions = {"none": OpenEXR.NO_COMPRESSION, "piz": OpenEXR.PIZ_COMPRESSION, "zip": OpenEXR.ZIP_COMPRESSION,
                    "pxr24": OpenEXR.PXR24_COMPRESSION, "b44": OpenEXR.B44_COMPRESSION,
                    "dwaa": OpenEXR.DWAA_COMPRESSION}
    for dtype in (np.float16, np.float32):
        for names in ("Y", "RGB", "RGBA"):
            for compression, code in compressions.items():
                if compression == "b44" and dtype == np.float32:
                    continue
                array = (rng.random((33, 29, len(names))) * 5).astype(dtype)
                path = os.path.join(work, f"openexr-{dtype.__name__}-{names}-{compression}.exr")
                with OpenEXR.File({"compression": code, "type": OpenEXR.scanlineimage},
                                  {name: array[..., k].copy() for k, name in enumerate(names)}) as exr:
                    exr.write(path)
                planes = their_decode(path)
                theirs = planes["Y"] if names == "Y" else np.stack([planes[name] for name in names], -1)
                run(tool, "copy", path, path + ".npy")
                ours = np.load(path + ".npy")
                check(ours.dtype == theirs.dtype and np.array_equal(ours, theirs),
                      f"we read OpenEXR's {compression} {dtype.__name__} {names} file differently")

    # Two parts (scanline RGB half, tiled Z float) and mixed channel types.
    tiles = OpenEXR.TileDescription()
    tiles.xSize, tiles.ySize, tiles.mode = 16, 8, OpenEXR.ONE_LEVEL
    rgb = {name: (rng.random((40, 30)) * 3).astype(np.float16) for name in "RGB"}
    depth = (rng.random((25, 35)) * 100).astype(np.float32)
    path = os.path.join(work, "openexr-parts.exr")
    display = (np.array([0, 0], dtype=np.int32), np.array([39, 39], dtype=np.int32))  # shared by the parts
    with OpenEXR.File([
        OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage, "displayWindow": display},
                     dict(rgb), name="beauty"),  # the bindings replace the dict's arrays with Channels
        OpenEXR.Part({"compression": OpenEXR.PIZ_COMPRESSION, "type": OpenEXR.tiledimage, "tiles": tiles,
                      "displayWindow": display},
                     {"Z": depth}, name="depth"),
    ]) as exr:
        exr.write(path)
    run(tool, "copy", path, path + ".0.npy", "--index", "0")
    run(tool, "copy", path, path + ".1.npy", "--index", "1")
    check(np.array_equal(np.load(path + ".0.npy"), np.stack([rgb[name] for name in "RGB"], -1)),
          "we read part 0 of OpenEXR's two-part file differently")
    check(np.array_equal(np.load(path + ".1.npy"), depth), "we read the tiled part 1 of OpenEXR's two-part file differently")
    ids = np.arange(16_777_217, 16_777_217 + 12 * 7, dtype=np.uint32).reshape(12, 7)
    red = (rng.random((12, 7)) * 2).astype(np.float16)
    path = os.path.join(work, "openexr-mixed.exr")
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}, {"R": red, "id": ids}) as exr:
        exr.write(path)
    run(tool, "copy", path, path + ".npy")
    mixed = np.load(path + ".npy")
    check(mixed.dtype == np.float64 and np.array_equal(mixed, np.stack([red, ids], -1).astype(np.float64)),
          "we read OpenEXR's half + uint file differently (uint ids must stay exact)")

    fast_png_checks(tool, work, rng)
    tiff_checks(tool, work, rng)
    zarr_checks(tool, work, rng)
    bmp_checks(tool, work, rng)
    gif_checks(tool, work, rng)
    video_checks(tool, work, rng)
    conversion_checks(tool, work, rng, check)
    microscopy_checks(tool, work, corpus_root(), check)
    everyday_checks(tool, work, check)
    writer_checks(tool, work, check)
    input_checks(tool, work, corpus_root(), check)
    s3_checks(tool, work, check)

    print(f"interop: {checks - len(failures)}/{checks} checks passed (Pillow {Image.__version__}, numpy {np.__version__})")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


def corpus_root():
    """The shared corpus (IMMETAIO_CORPUS, or ../shared/corpus beside the checkout), or None."""
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpus")
    for candidate in (os.environ.get("IMMETAIO_CORPUS"), beside):
        if candidate and os.path.exists(os.path.join(candidate, "manifest.json")):
            return os.path.normpath(candidate)
    return None


def fast_png_checks(tool, work, rng):
    """Issue 8: every file of the fast 8-bit PNG encoder decodes bit-exactly with libpng
    (imagecodecs' png codec) and with Pillow, and is one complete zlib stream: every colour type,
    odd sizes, constant, noise and gradient content, one core and row bands; and the corpus's
    8-bit PNG and JPEG images, decoded by us and re-encoded."""
    import imagecodecs

    def decodes_exactly(target, array, what):
        expected = array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array
        with open(target, "rb") as file:
            by_libpng = imagecodecs.png_decode(file.read())
        for name, decoded in (("libpng", by_libpng), ("Pillow", pillow_array(target))):
            check(decoded.shape == expected.shape and np.array_equal(decoded, expected),
                  f"{name} reads our fast PNG {what} differently")
        check(strict_zlib_ok(target), f"our fast PNG {what} is not one complete zlib stream")

    for channels in (None, 2, 3, 4):
        for height, width in ((1, 1), (1, 37), (29, 1), (17, 33), (64, 100), (9, 131)):
            shape = (height, width) if channels is None else (height, width, channels)
            yy, xx = np.mgrid[0:height, 0:width]
            gradient = (xx * 3 + yy * 5) % 256
            contents = {
                "constant": np.full(shape, 77, dtype=np.uint8),
                "noise": rng.integers(0, 256, size=shape, dtype=np.uint8),
                "gradient": np.broadcast_to(gradient[..., None] + np.arange(channels) * 40 if channels else gradient,
                                            shape).astype(np.uint8),
            }
            for content, array in contents.items():
                for threads in (1, 3):
                    what = f"{height}x{width} channels={channels} {content} threads={threads}"
                    source = os.path.join(work, f"fast-odd-{height}-{width}-{channels}-{content}-{threads}.npy")
                    np.save(source, array)
                    run(tool, "copy", source, source.replace(".npy", ".png"), "--option", f"threads={threads}")
                    decodes_exactly(source.replace(".npy", ".png"), array, what)

    root = corpus_root()
    if root is None:
        print("interop: corpus not found (set IMMETAIO_CORPUS or place it at ../shared/corpus): "
              "corpus re-encodes skipped")
        return
    with open(os.path.join(root, "manifest.json")) as file:
        entries = json.load(file)["files"]
    reencoded = 0
    for index, entry in enumerate(entries):
        if entry["format"] not in ("png", "jpeg") or entry.get("expect_error") or entry.get("dtype") != "uint8":
            continue
        source = os.path.join(work, f"corpus-{index}.npy")
        run(tool, "copy", os.path.join(root, entry["file"]), source)
        array = np.load(source)
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] > 4):
            continue  # animations (frames first) are not single images
        target = source.replace(".npy", ".png")
        run(tool, "copy", source, target)
        decodes_exactly(target, array, f"re-encoding {entry['file']}")
        reencoded += 1
    check(reencoded >= 20, f"only {reencoded} corpus images re-encoded")
    print(f"interop: {reencoded} corpus PNG/JPEG images re-encoded by the fast PNG encoder")


def tiff_checks(tool, work, rng):
    """TIFF both ways with tifffile: our files (every dtype and writer option, stacks, resolution,
    description) read identically in tifffile; tifffile's (compressions, predictors, tiles,
    separate planes, big-endian, BigTIFF, ImageJ hyperstacks, OME-TIFF) read identically here,
    their series shapes included."""
    import tifffile

    arrays = {
        "u8": rng.integers(0, 256, (37, 53), dtype=np.uint8),
        "rgb": rng.integers(0, 256, (37, 53, 3), dtype=np.uint8),
        "rgba16": rng.integers(0, 65536, (17, 19, 4), dtype=np.uint16),
        "i16stack": rng.integers(-3000, 3000, (4, 20, 30), dtype=np.int16),
        "u32": rng.integers(0, 2 ** 32, (9, 40), dtype=np.uint32),
        "i64": rng.integers(-2 ** 62, 2 ** 62, (5, 6), dtype=np.int64),
        "f16": rng.normal(size=(33, 41)).astype(np.float16),
        "f32": rng.normal(size=(33, 41)).astype(np.float32),
        "f64_4d": rng.normal(size=(2, 3, 9, 7)),
        "bool": rng.integers(0, 2, (13, 21)).astype(bool),
    }
    option_sets = [[], ["compression=deflate"], ["compression=deflate", "predictor=true", "level=9"],
                   ["compression=zstd", "predictor=true"], ["compression=packbits"], ["tile=[16,32]"],
                   ["compression=deflate", "tile=[16,16]", "predictor=true"], ["rows_per_strip=3", "compression=zstd"],
                   ["bigtiff=true"]]
    for name, array in arrays.items():
        source = os.path.join(work, f"tiff-{name}.npy")
        np.save(source, array)
        for number, options in enumerate(option_sets):
            path = os.path.join(work, f"tiff-{name}-{number}.tif")
            args = ["copy", source, path]
            for option in options:
                args += ["--option", option]
            run(tool, *args)
            theirs = tifffile.imread(path)
            check(theirs.dtype == array.dtype and theirs.shape == array.shape and np.array_equal(theirs, array),
                  f"tifffile reads our {name} TIFF {options} differently")
            with tifffile.TiffFile(path) as tif:
                check(tif.is_bigtiff == ("bigtiff=true" in options), f"our {name} TIFF {options}: wrong BigTIFF choice")
    path = os.path.join(work, "tiff-resolution.tif")
    run(tool, "copy", os.path.join(work, "tiff-u8.npy"), path, "--option", "resolution=[300, 150]",
        "--option", "resolution_unit=inch", "--option", "description=hello")
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        check(page.tags["XResolution"].value == (300, 1) and page.tags["YResolution"].value == (150, 1)
              and page.tags["ResolutionUnit"].value == 2 and page.description == "hello",
              "tifffile reads our resolution or description differently")

    # What tifffile writes, we read like tifffile.
    base = rng.integers(0, 4096, (3, 64, 80), dtype=np.uint16)
    cases = {
        "zlib": dict(compression="zlib"), "lzw": dict(compression="lzw"), "zstd": dict(compression="zstd"),
        "packbits": dict(compression="packbits"), "predictor": dict(compression="zlib", predictor=True),
        "tiles": dict(tile=(32, 32), compression="zlib"), "bigendian": dict(byteorder=">"),
        "bigtiff": dict(bigtiff=True, compression="zstd"),
    }
    for name, kwargs in cases.items():
        path = os.path.join(work, f"tifffile-{name}.tif")
        tifffile.imwrite(path, base, **kwargs)
        run(tool, "copy", path, path + ".npy")
        ours = np.load(path + ".npy")
        check(np.array_equal(ours, tifffile.imread(path)) and ours.shape == base.shape, f"we read tifffile's {name} stack differently")
    floats = rng.normal(size=(2, 40, 50)).astype(np.float32)
    rgb = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    others = {
        "float-predictor": (floats, dict(compression="zlib", predictor=True)),
        "planar": (rng.integers(0, 256, (3, 40, 50), dtype=np.uint8), dict(photometric="rgb", planarconfig="separate")),
        "jpeg": (rgb, dict(compression="jpeg")),
        "imagej": (rng.integers(0, 256, (2, 3, 4, 30, 20), dtype=np.uint8), dict(imagej=True, metadata={"axes": "TZCYX"})),
        "ome": (rng.integers(0, 65536, (2, 3, 4, 30, 20), dtype=np.uint16), dict(ome=True, metadata={"axes": "TCZYX"})),
        "rgb-tiled": (rgb, dict(tile=(16, 16), compression="zstd")),
    }
    for name, (array, kwargs) in others.items():
        path = os.path.join(work, f"tifffile-{name}.tif")
        tifffile.imwrite(path, array, **kwargs)
        run(tool, "copy", path, path + ".npy")
        ours, theirs = np.load(path + ".npy"), tifffile.imread(path)
        if name == "ome":
            # A microscopy file: written as its TZCYX(S) scene.
            with tifffile.TiffFile(path) as tiff:
                theirs, _ = to_canonical(theirs, tiff.series[0].axes)
        check(ours.shape == theirs.shape and ours.dtype == theirs.dtype and np.array_equal(ours, theirs),
              f"we read tifffile's {name} file differently: {ours.shape} vs {theirs.shape}")


def zarr_checks(tool, work, rng):
    """Zarr v3 both ways with zarr-python: every data type, every codec and combination both
    support, sharded (index at start and at end) and not, with transpose, partial edge chunks and
    missing chunks (a non-zero fill value shows them)."""
    import json as jsonlib

    import zarr
    from zarr.codecs import (BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ShardingCodec, ShardingCodecIndexLocation,
                             TransposeCodec, ZstdCodec)

    dtypes = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
              np.float16, np.float32, np.float64]
    # (name, our --codecs JSON, zarr-python filters/serializer/compressors); shape 7×13×10 with 3×4×6 chunks.
    chains = [
        ("bytes", [{"name": "bytes", "configuration": {"endian": "little"}}], dict(compressors=None)),
        ("big-endian", [{"name": "bytes", "configuration": {"endian": "big"}}],
         dict(serializer=BytesCodec(endian="big"), compressors=None)),
        ("gzip", [{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 5}}], dict(compressors=GzipCodec(level=5))),
        ("zstd-checksum", [{"name": "bytes"}, {"name": "zstd", "configuration": {"level": 3, "checksum": True}}],
         dict(compressors=ZstdCodec(level=3, checksum=True))),
        ("blosc-lz4", [{"name": "bytes"}, {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle",
                                                                                "typesize": 4, "blocksize": 0}}],
         dict(compressors=BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", typesize=4))),
        ("blosc-zstd-bitshuffle", [{"name": "bytes"}, {"name": "blosc", "configuration": {
            "cname": "zstd", "clevel": 3, "shuffle": "bitshuffle", "typesize": 2, "blocksize": 0}}],
         dict(compressors=BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle", typesize=2))),
        ("blosc-blosclz", [{"name": "bytes"}, {"name": "blosc", "configuration": {
            "cname": "blosclz", "clevel": 9, "shuffle": "noshuffle", "typesize": 1, "blocksize": 0}}],
         dict(compressors=BloscCodec(cname="blosclz", clevel=9, shuffle="noshuffle", typesize=1))),
        ("crc32c", [{"name": "bytes"}, {"name": "crc32c"}], dict(compressors=Crc32cCodec())),
        ("transpose-zstd", [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, {"name": "bytes"}, {"name": "zstd"}],
         dict(filters=TransposeCodec(order=(2, 0, 1)), compressors=ZstdCodec())),
    ]
    shape, chunks = (7, 13, 10), (3, 4, 6)

    def data(dtype):
        values = rng.integers(0, 120, shape)
        return (values > 60) if dtype is np.bool_ else values.astype(dtype)

    for dtype in dtypes:
        for name, ours, theirs in chains:
            if dtype is np.bool_ and name.startswith("blosc"):
                continue  # zarr-python's blosc needs a numeric typesize for bool: skip in both directions
            array = data(dtype)
            label = f"{np.dtype(dtype).name} {name}"
            source = os.path.join(work, f"zarr-{label.replace(' ', '-')}.npy")
            np.save(source, array)
            # Ours → zarr-python.
            store = source + ".ours.zarr"
            run(tool, "zarr", "write", source, store, "--chunks", ",".join(map(str, chunks)), "--codecs", jsonlib.dumps(ours),
                "--fill", "false" if dtype is np.bool_ else "0")
            read = zarr.open_array(store, mode="r")[:]
            check(read.dtype == array.dtype and np.array_equal(read, array), f"zarr-python reads our {label} array differently")
            # zarr-python → ours, with a non-zero fill value and only part of the array written.
            store = source + ".theirs.zarr"
            fill = True if dtype is np.bool_ else 5
            z = zarr.create_array(store, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill, **theirs)
            z[1:6, 2:11, :7] = array[1:6, 2:11, :7]
            run(tool, "zarr", "read", store, store + ".npy")
            check(np.array_equal(np.load(store + ".npy"), z[:]), f"we read zarr-python's {label} array differently")

    # Sharding both ways, index at the start and at the end, with partial shards and missing chunks.
    for location in ("start", "end"):
        for dtype in (np.uint8, np.uint16, np.float32):
            array = data(dtype)
            label = f"sharded {location} {np.dtype(dtype).name}"
            source = os.path.join(work, f"zarr-{label.replace(' ', '-')}.npy")
            np.save(source, array)
            store = source + ".ours.zarr"
            run(tool, "zarr", "write", source, store, "--chunks", "3,4,5", "--shards", "6,8,10", "--index-location", location,
                "--codecs", jsonlib.dumps([{"name": "bytes"}, {"name": "zstd"}]))
            z = zarr.open_array(store, mode="r")
            check(np.array_equal(z[:], array) and z.metadata.codecs[0].index_location.value == location,
                  f"zarr-python reads our {label} array differently")
            store = source + ".theirs.zarr"
            z = zarr.create_array(store, shape=shape, chunks=(6, 8, 10), dtype=dtype, fill_value=3, compressors=None,
                                  serializer=ShardingCodec(chunk_shape=(3, 4, 5), codecs=[BytesCodec(), ZstdCodec()],
                                                           index_location=ShardingCodecIndexLocation(location)))
            z[2:7, 1:12, 4:9] = array[2:7, 1:12, 4:9]
            run(tool, "zarr", "read", store, store + ".npy")
            check(np.array_equal(np.load(store + ".npy"), z[:]), f"we read zarr-python's {label} array differently")
            run(tool, "zarr", "read", store, store + ".part.npy", "--start", "1,3,2", "--shape", "4,7,6")
            check(np.array_equal(np.load(store + ".part.npy"), z[1:5, 3:10, 2:8]),
                  f"we read a region of zarr-python's {label} array differently")
    # Special fill values and dimension names.
    for fill in ("NaN", "Infinity", "-Infinity"):
        store = os.path.join(work, f"zarr-fill-{fill}.zarr")
        z = zarr.create_array(store, shape=(5, 4), chunks=(2, 4), dtype="float32", fill_value=float(fill.replace("Infinity", "inf")),
                              dimension_names=("y", "x"))
        z[0:1] = 1.5
        run(tool, "zarr", "read", store, store + ".npy")
        check(np.array_equal(np.load(store + ".npy"), z[:], equal_nan=True), f"we read zarr-python's fill value {fill} differently")
    path = os.path.join(work, "zarr-float.npy")
    np.save(path, np.full((4, 4), np.nan, np.float32))
    run(tool, "zarr", "write", path, path + ".zarr", "--chunks", "2,2", "--fill", '"NaN"', "--dimension-names", "y,x")
    z = zarr.open_array(path + ".zarr", mode="r")
    check(np.isnan(z.fill_value) and z.metadata.dimension_names == ("y", "x") and np.isnan(z[:]).all()
          and not os.path.exists(os.path.join(path + ".zarr", "c")), "our NaN-filled array differs in zarr-python or stored empty chunks")


def bmp_checks(tool, work, rng):
    """BMP both ways with Pillow: our gray, RGB and RGBA files (odd widths) decode identically in
    Pillow; Pillow's 1-bit, gray, palette, RGB and RGBA files decode here as Pillow decodes them."""
    for channels in (1, 3, 4):
        shape = (13, 7) if channels == 1 else (13, 7, channels)
        array = rng.integers(0, 256, shape, dtype=np.uint8)
        source = os.path.join(work, f"bmp-ours-{channels}.npy")
        np.save(source, array)
        run(tool, "copy", source, source + ".bmp")
        with Image.open(source + ".bmp") as im:
            theirs = np.asarray(im.convert({1: "L", 3: "RGB", 4: "RGBA"}[channels]))
        check(np.array_equal(theirs, array), f"Pillow reads our {channels}-channel BMP differently")
    base = rng.integers(0, 256, (21, 19, 3), dtype=np.uint8)
    images = {
        "1": Image.fromarray(base[..., 0] > 127), "L": Image.fromarray(base[..., 0]), "RGB": Image.fromarray(base),
        "P": Image.fromarray(base).quantize(37), "RGBA": Image.fromarray(np.dstack([base, base[..., :1]])),
    }
    for mode, image in images.items():
        path = os.path.join(work, f"bmp-pillow-{mode}.bmp")
        image.save(path)
        run(tool, "copy", path, path + ".npy")
        with Image.open(path) as im:
            expected = np.asarray(im.convert({"1": "L", "L": "L", "P": "RGB"}.get(mode, im.mode)))
        check(np.array_equal(np.load(path + ".npy"), expected), f"we read Pillow's {mode} BMP differently")


def gif_checks(tool, work, rng):
    """GIF both ways with Pillow: our animations (exact palettes) open in Pillow with the same
    frames, durations and loop; Pillow's animations (disposal modes, transparency) decode here as
    Pillow composites them."""
    from PIL import ImageSequence

    palette = rng.integers(0, 256, (30, 3), dtype=np.uint8)
    frames = palette[rng.integers(0, 30, (5, 21, 17))]
    source = os.path.join(work, "gif-ours.npy")
    np.save(source, frames)
    run(tool, "copy", source, source + ".gif", "--option", "duration=[40,50,60,70,80]", "--option", "loop=3")
    with Image.open(source + ".gif") as im:
        decoded = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]
        durations = []
        for index in range(im.n_frames):
            im.seek(index)
            durations.append(im.info.get("duration"))
        loop = im.info.get("loop")
    check(len(decoded) == 5 and all(np.array_equal(a, b) for a, b in zip(decoded, frames)),
          "Pillow reads our GIF's frames differently")
    check(durations == [40, 50, 60, 70, 80] and loop == 3, f"Pillow reads our GIF's timing differently: {durations}, loop {loop}")
    # Pillow's animations: every disposal method, with and without transparency.
    base = [Image.fromarray(palette[rng.integers(0, 30, (24, 20))]).quantize(16) for _ in range(4)]
    for disposal in (0, 1, 2, 3):
        for transparency in (None, 3):
            path = os.path.join(work, f"gif-pillow-{disposal}-{transparency}.gif")
            kwargs = {"transparency": transparency} if transparency is not None else {}
            base[0].save(path, save_all=True, append_images=base[1:], duration=[30, 40, 50, 60], loop=0, disposal=disposal,
                         optimize=False, **kwargs)
            run(tool, "copy", path, path + ".npy")
            with Image.open(path) as im:
                expected = np.stack([np.asarray(frame.convert("RGBA")) for frame in ImageSequence.Iterator(im)])
            ours = np.load(path + ".npy")
            check(ours.shape == expected.shape and np.array_equal(ours, expected),
                  f"we read Pillow's GIF (disposal {disposal}, transparency {transparency}) differently")


def video_checks(tool, work, rng):
    """Video both ways with PyAV (its own FFmpeg build): what we write decodes in PyAV to every
    frame, close to the source and to our own decode; what PyAV writes reads here with the same
    frame count and pixels close to PyAV's decode."""
    import av

    t = np.arange(60)[:, None, None]
    y = np.arange(96)[None, :, None]
    x = np.arange(128)[None, None, :]
    frames = np.stack([
        128 + 100 * np.sin((x + 2 * t) / 15) * np.cos(y / 20) + 0 * t,
        (x * 3 // 2 + y + 3 * t) % 256 + 0.0,
        128 + 90 * np.cos((y - t) / 10) + 0 * x,
    ], -1).round().clip(0, 255).astype(np.uint8)
    source = os.path.join(work, "video.npy")
    np.save(source, frames)

    def psnr(a, b):
        mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
        return 10 * np.log10(255 ** 2 / max(mse, 1e-9))

    def pyav_frames(path):
        with av.open(path) as container:
            return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])

    for ext, options in ((".mp4", []), (".mkv", []), (".mov", []), (".webm", []), (".avi", []),
                         (".mp4", ["--option", "fps=30", "--option", "preset=fast", "--option", "crf=18"])):
        path = os.path.join(work, f"video-ours-{len(options)}{ext}")
        run(tool, "copy", source, path, *options)
        theirs = pyav_frames(path)
        check(theirs.shape == frames.shape, f"PyAV reads {theirs.shape[0]} frames of our {ext}, not 60")
        if theirs.shape != frames.shape:
            continue
        check(psnr(theirs, frames) > 28, f"PyAV's decode of our {ext} is far from the source ({psnr(theirs, frames):.1f} dB)")
        run(tool, "copy", path, path + ".npy")
        ours = np.load(path + ".npy")
        check(ours.shape == frames.shape and psnr(ours, theirs) > 40,
              f"we and PyAV decode our {ext} differently ({psnr(ours, theirs):.1f} dB)")
        with av.open(path) as container:
            rate = container.streams.video[0].average_rate
        check(rate == (30 if options else 24), f"PyAV reads our {ext} at {rate} fps")

    # PyAV's files: H.264 in MP4 (with B-frames), VP9 in WebM, MPEG-4 in AVI, FFV1 in Matroska.
    for ext, codec, pixel_format in ((".mp4", "libx264", "yuv420p"), (".webm", "libvpx-vp9", "yuv420p"),
                                     (".avi", "mpeg4", "yuv420p"), (".mkv", "ffv1", "yuv444p")):
        path = os.path.join(work, f"video-pyav-{codec}{ext}")
        with av.open(path, "w") as container:
            stream = container.add_stream(codec, rate=25)
            stream.width, stream.height, stream.pix_fmt = 128, 96, pixel_format
            for image in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        reference = pyav_frames(path)
        run(tool, "copy", path, path + ".npy")
        ours = np.load(path + ".npy")
        check(ours.shape == reference.shape == frames.shape,
              f"we read {ours.shape[0]} frames of PyAV's {codec} {ext}, PyAV {reference.shape[0]}")
        if ours.shape == reference.shape:
            check(psnr(ours, reference) > 40, f"we decode PyAV's {codec} {ext} differently ({psnr(ours, reference):.1f} dB)")
        # One frame by index, as PyAV decodes it.
        run(tool, "copy", path, path + ".37.npy", "--index", "37")
        check(np.array_equal(np.load(path + ".37.npy"), ours[37]), f"frame 37 of PyAV's {codec} {ext} read by index differs")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
