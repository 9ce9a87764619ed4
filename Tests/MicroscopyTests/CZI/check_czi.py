#!/usr/bin/env python3
"""Cross-check of immetaio's CZI reader against pylibCZIrw (and czifile's metadata).

Usage (from anywhere; the package's tests must be built: `swift build --build-tests`):
    check_czi.py [--package DIR] [--corpus DIR] [--keep DIR] [--build]

1. Writes CZI files with pylibCZIrw into a temporary folder: zstd1 (hi-lo) and zstd0 mosaics
   with negative tile coordinates and overlaps, several scenes, Bgr24 and Bgr48, Gray8 with
   T/Z/C and scaling and channel names, Gray32Float; and, with a small writer of our own (below),
   CZI files of JPEG XR tiles (pylibCZIrw cannot write them but reads them).
2. Adds the corpus's CZI files (IMMETAIO_CORPUS, --corpus, or ../shared/corpus).
3. Runs the Swift test `CZIDumpTests` with IMMETAIO_CZI_DUMP/IMMETAIO_CZI_DUMP_LIST, which
   writes our reads as NPY files and our metadata as JSON.
4. Compares every scene with pylibCZIrw's composite of the scene's rectangle, plane by plane
   (pylibCZIrw returns colour as stored, BGR; ours is RGB), and the pixel sizes (µm) and channel
   names with the XML as pylibCZIrw parses it.

Exits with status 1 on any mismatch. Needs numpy, pylibCZIrw, imagecodecs.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from pylibCZIrw import czi as pyczi

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- our own minimal CZI writer
def _segment(sid, data):
    allocated = (len(data) + 31) // 32 * 32
    return sid.encode().ljust(16, b"\0") + struct.pack("<qq", allocated, len(data)) + data + b"\0" * (allocated - len(data))


def _entry(pixel_type, position, compression, dims):
    out = b"DV" + struct.pack("<iqii", pixel_type, position, 0, compression) + b"\0" * 6 + struct.pack("<i", len(dims))
    for name, start, size, stored in dims:
        out += name.encode().ljust(4, b"\0") + struct.pack("<iifi", start, size, 0.0, stored)
    return out


def write_czi(path, subblocks, xml=None):
    """subblocks: (pixel_type, compression, dims [(letter, start, size, stored)], data bytes)."""
    out = bytearray(_segment("ZISRAWFILE", b"\0" * 512))
    entries = []
    for pixel_type, compression, dims, data in subblocks:
        position = len(out)
        entry = _entry(pixel_type, position, compression, dims)
        entries.append(entry)
        head = struct.pack("<iiq", 0, 0, len(data)) + entry
        head += b"\0" * (max(256, len(head)) - len(head))
        out += _segment("ZISRAWSUBBLOCK", head + data)
    directory = len(out)
    out += _segment("ZISRAWDIRECTORY", struct.pack("<i", len(entries)) + b"\0" * 124 + b"".join(entries))
    metadata = 0
    if xml is not None:
        metadata = len(out)
        encoded = xml.encode()
        out += _segment("ZISRAWMETADATA", struct.pack("<ii", len(encoded), 0) + b"\0" * 248 + encoded)
    header = struct.pack("<iiii", 1, 0, 0, 0) + bytes(range(1, 17)) * 2 + struct.pack("<iqqiq", 0, directory, metadata, 0, 0)
    out[32:32 + len(header)] = header
    with open(path, "wb") as f:
        f.write(out)


def scaling_xml(meters, channel_names):
    channels = "".join(f'<Channel Id="Channel:{i}" Name="{n}"/>' for i, n in enumerate(channel_names))
    return ("<ImageDocument><Metadata><Information><Image><Dimensions><Channels>" + channels +
            "</Channels></Dimensions></Image></Information><Scaling><Items>" +
            "".join(f'<Distance Id="{a}"><Value>{meters}</Value></Distance>' for a in "XY") +
            "</Items></Scaling></Metadata></ImageDocument>")


# ---------------------------------------------------------------- generated files
def generate(folder):
    rng = np.random.default_rng(21)
    files = []

    def create(name, compression):
        path = os.path.join(folder, name)
        files.append(path)
        return pyczi.create_czi(path, exist_ok=True, compression_options=compression)

    # Mosaic with negative coordinates and overlapping tiles, two scenes, T/C, hi-lo zstd1.
    with create("mosaic_zstd1_hilo.czi", "zstd1:ExplicitLevel=2;PreProcess=HiLoByteUnpack") as w:
        for t in range(2):
            for c in range(2):
                for (x, y) in [(-100, -40), (-30, -40), (-100, 10), (-30, 12)]:
                    w.write(rng.integers(0, 65535, (64, 80), dtype=np.uint16), plane={"T": t, "C": c}, location=(x, y))
                w.write(rng.integers(0, 65535, (50, 30), dtype=np.uint16), plane={"T": t, "C": c}, location=(500, 300), scene=1)
        w.write_metadata(document_name="mosaic", channel_names={0: "DAPI", 1: "GFP"}, scale_x=0.325, scale_y=0.325, scale_z=1.5)
    with create("scenes_zstd0_bgr24.czi", "zstd0:ExplicitLevel=1") as w:
        w.write(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8), location=(0, 0), scene=0)
        w.write(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8), location=(30, 20), scene=0)
        w.write(rng.integers(0, 255, (33, 17, 3), dtype=np.uint8), location=(-7, -9), scene=1)
    with create("bgr48.czi", "uncompressed:") as w:
        w.write(rng.integers(0, 65535, (21, 35, 3), dtype=np.uint16), location=(3, 4))
    with create("gray8_tzc.czi", "zstd1:ExplicitLevel=1") as w:
        for t in range(3):
            for z in range(2):
                for c in range(2):
                    w.write(rng.integers(0, 255, (30, 25), dtype=np.uint8), plane={"T": t, "Z": z, "C": c})
        w.write_metadata(document_name="tzc", channel_names={0: "red", 1: "far red"}, scale_x=0.1, scale_y=0.2, scale_z=0.5)
    with create("gray32float.czi", "zstd0:") as w:
        w.write(rng.random((17, 23), dtype=np.float32) * 1000, location=(-5, 5))

    # JPEG XR tiles, written by our writer: gray16 mosaic (lossless and lossy), Bgr24, a tile of
    # the wrong size (cropped/padded by the directory).
    import imagecodecs
    gray = rng.integers(0, 4000, (2, 48, 64), dtype=np.uint16)
    subblocks = []
    for m, (x, y) in enumerate([(-20, -10), (30, 5)]):
        dims = [("M", m, 1, 1), ("C", 0, 1, 1), ("Y", y, 48, 48), ("X", x, 64, 64)]
        subblocks.append((1, 4, dims, imagecodecs.jpegxr_encode(gray[m], level=1.0 if m == 0 else 0.9)))
    path = os.path.join(folder, "jpegxr_gray16.czi")
    write_czi(path, subblocks, scaling_xml(4.5e-07, ["JXR"]))
    files.append(path)
    colour = rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)
    odd = rng.integers(0, 255, (30, 20), dtype=np.uint8)
    # imagecodecs writes 24bppRGB, which libCZI refuses; ZEN writes 24bppBGR. The container's pixel
    # format GUID (last byte 0x0D RGB, 0x0C BGR) makes the same data decode in BGR order.
    rgb_guid = bytes.fromhex("24c3dd6f034efe4bb1853d77768dc90d")
    bgr = imagecodecs.jpegxr_encode(colour, level=1.0).replace(rgb_guid, rgb_guid[:15] + b"\x0c")
    path = os.path.join(folder, "jpegxr_bgr24.czi")
    write_czi(path, [
        (3, 4, [("S", 0, 1, 1), ("Y", 0, 40, 40), ("X", 0, 56, 56)], bgr),
        (0, 4, [("S", 1, 1, 1), ("Y", 0, 24, 24), ("X", 0, 24, 24)], imagecodecs.jpegxr_encode(odd, level=1.0)),
    ], scaling_xml(1e-06, ["brightfield"]))
    files.append(path)
    return files


# ---------------------------------------------------------------- comparison
def corpus_files(corpus):
    found = []
    for base, _, names in os.walk(os.path.join(corpus, "czi")):
        found += [os.path.join(base, n) for n in names if n.endswith(".czi")]
    return sorted(found)


def reference_scene(path, scene, pixel_type):
    """pylibCZIrw's composite of one scene (None: the whole file), stacked T, Z, C, in the scene's
    own pixel type (pylibCZIrw otherwise converts every scene to the pixel type of channel 0)."""
    with pyczi.open_czi(path) as doc:
        box = doc.total_bounding_box
        rect = doc.scenes_bounding_rectangle.get(scene) if scene is not None else doc.total_bounding_rectangle
        if rect is None:
            rect = doc.total_bounding_rectangle
        planes = []
        for t in range(*box.get("T", (0, 1))):
            for z in range(*box.get("Z", (0, 1))):
                for c in range(*box.get("C", (0, 1))):
                    planes.append(doc.read(plane={"T": t, "Z": z, "C": c}, scene=scene, roi=(rect.x, rect.y, rect.w, rect.h),
                                           pixel_type=pixel_type))
        return np.stack(planes), (rect.x, rect.y)


def xml_expectations(path):
    """Pixel sizes (µm) and channel names from the XML as pylibCZIrw's parser gives it."""
    with pyczi.open_czi(path) as doc:
        try:
            md = doc.metadata.get("ImageDocument", {}).get("Metadata", {})
        except RuntimeError:  # no metadata segment
            return {}, []
    sizes = {}
    items = (md.get("Scaling") or {}).get("Items") or {}
    distances = items.get("Distance") or []
    for d in distances if isinstance(distances, list) else [distances]:
        try:
            value = float(d.get("Value"))
        except (TypeError, ValueError):
            continue
        if value > 0:
            sizes[d.get("@Id")] = value / 1e-6

    def listed(node):
        node = node or {}
        channels = node.get("Channel") or []
        return channels if isinstance(channels, list) else [channels]

    info = listed((((md.get("Information") or {}).get("Image") or {}).get("Dimensions") or {}).get("Channels"))
    display = listed(((md.get("DisplaySetting") or {}).get("Channels")))
    names = []
    for i in range(max(len(info), len(display))):
        candidates = [(info[i] if i < len(info) else {}).get("@Name"), (display[i] if i < len(display) else {}).get("@Name")]
        names.append(next((n.strip() for n in candidates if n and n.strip()), None))
    return sizes, names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default=os.path.abspath(os.path.join(HERE, "..", "..", "..")))
    parser.add_argument("--corpus", default=os.environ.get("IMMETAIO_CORPUS"))
    parser.add_argument("--keep", help="write the generated files and dumps here instead of a temporary folder")
    parser.add_argument("--build", action="store_true", help="run `swift build --build-tests` first")
    args = parser.parse_args()
    corpus = args.corpus or os.path.join(args.package, "..", "shared", "corpus")

    folder = args.keep or tempfile.mkdtemp(prefix="czi-check-")
    os.makedirs(folder, exist_ok=True)
    generated = generate(folder)
    files = generated + (corpus_files(corpus) if os.path.isdir(corpus) else [])
    listing = os.path.join(folder, "files.txt")
    with open(listing, "w") as f:
        f.write("\n".join(files) + "\n")
    dump = os.path.join(folder, "dump")
    env = dict(os.environ, IMMETAIO_CZI_DUMP=dump, IMMETAIO_CZI_DUMP_LIST=listing)
    if args.build:
        subprocess.run(["swift", "build", "--build-tests"], cwd=args.package, check=True)
    run = subprocess.run(["swift", "test", "--skip-build", "--filter", "CZIDumpTests"], cwd=args.package, env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:])
        sys.exit("the Swift dump failed")

    failures = 0
    scenes_compared = 0
    for number, path in enumerate(files):
        record = json.load(open(os.path.join(dump, f"{number}.json")))
        name = os.path.relpath(path, corpus) if path not in generated else os.path.basename(path)
        if "error" in record:
            print(f"FAIL {name}: {record['error']}")
            failures += 1
            continue
        sizes, names = xml_expectations(path)
        for index, scene in enumerate(record["scenes"]):
            ours = np.load(os.path.join(dump, f"{number}.s{index}.npy"))
            reference, origin = reference_scene(path, scene["scene"], scene["annotations"]["CZI.pixelType"])
            if ours.ndim == 6:  # TZCYXS, RGB; pylibCZIrw: BGR
                ours = ours[..., ::-1].reshape(-1, *ours.shape[3:])
            else:
                ours = ours.reshape(-1, *ours.shape[3:], 1)
            problems = []
            if ours.shape != reference.shape or ours.dtype != reference.dtype:
                problems.append(f"shape/dtype {ours.shape} {ours.dtype} vs pylibCZIrw {reference.shape} {reference.dtype}")
            elif not np.array_equal(ours, reference):
                problems.append(f"pixels differ in {np.count_nonzero(ours != reference)} values")
            if list(origin) != scene["origin"]:
                problems.append(f"origin {scene['origin']} vs pylibCZIrw {list(origin)}")
            for axis in "XY":
                expected, got = sizes.get(axis), scene.get(f"physicalSize{axis}")
                if (expected is None) != (got is None) or (expected is not None and abs(expected - got) > 1e-9 * max(1, expected)):
                    problems.append(f"physical size {axis} {got} vs XML {expected}")
            channel_names = [c.get("name") for c in scene["channels"]]
            if names and channel_names != names[:len(channel_names)]:
                problems.append(f"channel names {channel_names} vs XML {names}")
            scenes_compared += 1
            label = f"{name} scene {scene['scene']}"
            if problems:
                failures += 1
                print(f"FAIL {label}: " + "; ".join(problems))
            else:
                print(f"ok   {label}: {scene['shape']} {scene['dtype']}")
    if args.keep:
        print(f"{scenes_compared} scenes of {len(files)} files compared, {failures} failures; files in {folder}")
    else:
        print(f"{scenes_compared} scenes of {len(files)} files compared, {failures} failures")
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
