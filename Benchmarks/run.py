#!/usr/bin/env python3
"""Side-by-side benchmark of immetaio against the Python peers, in one run; writes BENCHMARKS.md.

Usage: run.py --swift-bench PATH [--output BENCHMARKS.md] [--repeats N]

The test frame is a synthetic 3840x2160 RGB8 "photograph": smooth low-frequency colour fields,
edges and sensor-like noise, generated with a fixed seed so every run encodes the same pixels.
Peers: Pillow (what imageio v3 uses for PNG/JPEG) and OpenCV (what Python immetaio uses).
Decoders all read the same files: the PNG Pillow writes by default and a JPEG Pillow writes at
quality 90 with 4:2:0 subsampling. Times are medians of REPEATS runs, in milliseconds.
"""
import argparse
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
import PIL
from PIL import Image


def median_ms(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2]


def photo_like(height=2160, width=3840, seed=7):
    rng = np.random.default_rng(seed)
    # Low-frequency colour fields: a coarse random grid, bilinearly upsampled.
    coarse = rng.uniform(0, 255, size=(height // 120 + 2, width // 120 + 2, 3)).astype(np.float32)
    field = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    # Some hard edges (objects), then sensor noise.
    yy, xx = np.mgrid[0:height, 0:width]
    for cx, cy, r, shade in [(900, 700, 400, 60), (2600, 1300, 650, -50), (3300, 400, 250, 80)]:
        field[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] += shade
    field += rng.normal(0, 3.0, size=field.shape).astype(np.float32)
    return np.clip(field, 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swift-bench", required=True)
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    repeats = args.repeats
    cv2.setNumThreads(1)

    image = photo_like()
    work = tempfile.mkdtemp(prefix="immetaio-bench-")
    np.save(os.path.join(work, "frame.npy"), image)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)

    peers = {}
    # PNG encode.
    buf = io.BytesIO()
    pil_image = Image.fromarray(image)
    def pillow_png():
        buf.seek(0); buf.truncate(); pil_image.save(buf, format="PNG")
    peers["pillow_png_encode_ms"] = median_ms(repeats, pillow_png)
    pillow_png_bytes = buf.getvalue()
    peers["pillow_png_encode_bytes"] = len(pillow_png_bytes)
    png_holder = {}
    def opencv_png():
        png_holder["b"] = cv2.imencode(".png", bgr)[1]
    peers["opencv_png_encode_ms"] = median_ms(repeats, opencv_png)
    peers["opencv_png_encode_bytes"] = len(png_holder["b"])
    def opencv_png9():
        png_holder["b9"] = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 9])[1]
    peers["opencv_png9_encode_ms"] = median_ms(max(1, repeats // 2), opencv_png9)
    peers["opencv_png9_encode_bytes"] = len(png_holder["b9"])
    # PNG decode of Pillow's file.
    peers["pillow_png_decode_ms"] = median_ms(repeats, lambda: np.asarray(Image.open(io.BytesIO(pillow_png_bytes)).convert("RGB")))
    png_array = np.frombuffer(pillow_png_bytes, np.uint8)
    peers["opencv_png_decode_ms"] = median_ms(repeats, lambda: cv2.cvtColor(cv2.imdecode(png_array, cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB))
    # JPEG encode q90 4:2:0, decode.
    def pillow_jpeg():
        buf.seek(0); buf.truncate(); pil_image.save(buf, format="JPEG", quality=90, subsampling="4:2:0")
    peers["pillow_jpeg_encode_ms"] = median_ms(repeats, pillow_jpeg)
    pillow_jpeg_bytes = buf.getvalue()
    peers["pillow_jpeg_encode_bytes"] = len(pillow_jpeg_bytes)
    peers["opencv_jpeg_encode_ms"] = median_ms(repeats, lambda: cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90]))
    peers["pillow_jpeg_decode_ms"] = median_ms(repeats, lambda: np.asarray(Image.open(io.BytesIO(pillow_jpeg_bytes)).convert("RGB")))
    jpeg_array = np.frombuffer(pillow_jpeg_bytes, np.uint8)
    peers["opencv_jpeg_decode_ms"] = median_ms(repeats, lambda: cv2.cvtColor(cv2.imdecode(jpeg_array, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))

    with open(os.path.join(work, "peer.png"), "wb") as f:
        f.write(pillow_png_bytes)
    with open(os.path.join(work, "peer.jpg"), "wb") as f:
        f.write(pillow_jpeg_bytes)
    ours = json.loads(subprocess.check_output([
        args.swift_bench, os.path.join(work, "frame.npy"), os.path.join(work, "peer.png"),
        os.path.join(work, "peer.jpg"), work, str(repeats)]))

    # Our default PNG must decode in Pillow to the exact input.
    with open(os.path.join(work, "immetaio-default.png"), "rb") as f:
        check = np.asarray(Image.open(f).convert("RGB"))
    if not np.array_equal(check, image):
        sys.exit("immetaio's PNG does not decode to the input in Pillow")

    write_report(args.output, peers, ours, repeats)
    print(open(args.output).read())


def write_report(path, p, o, repeats):
    def ratio(peer, us):
        return f"{peer / us:.2f}x"
    fastest_png_decode = min(p["pillow_png_decode_ms"], p["opencv_png_decode_ms"])
    fastest_jpeg_decode = min(p["pillow_jpeg_decode_ms"], p["opencv_jpeg_decode_ms"])
    rows = [
        ("PNG encode, default options", o["png_encode_default_ms"], o["png_encode_default_bytes"],
         f"Pillow default (zlib 6, adaptive filters): {p['pillow_png_encode_ms']:.0f} ms, {p['pillow_png_encode_bytes']:,} B",
         ratio(p["pillow_png_encode_ms"], o["png_encode_default_ms"]),
         f"{o['png_encode_default_bytes'] / p['pillow_png_encode_bytes']:.3f}"),
        ("PNG encode, default options", o["png_encode_default_ms"], o["png_encode_default_bytes"],
         f"OpenCV default (zlib 1): {p['opencv_png_encode_ms']:.0f} ms, {p['opencv_png_encode_bytes']:,} B",
         ratio(p["opencv_png_encode_ms"], o["png_encode_default_ms"]),
         f"{o['png_encode_default_bytes'] / p['opencv_png_encode_bytes']:.3f}"),
        ("PNG encode, default options", o["png_encode_default_ms"], o["png_encode_default_bytes"],
         f"OpenCV level 9 (Python immetaio): {p['opencv_png9_encode_ms']:.0f} ms, {p['opencv_png9_encode_bytes']:,} B",
         ratio(p["opencv_png9_encode_ms"], o["png_encode_default_ms"]),
         f"{o['png_encode_default_bytes'] / p['opencv_png9_encode_bytes']:.3f}"),
        ("PNG encode, compression 12 + adaptive", o["png_encode_smallest_ms"], o["png_encode_smallest_bytes"],
         f"Pillow default: {p['pillow_png_encode_ms']:.0f} ms, {p['pillow_png_encode_bytes']:,} B",
         ratio(p["pillow_png_encode_ms"], o["png_encode_smallest_ms"]),
         f"{o['png_encode_smallest_bytes'] / p['pillow_png_encode_bytes']:.3f}"),
        ("PNG decode (Pillow's file)", o["png_decode_peer_file_ms"], None,
         f"Pillow {p['pillow_png_decode_ms']:.0f} ms, OpenCV {p['opencv_png_decode_ms']:.0f} ms",
         ratio(fastest_png_decode, o["png_decode_peer_file_ms"]) + " vs fastest", ""),
        ("PNG decode (our default file)", o["png_decode_own_file_ms"], None, "", "", ""),
        ("JPEG encode q90 4:2:0", o["jpeg_encode_ms"], o["jpeg_encode_bytes"],
         f"Pillow {p['pillow_jpeg_encode_ms']:.0f} ms, OpenCV {p['opencv_jpeg_encode_ms']:.0f} ms, TurboJPEG direct {o['turbojpeg_encode_ms']:.0f} ms",
         ratio(min(p["pillow_jpeg_encode_ms"], p["opencv_jpeg_encode_ms"]), o["jpeg_encode_ms"]) + " vs fastest peer; "
         + f"{o['jpeg_encode_ms'] / o['turbojpeg_encode_ms']:.3f}x TurboJPEG's time",
         f"{o['jpeg_encode_bytes'] / p['pillow_jpeg_encode_bytes']:.3f}"),
        ("JPEG decode (Pillow's file)", o["jpeg_decode_ms"], None,
         f"Pillow {p['pillow_jpeg_decode_ms']:.0f} ms, OpenCV {p['opencv_jpeg_decode_ms']:.0f} ms, TurboJPEG direct {o['turbojpeg_decode_ms']:.0f} ms",
         ratio(fastest_jpeg_decode, o["jpeg_decode_ms"]) + " vs fastest peer; "
         + f"{o['jpeg_decode_ms'] / o['turbojpeg_decode_ms']:.3f}x TurboJPEG's time", ""),
    ]
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (Benchmarks/run.py with Benchmarks/.build/release/immetaio-bench), one run,",
        f"{datetime.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},",
        f"Pillow {PIL.__version__}, OpenCV {cv2.__version__}, numpy {np.__version__}. One thread everywhere.",
        f"Medians of {repeats} runs; the machine is noisy, so compare ratios (peer time / our time) within this run.",
        "",
        "Frame: 3840×2160×3 uint8, synthetic photograph (smooth colour fields, edges, Gaussian noise σ=3;",
        "`photo_like()` in run.py). Decoders read the same files: Pillow's default PNG and Pillow's q90 JPEG.",
        "",
        "| operation | immetaio ms | immetaio bytes | peers | speed ratio | size ratio |",
        "|---|---:|---:|---|---|---:|",
    ]
    for name, ms, size, peer, speed, size_ratio in rows:
        lines.append(f"| {name} | {ms:.0f} | {'' if size is None else f'{size:,}'} | {peer} | {speed} | {size_ratio} |")
    lines += [
        "",
        "Targets (issue 2): decode at least as fast as the fastest peer; JPEG within 1.1× of TurboJPEG",
        "called directly; default PNG encode at least 5× Pillow's default with output at most 10 % larger",
        "(size ratio ≤ 1.10). Frontier (`../shared/FRONTIER.md`): fpng encodes 1080p photos at 640–965 MB/s.",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
