"""The writers of issue #20 against their Python peers, driven through `immetaio copy` with
`--option key=value`:

- Animated PNG: Pillow reads our APNGs (8-bit RGBA with a moving sprite over transparency, RGB,
  gray+alpha, 16-bit gray) with the frame count, every frame's pixels, every frame's duration and
  the loop count we wrote. Sizes are printed against Pillow's APNG of the same frames and against
  the frames written whole.
- Animated WebP: Pillow reads our animations with the frames (lossless: exactly; lossy: close),
  durations and loop count.
- TIFF LZW: tifffile (imagecodecs' LZW) and Pillow (libtiff) read our LZW files exactly, with and
  without the horizontal predictor; sizes are printed against tifffile's LZW of the same arrays.
- TIFF JPEG: tifffile and Pillow (libtiff) read our JPEG TIFFs (YCbCr 4:2:0, 4:4:4, RGB, gray,
  tiled) within a PSNR bound, with the photometric and subsampling tags we wrote.
- AVI: PyAV reads our MJPEG, MPEG-4, raw video and FFV1 AVIs written with default settings.
- GIF: Pillow reads durations rounded to 10 ms; `duration=0.1` and an unknown `quantizer` are
  refused with their reasons; imageio v2's `palettesize` limits the palette.
"""
import os
import subprocess

import numpy as np


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def copy(tool, check, source, target, *options):
    arguments = [item for option in options for item in ("--option", option)]
    result = run(tool, "copy", source, target, *arguments)
    check(result.returncode == 0, f"immetaio copy {os.path.basename(target)} {' '.join(options)} failed: {result.stderr.strip()}")
    return result.returncode == 0


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return 10 * np.log10(255 ** 2 / max(mse, 1e-12))


def pillow_frames(path):
    """Every frame as Pillow shows it (its own mode), with its duration, and the loop count."""
    from PIL import Image

    frames, durations = [], []
    with Image.open(path) as im:
        for index in range(getattr(im, "n_frames", 1)):
            im.seek(index)
            frames.append(np.asarray(im).copy())
            durations.append(im.info.get("duration"))
        loop = im.info.get("loop")
    return frames, durations, loop


def frame_operations(path):
    """The (dispose, blend) operations of an APNG's fcTL chunks."""
    data = open(path, "rb").read()
    offset, operations = 8, []
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        if data[offset + 4:offset + 8] == b"fcTL":
            operations.append((data[offset + 8 + 24], data[offset + 8 + 25]))
        offset += 12 + length
    return operations


def animation_frames(rng):
    """Six 8-bit RGBA frames made to use every blend and dispose choice: a sprite moving over a
    transparent canvas (frames 1, 2: BACKGROUND disposal pays), two pixels at opposite corners
    of an opaque noise patch changing (frames 3, 5: OVER pays), and a half-transparent band
    changing colour (frame 4: SOURCE)."""
    frames = np.zeros((6, 72, 96, 4), np.uint8)
    noise = rng.integers(0, 256, (24, 24, 4), dtype=np.uint8)
    noise[..., 3] = 255
    for t in range(6):
        if t in (3, 5):
            noise[1 + t, 1 + t, :3] ^= 0x55
            noise[22 - t, 22 - t, :3] ^= 0x33
        frames[t, 48:, 72:] = noise
        x = 6 + 9 * min(t, 2)
        frames[t, 10:26, x:x + 16] = [40 * t, 200 - 20 * t, 90, 255]
        frames[t, 30:34, :, 3] = 100
        frames[t, 30:34, :, 0] = 70 if t >= 4 else 20
    return frames


