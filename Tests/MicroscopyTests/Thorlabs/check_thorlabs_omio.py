#!/usr/bin/env python3
"""Compares immetaio's Thorlabs RAW reader with OMIO's (omio.read_thorlabs_raw) on generated data.

ThorlabsRAWFileTests writes, when IMMETAIO_THORLABS_DUMP_DIR is set, one folder per generated
acquisition (Experiment.xml + Image_*.raw, laid out T x (Z + flyback) x C x Y x X uint16 LE,
flyback frames filled with 0xFFFF) with what immetaio read: immetaio.npy (pixels, TZCYX) and
immetaio.json (shape, calibration, channel names, date).

This script checks every folder three ways:
  * immetaio against the generation rule (pixel = f(t, z, c, y, x), see ThorlabsFixture.value),
  * OMIO against the same rule,
  * the metadata of both,
and prints where OMIO differs, with the cause. It exits 1 only when immetaio disagrees with the
rule; OMIO's known differences are reported, not failed.

Run it with a Python that has OMIO (OMIO needs Python >= 3.12 by its metadata but its reader runs
on 3.11; its top-level `import napari` needs napari or a stub module):
    /work/scratch/omio-venv/bin/python check_thorlabs_omio.py [--dump DIR] [--no-run]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET

import numpy as np

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[3]


def rule(shape):
    """The generated pixels for a TZCYX shape (ThorlabsFixture.value)."""
    t, z, c, y, x = np.indices(shape, dtype=np.int64)
    return ((t * 9001 + z * 701 + c * 10007 + y * 37 + x * 3 + 1) & 0xFFFF).astype(np.uint16)


def explain(folder, omio_image, ours_shape):
    """Why OMIO's result differs, from the Experiment.xml it read."""
    root = ET.parse(folder / "Experiment.xml").getroot()
    streaming = root.find("Streaming").attrib
    camera = root.find("Camera")
    reasons = []
    if camera is not None and int(camera.get("bitsPerPixel", 16)) <= 8:
        reasons.append("OMIO takes the bit depth from Camera@bitsPerPixel (8 -> uint8), but ThorImage LSM RAW data is always uint16")
    if streaming.get("zFastEnable") == "1" and int(streaming.get("flybackFrames", 0)) > 0:
        reasons.append("OMIO derives Z from the file size, so the flyback frames stay in the stack as extra Z planes")
    if omio_image is not None and omio_image.shape[2] != ours_shape[2]:
        reasons.append("channel count differs")
    return reasons


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", help="dump directory (default: a new temporary one, filled by running the Swift tests)")
    parser.add_argument("--no-run", action="store_true", help="use the folders already in --dump")
    args = parser.parse_args()

    if args.dump is None:
        # A fresh directory, removed at the end.
        with tempfile.TemporaryDirectory(prefix="thorlabs-dump-") as directory:
            args.dump = directory
            return check(args)
    return check(args)


def check(args):
    dump = pathlib.Path(args.dump)
    if not args.no_run:
        environment = dict(os.environ, IMMETAIO_THORLABS_DUMP_DIR=str(dump))
        command = ["swift", "test", "--skip-build", "--filter", "ThorlabsRAWFileTests"]
        result = subprocess.run(command, cwd=PACKAGE_ROOT, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:])
            sys.exit("the Swift tests failed (build them first: swift build --build-tests)")

    try:
        from omio import read_thorlabs_raw
    except Exception as error:  # noqa: BLE001 - report any import problem
        read_thorlabs_raw = None
        print(f"OMIO not available ({type(error).__name__}: {error}); checking immetaio only")

    folders = sorted(path.parent for path in dump.glob("*/immetaio.npy"))
    if not folders:
        sys.exit(f"nothing to check in {dump}")
    failures = 0
    for folder in folders:
        ours = np.load(folder / "immetaio.npy")
        meta = json.loads((folder / "immetaio.json").read_text())
        expected = rule(tuple(meta["shape"]))
        ours_ok = ours.dtype == np.uint16 and ours.shape == expected.shape and np.array_equal(ours, expected)
        failures += not ours_ok
        print(f"{folder.name}: immetaio {'matches' if ours_ok else 'DIFFERS from'} the generated data, shape {list(ours.shape)}")

        if read_thorlabs_raw is None:
            continue
        raw = next(folder.glob("Image_*.raw"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                image, metadata = read_thorlabs_raw(str(raw), verbose=False)
            except Exception as error:  # noqa: BLE001 - OMIO's failure is the finding
                image, metadata = None, None
                print(f"    OMIO raised {type(error).__name__}: {error}")
        if image is None:
            notes = "; ".join(str(w.message).splitlines()[0] for w in caught)
            print(f"    OMIO returned nothing ({notes})")
        else:
            image = np.asarray(image)
            same = image.shape == expected.shape and np.array_equal(image, expected)
            print(f"    OMIO shape {list(image.shape)} {image.dtype}: {'same pixels' if same else 'DIFFERENT pixels'}")
            for key, theirs, mine in [
                ("PhysicalSizeX", metadata.get("PhysicalSizeX"), meta["physical_size_x"]),
                ("PhysicalSizeZ", metadata.get("PhysicalSizeZ"), meta["physical_size_z"]),
                ("TimeIncrement (s)", metadata.get("TimeIncrement"), meta["time_increment_s"]),
            ]:
                if mine is None and theirs in (None, 0.0, 1.0):
                    continue
                if theirs is None or mine is None or abs(float(theirs) - float(mine)) > 1e-9:
                    print(f"    OMIO {key} {theirs} vs immetaio {mine}")
        for reason in explain(folder, image, meta["shape"]):
            print(f"    cause: {reason}")
    print(f"{len(folders)} acquisitions checked, {failures} immetaio failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