def writer_checks(tool, work, check):
    from PIL import Image
    import tifffile

    rng = np.random.default_rng(20)

    # --- Animated PNG -------------------------------------------------------------------------
    rgba = animation_frames(rng)
    layouts = {
        "rgba": rgba,
        "rgb": rgba[..., :3].copy(),
        "la": np.stack([rgba[..., 1], rgba[..., 3]], -1),
        "gray16": (rgba[..., 0].astype(np.uint16) * 257 + rng.integers(0, 200, rgba.shape[:3])).astype(np.uint16),
    }
    durations = [40, 120, 65, 300, 1000, 70]
    for name, frames in layouts.items():
        source = os.path.join(work, f"apng-{name}.npy")
        np.save(source, frames)
        target = source.replace(".npy", ".png")
        if not copy(tool, check, source, target, "duration=[40,120,65,300,1000,70]", "loop=2"):
            continue
        decoded, their_durations, loop = pillow_frames(target)
        check(len(decoded) == 6, f"Pillow reads {len(decoded)} frames of our {name} APNG, not 6")
        same = len(decoded) == 6 and all(np.array_equal(a, b) for a, b in zip(decoded, frames))
        check(same, f"Pillow reads our {name} APNG's frames differently")
        check(their_durations == durations and loop == 2,
              f"Pillow reads our {name} APNG's timing differently: {their_durations}, loop {loop}")
        if name in ("rgba", "la"):
            operations = frame_operations(target)
            check(any(dispose == 1 for dispose, _ in operations) and any(blend == 1 for _, blend in operations),
                  f"our {name} APNG does not use both BACKGROUND disposal and OVER blending: {operations}")
    # Sizes: ours, Pillow's APNG of the same frames (its defaults: frames cropped to the change),
    # and the frames written whole (each a PNG of ours).
    ours = os.path.getsize(os.path.join(work, "apng-rgba.png"))
    pillow_path = os.path.join(work, "apng-rgba-pillow.png")
    images = [Image.fromarray(frame) for frame in rgba]
    images[0].save(pillow_path, save_all=True, append_images=images[1:], duration=durations, loop=2)
    whole = 0
    for index, frame in enumerate(rgba):
        single = os.path.join(work, f"apng-rgba-frame{index}.npy")
        np.save(single, frame)
        copy(tool, check, single, single.replace(".npy", ".png"))
        whole += os.path.getsize(single.replace(".npy", ".png"))
    check(ours < whole, f"our APNG ({ours} bytes) is not smaller than its frames written whole ({whole} bytes)")
    print(f"writer checks: APNG {ours} bytes; Pillow's APNG {os.path.getsize(pillow_path)} bytes; frames whole {whole} bytes")

    # --- Animated WebP ------------------------------------------------------------------------
    # Lossy coding is for smooth content: a moving gradient.
    t, y, x = np.mgrid[0:6, 0:72, 0:96]
    smooth = np.stack([128 + 100 * np.sin((x + 3 * t) / 15) * np.cos(y / 20), 128 + 90 * np.cos((y - 2 * t) / 10), x + y + 0.0], -1)
    smooth = smooth.round().clip(0, 255).astype(np.uint8)
    for name, frames, options in (("lossless-rgba", rgba, ["lossless=true"]), ("lossless-rgb", rgba[..., :3].copy(), ["lossless=true"]),
                                  ("lossy", smooth, ["quality=90"])):
        source = os.path.join(work, f"webp-{name}.npy")
        np.save(source, frames)
        target = source.replace(".npy", ".webp")
        if not copy(tool, check, source, target, "duration=[40,120,65,300,1000,70]", "loop=3", *options):
            continue
        decoded, their_durations, loop = pillow_frames(target)
        check(len(decoded) == 6 and their_durations == durations and loop == 3,
              f"Pillow reads our {name} WebP as {len(decoded)} frames, durations {their_durations}, loop {loop}")
        if len(decoded) != 6:
            continue
        channels = frames.shape[-1]
        if name.startswith("lossless"):
            same = all(np.array_equal(a[..., :channels], b) for a, b in zip(decoded, frames))
            check(same, f"Pillow reads our {name} WebP's frames differently")
        else:
            quality = min(psnr(a[..., :3], b) for a, b in zip(decoded, frames))
            check(quality > 32, f"Pillow reads our lossy WebP at {quality:.1f} dB")

    # --- TIFF LZW -----------------------------------------------------------------------------
    yy, xx = np.mgrid[0:300, 0:417]
    arrays = {
        "uint8-rgb": np.stack([(xx + yy) % 256, (xx * 3) % 256, (yy * 2) % 256], -1).astype(np.uint8),
        "uint8-noise": rng.integers(0, 256, (123, 301), dtype=np.uint8),
        "uint16": ((xx * 37 + yy * 11) % 65536 + rng.integers(0, 50, xx.shape)).astype(np.uint16),
        "int16-stack": rng.integers(-3000, 3000, (3, 64, 80), dtype=np.int16),
        "float32": (np.sin(xx / 20) * np.cos(yy / 30)).astype(np.float32),
    }
    sizes = []
    for name, array in arrays.items():
        source = os.path.join(work, f"lzw-{name}.npy")
        np.save(source, array)
        for predictor in ("false", "true"):
            target = source.replace(".npy", f"-{predictor}.tif")
            if not copy(tool, check, source, target, "compression=lzw", f"predictor={predictor}"):
                continue
            theirs = tifffile.imread(target)
            with tifffile.TiffFile(target) as tiff:
                compression = tiff.pages[0].compression
            check(compression == 5 and theirs.shape == array.shape and np.array_equal(theirs, array),
                  f"tifffile reads our LZW TIFF {name} (predictor {predictor}) differently")
            if array.dtype in (np.uint8, np.uint16) and array.ndim == 2 or name == "uint8-rgb":
                with Image.open(target) as im:
                    by_libtiff = np.asarray(im)
                check(np.array_equal(by_libtiff, array), f"Pillow (libtiff) reads our LZW TIFF {name} (predictor {predictor}) differently")
            reference = target.replace(".tif", "-tifffile.tif")
            tifffile.imwrite(reference, array, compression="lzw", predictor=predictor == "true")
            sizes.append(f"{name}{'+predictor' if predictor == 'true' else ''} {os.path.getsize(target)}/{os.path.getsize(reference)}")
    print("writer checks: LZW TIFF bytes, ours/tifffile's: " + ", ".join(sizes))

    # --- TIFF JPEG ----------------------------------------------------------------------------
    smooth = np.stack([128 + 100 * np.sin(xx / 25) * np.cos(yy / 30), (xx // 2 + yy) % 256, 128 + 90 * np.cos(yy / 17)], -1)
    smooth = smooth.round().clip(0, 255).astype(np.uint8)
    np.save(os.path.join(work, "jpeg-rgb.npy"), smooth)
    np.save(os.path.join(work, "jpeg-gray.npy"), smooth[..., 1].copy())
    # (source, options, minimum PSNR, photometric, subsampling tag)
    cases = [
        ("rgb", [], 30, 6, (2, 2)),
        ("rgb", ["subsampling=[1,1]", "quality=95"], 38, 6, (1, 1)),
        ("rgb", ["photometric=rgb"], 36, 2, None),
        ("rgb", ["tile=[64,64]", "subsampling=[2,1]"], 30, 6, (2, 1)),
        ("gray", ["rows_per_strip=32"], 36, 1, None),
    ]
    for index, (name, options, minimum, photometric, subsampling) in enumerate(cases):
        source = os.path.join(work, f"jpeg-{name}.npy")
        target = os.path.join(work, f"jpeg-{index}.tif")
        if not copy(tool, check, source, target, "compression=jpeg", *options):
            continue
        array = np.load(source)
        theirs = tifffile.imread(target)
        with tifffile.TiffFile(target) as tiff:
            page = tiff.pages[0]
            tags = (page.compression, page.photometric, page.tags.get(530).value if 530 in page.tags else None)
        check(theirs.shape == array.shape and psnr(theirs, array) > minimum,
              f"tifffile reads our JPEG TIFF {name} {options} at {psnr(theirs, array):.1f} dB (bound {minimum})")
        check(tags[0] == 7 and tags[1] == photometric and (tags[2] is None or tuple(tags[2]) == subsampling),
              f"our JPEG TIFF {name} {options} has tags {tags}")
        with Image.open(target) as im:
            by_libtiff = np.asarray(im.convert("RGB" if array.ndim == 3 else "L"))
        check(psnr(by_libtiff, array) > minimum - 1, f"Pillow (libtiff) reads our JPEG TIFF {name} {options} at {psnr(by_libtiff, array):.1f} dB")

    # --- AVI ----------------------------------------------------------------------------------
    import av

    t = np.arange(12)[:, None, None]
    clip = np.stack([128 + 100 * np.sin((xx[:48, :64] + 2 * t) / 15), (xx[:48, :64] + yy[:48, :64] + 3 * t) % 256 + 0.0,
                     128 + 90 * np.cos((yy[:48, :64] - t) / 10) + 0 * t], -1).round().clip(0, 255).astype(np.uint8)
    source = os.path.join(work, "avi-clip.npy")
    np.save(source, clip)
    for codec, minimum in (("mjpeg", 30), ("mpeg4", 26), ("rawvideo", 36), ("ffv1", 36)):
        target = os.path.join(work, f"avi-{codec}.avi")
        if not copy(tool, check, source, target, f"codec={codec}"):
            continue
        with av.open(target) as container:
            stream = container.streams.video[0]
            name = stream.codec_context.name
            decoded = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
        check(name == codec and decoded.shape == clip.shape and psnr(decoded, clip) > minimum,
              f"PyAV reads our {codec} AVI as {name} {decoded.shape} at {psnr(decoded, clip):.1f} dB")

    # --- GIF parameters -----------------------------------------------------------------------
    palette = rng.integers(0, 256, (20, 3), dtype=np.uint8)
    source = os.path.join(work, "gif-params.npy")
    np.save(source, palette[rng.integers(0, 20, (4, 16, 16))])
    if copy(tool, check, source, source + ".gif", "duration=[33,35,4,1234]"):
        _, gif_durations, _ = pillow_frames(source + ".gif")
        check(gif_durations == [30, 40, 10, 1230], f"Pillow reads our GIF durations as {gif_durations}, not [30, 40, 10, 1230]")
    refused = run(tool, "copy", source, source + "-s.gif", "--option", "duration=0.1")
    check(refused.returncode != 0 and "seconds" in refused.stderr, f"duration=0.1 is not refused as seconds: {refused.stderr.strip()}")
    refused = run(tool, "copy", source, source + "-q.gif", "--option", "quantizer=nq")
    check(refused.returncode != 0 and "median cut" in refused.stderr, f"quantizer=nq is not refused naming the values: {refused.stderr.strip()}")
    photo = np.stack([xx[:64, :80] * 3 % 256, yy[:64, :80] * 4 % 256, (xx[:64, :80] + yy[:64, :80]) % 256], -1).astype(np.uint8)
    np.save(source.replace(".npy", "-photo.npy"), photo)
    target = source.replace(".npy", "-photo.gif")
    if copy(tool, check, source.replace(".npy", "-photo.npy"), target, "palettesize=16", "quantizer=0"):
        with Image.open(target) as im:
            colors = len(im.convert("RGB").getcolors(1 << 16) or [])
        check(0 < colors <= 16, f"palettesize=16 gives {colors} colours")
