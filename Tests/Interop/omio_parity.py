#!/usr/bin/env python3
"""Parity checks against OMIO (PyPI omio-microscopy 0.3.0), the Python tool our users migrate from.

Usage: omio_parity.py IMMETAIO_BINARY OMIO_PYTHON [--corpus DIR]
(without --corpus: IMMETAIO_CORPUS or ../shared/corpus beside the checkout, as interop.py; else the
corpus files are skipped)

This script runs in the interop venv (tifffile, numpy); OMIO runs in a subprocess with OMIO_PYTHON
(the `.venv-omio` the Makefile makes) and dumps what it read as .npy + JSON into a temporary folder.

1. Same folder: OMIO's `imread(folder)` on a generated folder (an OME-TIFF with physical sizes in
   nm and channels, an ImageJ hyperstack, a plain multi-page TIFF with resolution tags, an RGB
   OME-TIFF; with the corpus also its LSM and a CZI) against `immetaio ome info --json` and
   `immetaio copy --scene 0`: same axes, shapes, physical sizes and pixels. OMIO folds RGB samples
   into C, so our TZCYXS is folded the same way before comparing.
2. Same BIDS tree: `bids_batch_convert` against `immetaio ome batch`, per file, with files merged,
   per file of each tag folder and with tag folders merged; both outputs read back with tifffile.
3. Merges: a strict merge of mismatched sizes is None in OMIO and exit 1 naming the axis and the
   files with us; strict merges of equal sizes and padded merges give the same arrays.
4. Thorlabs RAW: a single plane and a T series where OMIO is right (parity), and a streaming and a
   fast-Z-with-flyback acquisition where it is not (our reading is checked against the generated
   data, OMIO's as the known difference).

Where OMIO is wrong the check asserts our correct value against the file's ground truth and also
that OMIO's value is exactly the known wrong one (so a change in either shows); such differences
are listed, not failed. Any other difference fails.
Exits 1 on a failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import numpy as np
import tifffile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from microscopy_checks import to_canonical  # noqa: E402

failures = []
checks = 0
known_differences = {}  # reason -> [what differs, per file]
notes = []


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)


def known(reason, detail):
    known_differences.setdefault(reason, []).append(detail)


def run(tool, *args):
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True)


# --- OMIO in its own interpreter -------------------------------------------------------------------

OMIO_WORKER = r'''
import contextlib, io, json, os, sys, warnings
from importlib.metadata import version
import numpy as np
import omio

FIELDS = ("PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ", "PhysicalSizeXUnit", "PhysicalSizeYUnit",
          "PhysicalSizeZUnit", "TimeIncrement", "TimeIncrementUnit")


def plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def dump(image, metadata, out, key):
    array = np.asarray(image[...])
    np.save(os.path.join(out, key + ".npy"), array)
    annotations = metadata.get("Annotations") or {}
    entry = {field: plain(metadata.get(field)) for field in FIELDS}
    entry.update(npy=key + ".npy", axes=metadata.get("axes"), shape=list(array.shape), dtype=str(array.dtype),
                 source=annotations.get("original_filename", metadata.get("original_filename")))
    return entry


def run(job, out):
    if job["kind"] == "imread":
        image, metadata = omio.imread(job["path"], verbose=False, **job.get("options", {}))
        if image is None:
            return {"none": True}
        if isinstance(image, list):
            return {"images": [dump(i, m, out, f"{job['id']}-{n}") for n, (i, m) in enumerate(zip(image, metadata))]}
        return {"images": [dump(image, metadata, out, job["id"])]}
    written = omio.bids_batch_convert(job["path"], verbose=False, return_fnames=True, **job.get("options", {}))
    return {"written": [str(path) for path in written or []]}


jobs = json.load(open(sys.argv[1]))
out = sys.argv[2]
results = {}
for job in jobs:
    log = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(log):
        warnings.simplefilter("always")
        try:
            result = run(job, out)
        except Exception as error:  # the failure is the finding
            result = {"error": f"{type(error).__name__}: {error}"}
    result["log"] = log.getvalue()[-4000:]
    result["warnings"] = [str(w.message) for w in caught][-20:]
    results[job["id"]] = result
json.dump({"version": version("omio-microscopy"), "results": results}, open(os.path.join(out, "results.json"), "w"))
'''


def run_omio(omio_python, jobs, work):
    """Runs every job in one OMIO process; returns its results by job id and OMIO's version."""
    out = os.path.join(work, "omio-out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(work, "omio_worker.py"), "w") as handle:
        handle.write(OMIO_WORKER)
    with open(os.path.join(work, "omio_jobs.json"), "w") as handle:
        json.dump(jobs, handle)
    result = subprocess.run([omio_python, os.path.join(work, "omio_worker.py"), os.path.join(work, "omio_jobs.json"), out],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"omio parity: the OMIO worker failed ({omio_python}):\n{result.stderr[-3000:]}")
    with open(os.path.join(out, "results.json")) as handle:
        payload = json.load(handle)
    return payload["results"], payload["version"], out


# --- Physical sizes --------------------------------------------------------------------------------

# Units to µm and s. OMIO writes `micron`, ImageJ `um`, OME `µm`.
LENGTH_IN_UM = {"µm": 1.0, "um": 1.0, "micron": 1.0, "micrometer": 1.0, "nm": 1e-3, "mm": 1e3, "cm": 1e4, "m": 1e6}
TIME_IN_S = {"s": 1.0, "sec": 1.0, "seconds": 1.0, "ms": 1e-3, "µs": 1e-6, "min": 60.0, "h": 3600.0}
FIELDS = {"x": "physical size X", "y": "physical size Y", "z": "physical size Z", "t": "time increment"}
UNKNOWN = "unknown"  # a corpus file's value we do not establish independently


def base(field, quantity):
    """(value, unit) as a float in µm (lengths) or s (time); None stays None."""
    if quantity is None:
        return None
    value, unit = quantity
    factor = (TIME_IN_S if field == "t" else LENGTH_IN_UM).get(unit)
    return float("nan") if factor is None or value is None else float(value) * factor


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def ours_sizes(image):
    """`ome info --json`'s sizes as {field: (value, unit) or None}."""
    keys = {"x": "physical_size_x", "y": "physical_size_y", "z": "physical_size_z", "t": "time_increment"}
    return {field: (image[key]["value"], image[key]["unit"]) if image.get(key) else None for field, key in keys.items()}


def omio_sizes(metadata):
    """OMIO's metadata as {field: (value, unit) or None} (its defaults for absent units: micron, s)."""
    sizes = {}
    for field in "xyz":
        value = metadata.get(f"PhysicalSize{field.upper()}")
        sizes[field] = None if value is None else (value, metadata.get(f"PhysicalSize{field.upper()}Unit") or "micron")
    value = metadata.get("TimeIncrement")
    sizes["t"] = None if value is None else (value, metadata.get("TimeIncrementUnit") or "s")
    return sizes


def ome_tiff_sizes(path):
    """The first image's sizes in an OME-TIFF's OME-XML (OME's default units: µm, s)."""
    with tifffile.TiffFile(path) as tiff:
        root = ET.fromstring(tiff.ome_metadata)
    pixels = next(element for element in root.iter() if element.tag.endswith("}Pixels"))
    sizes = {}
    for field in "xyz":
        value = pixels.get(f"PhysicalSize{field.upper()}")
        sizes[field] = None if value is None else (float(value), pixels.get(f"PhysicalSize{field.upper()}Unit", "µm"))
    value = pixels.get("TimeIncrement")
    sizes["t"] = None if value is None else (float(value), pixels.get("TimeIncrementUnit", "s"))
    return sizes


def show(quantity):
    return "none" if quantity is None else f"{quantity[0]:g} {quantity[1]}"


def compare_sizes(name, ours, theirs, truth, omio_known=None):
    """Ours against the file's truth (value and unit kept), then OMIO against ours: equal physical
    quantities, or OMIO's known wrong value (`omio_known`: field -> (quantity, reason)), or OMIO's
    placeholder for a size the file does not give (1.0 micron, time 0)."""
    omio_known = omio_known or {}
    for field, label in FIELDS.items():
        expected = truth.get(field, UNKNOWN)
        if expected is not UNKNOWN:
            check(close(base(field, ours[field]), base(field, expected)) and (expected is None or ours[field][1] == expected[1]),
                  f"{name}: our {label} is {show(ours[field])}, the file says {show(expected)}")
        if close(base(field, ours[field]), base(field, theirs[field])):
            check(True, "")
        elif field in omio_known:
            wrong, reason = omio_known[field]
            check(close(base(field, theirs[field]), base(field, wrong)),
                  f"{name}: OMIO's {label} is {show(theirs[field])}, not its known {show(wrong)} ({reason})")
            known(reason, f"{name}: {label} OMIO {show(theirs[field])}, immetaio {show(ours[field])}")
        elif expected is None and base(field, theirs[field]) == (0.0 if field == "t" else 1.0):
            check(True, "")
            known("OMIO fills a size the file does not give with a placeholder (1.0 micron; TimeIncrement 0); "
                  "we report none", f"{name}: {label} OMIO {show(theirs[field])}")
        else:
            check(False, f"{name}: {label} differs: OMIO {show(theirs[field])}, immetaio {show(ours[field])} "
                         f"(the file says {show(expected) if expected is not UNKNOWN else '?'}; not a known OMIO difference)")


def fold_samples(array):
    """Our TZCYXS as OMIO's TZCYX with the samples folded into C (channel c, sample s -> c*S+s)."""
    if array.ndim != 6:
        return array
    t, z, c, y, x, s = array.shape
    return np.moveaxis(array, 5, 3).reshape(t, z, c * s, y, x)


def compare_pixels(name, ours, theirs, expected=None, omio_expected=None, reason=None):
    """Ours against the generated data (when known), then OMIO against ours, or against its known
    wrong result (`omio_expected`, with the reason) when it differs."""
    if expected is not None:
        check(ours.shape == expected.shape and ours.dtype == expected.dtype and np.array_equal(ours, expected),
              f"{name}: our pixels {list(ours.shape)} {ours.dtype} differ from the generated {list(expected.shape)} {expected.dtype}")
    if ours.ndim == 6:
        notes.append(f"{name}: OMIO folds the {ours.shape[5]} RGB samples into C ({list(theirs.shape)}); "
                     f"our TZCYXS {list(ours.shape)} is compared folded the same way")
    ours = fold_samples(ours)
    same = theirs.shape == ours.shape and theirs.dtype == ours.dtype and np.array_equal(theirs, ours)
    if omio_expected is None:
        check(same, f"{name}: OMIO's pixels {list(theirs.shape)} {theirs.dtype} differ from ours {list(ours.shape)} {ours.dtype}")
    else:
        check(not same and theirs.shape == omio_expected.shape and np.array_equal(theirs, omio_expected),
              f"{name}: OMIO's pixels {list(theirs.shape)} are not its known result {list(omio_expected.shape)} ({reason})")
        known(reason, f"{name}: OMIO {list(theirs.shape)}, immetaio {list(ours.shape)}")


def omio_image(results, out, job_id, name):
    """OMIO's single image of a job (metadata, array), or None with a failed check."""
    result = results.get(job_id, {})
    images = result.get("images") or []
    check(len(images) == 1, f"{name}: OMIO read {len(images)} images ({result.get('error') or result.get('log', '')[-300:]})")
    if len(images) != 1:
        return None, None
    return images[0], np.load(os.path.join(out, images[0]["npy"]))


def ours_read(tool, path, work, name):
    """Our `ome info --json` image 0 and `copy --scene 0` array, or (None, None) with a failed check."""
    info = run(tool, "ome", "info", "--json", path)
    check(info.returncode == 0, f"{name}: ome info failed: {info.stderr.strip()}")
    array_path = os.path.join(work, "ours-" + name.replace("/", "_") + ".npy")
    copied = run(tool, "copy", path, array_path, "--scene", "0")
    check(copied.returncode == 0, f"{name}: copy failed: {copied.stderr.strip()}")
    if info.returncode != 0 or copied.returncode != 0:
        return None, None
    return json.loads(info.stdout)["images"][0], np.load(array_path)


def write_ome(path, array, sizes, channels=None):
    """A TZCYX array as an OME-TIFF with tifffile, sizes as {field: (value, unit)}."""
    metadata = {"axes": "TZCYX"}
    for field, key in (("x", "PhysicalSizeX"), ("y", "PhysicalSizeY"), ("z", "PhysicalSizeZ"), ("t", "TimeIncrement")):
        if sizes.get(field):
            metadata[key], metadata[key + "Unit"] = sizes[field]
    if channels:
        metadata["Channel"] = {"Name": channels}
    tifffile.imwrite(path, array, ome=True, metadata=metadata)


# --- 1. The same folder ----------------------------------------------------------------------------

def folder_prepare(work, corpus, rng):
    folder = os.path.join(work, "folder")
    os.makedirs(folder)
    files = {}  # name -> dict(expected array or None, truth, omio_known)
    cells = rng.integers(0, 4096, (2, 3, 2, 40, 50), dtype=np.uint16)
    sizes = {"x": (120.0, "nm"), "y": (130.0, "nm"), "z": (0.8, "µm"), "t": (250.0, "ms")}
    write_ome(os.path.join(folder, "cells.ome.tif"), cells, sizes, ["DAPI", "GFP"])
    files["cells.ome.tif"] = dict(expected=cells, truth=sizes)

    hyper = rng.integers(0, 256, (3, 4, 2, 30, 40), dtype=np.uint8)
    tifffile.imwrite(os.path.join(folder, "hyperstack.tif"), hyper, imagej=True, resolution=(4.0, 4.0),
                     metadata={"axes": "TZCYX", "spacing": 1.5, "unit": "um", "finterval": 0.5})
    files["hyperstack.tif"] = dict(
        expected=hyper, truth={"x": (0.25, "µm"), "y": (0.25, "µm"), "z": (1.5, "µm"), "t": (0.5, "s")},
        omio_known={"t": (None, "OMIO's ImageJ reader ignores the hyperstack's frame interval (finterval)")})

    # A plain multi-page TIFF (no shape description) with resolution tags in pixels per cm: 0.5 µm.
    pages = rng.integers(0, 65536, (5, 30, 40), dtype=np.uint16)
    with tifffile.TiffWriter(os.path.join(folder, "pages.tif")) as writer:
        for page in pages:
            writer.write(page, resolution=(20000.0, 20000.0), resolutionunit="CENTIMETER", metadata=None)
    reason = "OMIO reads TIFF resolution tags only with ImageJ metadata; a plain TIFF gets 1.0 micron"
    files["pages.tif"] = dict(expected=pages[:, None, None], truth={"x": (5e-5, "cm"), "y": (5e-5, "cm"), "z": None, "t": None},
                              omio_known={"x": ((1.0, "µm"), reason), "y": ((1.0, "µm"), reason)})

    rgb = rng.integers(0, 256, (3, 30, 40, 3), dtype=np.uint8)
    tifffile.imwrite(os.path.join(folder, "rgb.ome.tif"), rgb, ome=True, photometric="rgb",
                     metadata={"axes": "ZYXS", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5})
    files["rgb.ome.tif"] = dict(expected=rgb[None, :, None], truth={"x": (0.5, "µm"), "y": (0.5, "µm"), "z": None, "t": None})

    jobs = [{"id": "folder", "kind": "imread", "path": folder, "options": {"return_list": True}}]
    if corpus is not None:
        lsm = os.path.join(corpus, "lsm", "omio", "032113-18.lsm")
        if os.path.exists(lsm):
            os.symlink(lsm, os.path.join(folder, os.path.basename(lsm)))
            with tifffile.TiffFile(lsm) as tiff:
                info = tiff.lsm_metadata
            # Our rule: voxel sizes in metres to µm; Z only for a stack, T only for a time series.
            size_x, size_y = (info["VoxelSizeX"] * 1e6, "µm"), (info["VoxelSizeY"] * 1e6, "µm")
            reason = ("OMIO copies CZ_LSMINFO's voxel sizes (metres) without converting them, labelled micron "
                      "(it converts only paginated LSMs)")
            files[os.path.basename(lsm)] = dict(
                expected=None, truth={"x": size_x, "y": size_y,
                                      "z": (info["VoxelSizeZ"] * 1e6, "µm") if info["DimensionZ"] > 1 else None,
                                      "t": (info["TimeIntervall"], "s") if info["DimensionTime"] > 1 else None},
                omio_known={"x": ((info["VoxelSizeX"], "µm"), reason), "y": ((info["VoxelSizeY"], "µm"), reason),
                            "z": ((info["VoxelSizeZ"], "µm"), reason + "; for a single plane the Z voxel size is no step at all")})
        czi = os.path.join(corpus, "czi", "czitools", "CellDivision_T3_Z5_CH2_X240_Y170.czi")
        if os.path.exists(czi):
            os.symlink(czi, os.path.join(folder, os.path.basename(czi)))
            files[os.path.basename(czi)] = dict(
                expected=None, truth={field: UNKNOWN for field in FIELDS},
                omio_known={"t": (None, "OMIO's CZI reader reads no time increment (we take the document's "
                                        "Interval or the subblocks' time stamps)")})
    # A CZI without Scaling: read on its own, since OMIO raises on it and would end a folder read.
    unscaled = os.path.join(corpus, "czi", "czitools", "DAPI_GFP.czi") if corpus is not None else None
    if unscaled is not None and os.path.exists(unscaled):
        jobs.append({"id": "unscaled-czi", "kind": "imread", "path": unscaled})
    else:
        unscaled = None
    return dict(folder=folder, files=files, unscaled=unscaled), jobs


def folder_checks(tool, work, state, results, out):
    result = results.get("folder", {})
    images = {os.path.basename(image["source"] or ""): image for image in result.get("images", [])}
    check(sorted(images) == sorted(state["files"]),
          f"same folder: OMIO read {sorted(images)}, expected {sorted(state['files'])} ({result.get('error', '')})")
    for name, spec in sorted(state["files"].items()):
        path = os.path.join(state["folder"], name)
        ours, array = ours_read(tool, path, work, name)
        theirs = images.get(name)
        if ours is None or theirs is None:
            continue
        check(theirs["axes"] == "TZCYX" and ours["axes"] in ("TZCYX", "TZCYXS"),
              f"{name}: axes OMIO {theirs['axes']}, immetaio {ours['axes']}")
        check(list(array.shape) == ours["shape"], f"{name}: copy gives {list(array.shape)}, ome info {ours['shape']}")
        compare_pixels(name, array, np.load(os.path.join(out, theirs["npy"])), spec["expected"])
        compare_sizes(name, ours_sizes(ours), omio_sizes(theirs), spec["truth"], spec.get("omio_known"))
    if state["unscaled"]:
        name = os.path.basename(state["unscaled"])
        ours, array = ours_read(tool, state["unscaled"], work, name)
        error = results.get("unscaled-czi", {}).get("error", "")
        check(ours is not None and ours["physical_size_x"] is None and array.shape == (1, 1, 2, 640, 640),
              f"{name}: we must read it without scaling: {ours and ours['shape']}")
        check("KeyError" in error and "Distance" in error, f"{name}: OMIO was expected to fail on the missing scaling: {error!r}")
        known("OMIO's CZI reader requires Scaling/Items/Distance and raises KeyError without it; "
              "we read the file with no physical sizes", f"{name}: OMIO {error}")


# --- 2. The same BIDS tree -------------------------------------------------------------------------

BIDS_SIZES = {"x": (150.0, "nm"), "y": (150.0, "nm"), "z": (1.0, "µm"), "t": (2.0, "s")}
OMIO_UNIT_REASON = ("OMIO's OME-TIFF writer labels every length with one unit (µm), so 150 nm becomes 150 µm "
                    "(writers/ome_tiff.py: PhysicalSize*Unit = metadata['unit'] or 'µm')")


def bids_arrays(rng):
    def stack(t, c, y):
        return rng.integers(0, 4096, (t, 2, c, y, 40), dtype=np.uint16)
    return {"a": stack(2, 2, 32), "b": stack(2, 2, 32), "t2": stack(1, 1, 32), "t10": stack(1, 1, 32),
            "x": stack(1, 1, 32), "y": stack(2, 1, 24), "p": stack(1, 1, 32), "q": stack(1, 1, 32), "r": stack(1, 1, 32)}


def bids_tree(root, arrays):
    """sub-01: two files; sub-02: tag folders, TAG_00 holding no image (its notes must not shift the
    other tag folders' output names); sub-03: files numbered 2 and 10; sub-04: a tag folder with two files."""
    layout = {"sub-01/TP000": ["a", "b"], "sub-02/TP000/TAG_01": ["x"], "sub-02/TP000/TAG_02": ["y"],
              "sub-03/TP000": ["t2", "t10"], "sub-04/TP000/TAG_01": ["p", "q"], "sub-04/TP000/TAG_02": ["r"]}
    for folder, names in layout.items():
        os.makedirs(os.path.join(root, folder))
        for name in names:
            write_ome(os.path.join(root, folder, name + ".ome.tif"), arrays[name], BIDS_SIZES)
    os.makedirs(os.path.join(root, "sub-02/TP000/TAG_00"))
    with open(os.path.join(root, "sub-02/TP000/TAG_00/notes.txt"), "w") as handle:
        handle.write("no images here\n")


def pad_concat(arrays, axis):
    """OMIO's and our padded merge: other axes zero-padded at the end to the largest extent."""
    shape = [max(a.shape[i] for a in arrays) for i in range(5)]
    padded = []
    for array in arrays:
        target = list(shape)
        target[axis] = array.shape[axis]
        block = np.zeros(target, array.dtype)
        block[tuple(slice(0, n) for n in array.shape)] = array
        padded.append(block)
    return np.concatenate(padded, axis=axis)


def bids_runs(arrays):
    """Per run: (label, our options, OMIO's options, the expected outputs, OMIO's further outputs).
    An expected output: (name, our output relative to the root, our inputs' stems, expected array,
    OMIO's output relative to the root, OMIO's known different array or None, the reason)."""
    a = arrays
    t = lambda *names: np.concatenate([a[n] for n in names])  # noqa: E731 - merges along T
    order = ("OMIO orders a folder's files by plain string sort (t10 before t2); we use natural order (t2, t10), "
             "the acquisition order of unpadded numbers")
    first_only = ("OMIO's tag-folder merge reads only the first image file of each tag folder "
                  "(read.py: _first_image_file_in_folder); we merge every file of each tag folder")
    return [
        ("per file", [], {"sub": "sub-", "exp": "TP"}, [
            ("sub-01 a", "sub-01/TP000/immetaio_converted/a.ome.tif", ["a"], a["a"], "sub-01/TP000/omio_converted/a.ome.tif", None, None),
            ("sub-01 b", "sub-01/TP000/immetaio_converted/b.ome.tif", ["b"], a["b"], "sub-01/TP000/omio_converted/b.ome.tif", None, None),
            ("sub-03 t2", "sub-03/TP000/immetaio_converted/t2.ome.tif", ["t2"], a["t2"], "sub-03/TP000/omio_converted/t2.ome.tif", None, None),
            ("sub-03 t10", "sub-03/TP000/immetaio_converted/t10.ome.tif", ["t10"], a["t10"], "sub-03/TP000/omio_converted/t10.ome.tif", None, None),
        ], []),
        ("files merged", ["--merge-files"], {"sub": "sub-", "exp": "TP", "merge_multiple_files_in_folder": True}, [
            ("sub-01 a+b", "sub-01/TP000/immetaio_converted/TP000.ome.tif", ["a", "b"], t("a", "b"),
             "sub-01/TP000/omio_converted/a_merged.ome.tif", None, None),
            ("sub-03 t2+t10", "sub-03/TP000/immetaio_converted/TP000.ome.tif", ["t2", "t10"], t("t2", "t10"),
             "sub-03/TP000/omio_converted/t10_merged.ome.tif", t("t10", "t2"), order),
        ], []),
        ("per file in tag folders", ["--tag", "TAG_"], {"sub": "sub-", "exp": "TP", "tagfolder": "TAG_"}, [
            ("sub-02 TAG_01 x", "sub-02/TP000/immetaio_converted/x.ome.tif", ["x"], a["x"],
             "sub-02/TP000/TAG_01/omio_converted/x.ome.tif", None, None),
            ("sub-02 TAG_02 y", "sub-02/TP000/immetaio_converted/y.ome.tif", ["y"], a["y"],
             "sub-02/TP000/TAG_02/omio_converted/y.ome.tif", None, None),
            ("sub-04 TAG_01 p", "sub-04/TP000/immetaio_converted/p.ome.tif", ["p"], a["p"],
             "sub-04/TP000/TAG_01/omio_converted/p.ome.tif", None, None),
            ("sub-04 TAG_01 q", "sub-04/TP000/immetaio_converted/q.ome.tif", ["q"], a["q"],
             "sub-04/TP000/TAG_01/omio_converted/q.ome.tif", None, None),
            ("sub-04 TAG_02 r", "sub-04/TP000/immetaio_converted/r.ome.tif", ["r"], a["r"],
             "sub-04/TP000/TAG_02/omio_converted/r.ome.tif", None, None),
        ], []),
        ("tag folders merged", ["--tag", "TAG_", "--merge-tags"],
         {"sub": "sub-", "exp": "TP", "tagfolder": "TAG_", "merge_tagfolders": True}, [
            ("sub-02 TAG_* merged", "sub-02/TP000/immetaio_converted/TP000_TAG_merged.ome.tif", ["x", "y"],
             pad_concat([a["x"], a["y"]], 0), "sub-02/TP000/omio_converted/sub-02_TP000_TAG_merged_merged.ome.tif", None, None),
            ("sub-04 TAG_* merged", "sub-04/TP000/immetaio_converted/TP000_TAG_merged.ome.tif", ["p", "q", "r"], t("p", "q", "r"),
             "sub-04/TP000/omio_converted/sub-04_TP000_TAG_merged_merged.ome.tif", t("p", "r"), first_only),
        ], []),
    ]


def bids_prepare(work, rng):
    arrays = bids_arrays(rng)
    runs = bids_runs(arrays)
    jobs = []
    for index, run_spec in enumerate(runs):
        for side in ("ours", "omio"):
            bids_tree(os.path.join(work, f"bids-{index}-{side}"), arrays)
        jobs.append({"id": f"bids-{index}", "kind": "bids", "path": os.path.join(work, f"bids-{index}-omio"),
                     "options": dict(run_spec[2], overwrite=True)})
    return dict(runs=runs), jobs


def read_output(path):
    with tifffile.TiffFile(path) as tiff:
        series = tiff.series[0]
        array, _ = to_canonical(series.asarray(), series.axes)
    return array, ome_tiff_sizes(path)


def bids_checks(tool, work, state, results):
    for index, run_spec in enumerate(state["runs"]):
        label, options, _, products, extra_omio = run_spec
        ours_root, omio_root = os.path.join(work, f"bids-{index}-ours"), os.path.join(work, f"bids-{index}-omio")
        result = run(tool, "ome", "batch", ours_root, "--exp", "TP", "--json", *options)
        check(result.returncode == 0, f"BIDS {label}: ome batch failed: {result.stderr.strip()}")
        report = json.loads(result.stdout) if result.returncode == 0 else {"entries": []}
        entries = {entry["output"]: entry for entry in report["entries"]}
        omio_result = results.get(f"bids-{index}", {})
        written = sorted(os.path.relpath(path, omio_root) for path in omio_result.get("written", []))
        check(sorted(entries) == sorted(p[1] for p in products),
              f"BIDS {label}: our outputs {sorted(entries)}, expected {sorted(p[1] for p in products)}")
        check(written == sorted([p[4] for p in products] + extra_omio),
              f"BIDS {label}: OMIO wrote {written} ({omio_result.get('error', '')}{omio_result.get('log', '')[-300:]})")
        for name, output, stems, expected, omio_output, omio_expected, reason in products:
            name = f"BIDS {label}, {name}"
            entry = entries.get(output)
            inputs = [os.path.basename(path).split(".")[0] for path in entry["inputs"]] if entry else None
            check(entry is not None and entry["status"] in ("converted", "merged") and inputs == stems,
                  f"{name}: our output {output} should hold {stems}, the report says "
                  f"{[(e['output'], e['inputs']) for e in report['entries']]}")
            if entry is None or inputs != stems or not os.path.exists(os.path.join(omio_root, omio_output)):
                continue
            ours, sizes = read_output(os.path.join(ours_root, output))
            theirs, their_sizes = read_output(os.path.join(omio_root, omio_output))
            compare_pixels(name, ours, theirs, expected, omio_expected, reason)
            compare_sizes(name, sizes, their_sizes, BIDS_SIZES,
                          {"x": ((150.0, "µm"), OMIO_UNIT_REASON), "y": ((150.0, "µm"), OMIO_UNIT_REASON)})


# --- 3. Strict and padded merges -------------------------------------------------------------------

def merge_prepare(work, rng):
    def stack(shape):
        return rng.integers(0, 4096, shape, dtype=np.uint16)
    cases = {  # folder -> axis, [(file, array)], padded?
        "strict-mismatch": ("T", [("a.ome.tif", stack((2, 1, 2, 40, 48))), ("b.ome.tif", stack((1, 1, 2, 30, 48)))], False),
        "strict-equal": ("T", [("a.ome.tif", stack((2, 2, 2, 24, 32))), ("c.ome.tif", stack((3, 2, 2, 24, 32)))], False),
        "padded-t": ("T", [("a.ome.tif", stack((2, 1, 2, 40, 48))), ("b.ome.tif", stack((1, 1, 2, 30, 48)))], True),
        "padded-z": ("Z", [("d.ome.tif", stack((1, 2, 1, 20, 30))), ("e.ome.tif", stack((1, 3, 2, 20, 36)))], True),
    }
    jobs = []
    for folder, (axis, files, padded) in cases.items():
        os.makedirs(os.path.join(work, "merge", folder))
        for name, array in files:
            write_ome(os.path.join(work, "merge", folder, name), array, {"x": (0.2, "µm"), "y": (0.2, "µm")})
        jobs.append({"id": f"merge-{folder}", "kind": "imread", "path": os.path.join(work, "merge", folder),
                     "options": {"merge_multiple_files_in_folder": True, "merge_along_axis": axis, "zeropadding": padded}})
    return dict(cases=cases), jobs


def merge_checks(tool, work, state, results, out):
    for folder, (axis, files, padded) in state["cases"].items():
        name = f"merge {folder}"
        paths = [os.path.join(work, "merge", folder, file) for file, _ in files]
        target = os.path.join(work, "merge", f"{folder}-ours.ome.tif")
        result = run(tool, "ome", "convert", *paths, "--merge", axis, "--out", target, *(["--pad"] if padded else []))
        omio_result = results.get(f"merge-{folder}", {})
        if folder == "strict-mismatch":
            check(omio_result.get("none") is True and "Mismatch in axis 'Y'" in omio_result.get("log", ""),
                  f"{name}: OMIO should return None naming Y: {omio_result}")
            check(result.returncode == 1 and "Y sizes differ" in result.stderr
                  and all(os.path.basename(path) in result.stderr for path in paths),
                  f"{name}: we must exit 1 naming the axis Y and both files: {result.returncode} {result.stderr.strip()}")
            continue
        check(result.returncode == 0, f"{name}: ome convert --merge {axis} failed: {result.stderr.strip()}")
        image, theirs = omio_image(results, out, f"merge-{folder}", name)
        if result.returncode != 0 or image is None:
            continue
        ours, _ = read_output(target)
        index = "TZCYX".index(axis)
        expected = pad_concat([array for _, array in files], index)
        compare_pixels(name, ours, theirs, expected)


# --- 4. Thorlabs RAW -------------------------------------------------------------------------------

def thorlabs_value(shape):
    """The generated pixels (as ThorlabsFixture.value in the Swift tests)."""
    t, z, c, y, x = np.indices(shape, dtype=np.int64)
    return ((t * 9001 + z * 701 + c * 10007 + y * 37 + x * 3 + 1) & 0xFFFF).astype(np.uint16)


def thorlabs_write(folder, t=1, z=1, c=1, y=6, x=8, flyback=0, streaming=False, fast_z=False, frame_rate=10.0,
                   interval=0.0, step=2.5, pixel=0.5):
    """Experiment.xml + Image_0001_0001.raw as ThorImage writes them (the layout of ThorlabsFixture.swift):
    T x (Z + flyback frames) x C x Y x X uint16 little-endian, flyback frames filled with 0xFFFF."""
    os.makedirs(folder)
    wavelengths = "\n".join(f'    <Wavelength name="Chan{"ABCD"[i % 4]}" exposureTimeMS="0" />' for i in range(c))
    mask = (1 << c) - 1
    frames = (t * (z + flyback) if fast_z else t) if streaming else t * z
    xml = f"""<?xml version="1.0"?>
<ThorImageExperiment>
  <Name name="{os.path.basename(folder)}" />
  <Date date="05/05/2020 17:14:26" uTime="1588691666" />
  <Software version="4.1.2020.1131" />
  <Camera name="None" width="1392" height="1040" pixelSizeUM="6.45" bitsPerPixel="14" />
  <Magnification mag="22.2" indexOfRefraction="1.33" name="20X" />
  <Wavelengths nyquistExWavelengthNM="488" nyquistEmWavelengthNM="488">
{wavelengths}
    <ChannelEnable Set="{mask}" />
  </Wavelengths>
  <ZStage name="ThorZPiezo" steps="{z if fast_z or not streaming else 3}" stepSizeUM="{step}" startPos="0" zStreamFrames="1" zStreamMode="0" enable="1" />
  <Timelapse timepoints="{t}" intervalSec="{interval}" triggerMode="0" />
  <LSM name="GalvoGalvo" scanMode="1" areaMode="0" channel="{mask}" pixelX="{x}" pixelY="{y}" pixelSizeUM="{pixel}" averageMode="0" averageNum="1" dwellTime="3.8" frameRate="{frame_rate}" NumberOfPlanes="1" />
  <PMT enableA="1" gainA="35" enableB="1" gainB="35" />
  <Streaming enable="{int(streaming)}" frames="{frames}" rawData="1" zFastEnable="{int(fast_z)}" flybackFrames="{max(flyback, 1)}" />
  <CaptureMode mode="{int(streaming)}" />
  <RawData onlyEnabledChannels="1" />
</ThorImageExperiment>
"""
    with open(os.path.join(folder, "Experiment.xml"), "w") as handle:
        handle.write(xml)
    per_volume = z + flyback if streaming and fast_z else z
    data = thorlabs_value((t, per_volume, c, y, x))
    data[:, z:] = 0xFFFF
    data.astype("<u2").tofile(os.path.join(folder, "Image_0001_0001.raw"))
    return data, thorlabs_value((t, z, c, y, x))


def thorlabs_prepare(work):
    acquisitions = {}
    folder = os.path.join(work, "thorlabs")
    # Where OMIO is right: a single plane of two channels and a T series with a timelapse interval.
    _, expected = thorlabs_write(os.path.join(folder, "plane"), c=2)
    acquisitions["plane"] = dict(expected=expected, truth={"x": (0.5, "µm"), "y": (0.5, "µm"), "z": None, "t": None})
    _, expected = thorlabs_write(os.path.join(folder, "tseries"), t=3, interval=2.0)
    acquisitions["tseries"] = dict(expected=expected, truth={"x": (0.5, "µm"), "y": (0.5, "µm"), "z": None, "t": (2.0, "s")})
    # Streaming T series: frames follow at the frame rate; Timelapse@intervalSec is 0 there.
    _, expected = thorlabs_write(os.path.join(folder, "streaming"), t=4, c=2, streaming=True, frame_rate=10.0)
    acquisitions["streaming"] = dict(
        expected=expected, truth={"x": (0.5, "µm"), "y": (0.5, "µm"), "z": None, "t": (0.1, "s")},
        omio_known={"t": ((0.0, "s"), "OMIO takes the time increment from Timelapse@intervalSec, which is 0 "
                                      "when streaming; the frames follow at 1/frameRate")})
    # Fast Z with 2 flyback frames per volume: 4 planes kept of 6 recorded; a volume every 6 frames.
    raw, expected = thorlabs_write(os.path.join(folder, "fastz"), t=2, z=4, flyback=2, streaming=True, fast_z=True)
    acquisitions["fastz"] = dict(
        expected=expected, truth={"x": (0.5, "µm"), "y": (0.5, "µm"), "z": (2.5, "µm"), "t": (0.6, "s")},
        omio_raw=raw, omio_known={"t": ((0.0, "s"), "OMIO takes the time increment from Timelapse@intervalSec, which is 0 "
                                                    "when streaming; a fast-Z volume takes (Z + flyback)/frameRate")})
    jobs = [{"id": f"thorlabs-{name}", "kind": "imread", "path": os.path.join(folder, name, "Image_0001_0001.raw")}
            for name in acquisitions]
    return dict(folder=folder, acquisitions=acquisitions), jobs


def thorlabs_checks(tool, work, state, results, out):
    for name, spec in state["acquisitions"].items():
        label = f"Thorlabs {name}"
        ours, array = ours_read(tool, os.path.join(state["folder"], name), work, label)
        theirs, their_array = omio_image(results, out, f"thorlabs-{name}", label)
        if ours is None or theirs is None:
            continue
        raw = spec.get("omio_raw")
        reason = ("OMIO derives Z from the file size, so the flyback frames stay in the stack as extra Z planes "
                  "(0xFFFF); we drop them") if raw is not None else None
        compare_pixels(label, array, their_array, spec["expected"], raw, reason)
        if raw is not None:
            check(np.array_equal(their_array[:, :array.shape[1]], array),
                  f"{label}: OMIO's first {array.shape[1]} planes of each volume should be ours")
        compare_sizes(label, ours_sizes(ours), omio_sizes(theirs), spec["truth"], spec.get("omio_known"))


# --- Main ------------------------------------------------------------------------------------------

def corpus_root(given):
    """--corpus, else IMMETAIO_CORPUS or ../shared/corpus beside the checkout (as interop.py), else None."""
    if given is not None:
        if not os.path.isdir(given):
            raise SystemExit(f"omio parity: --corpus {given} is not a folder")
        return os.path.normpath(given)
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpus")
    for candidate in (os.environ.get("IMMETAIO_CORPUS"), beside):
        if candidate and os.path.exists(os.path.join(candidate, "manifest.json")):
            return os.path.normpath(candidate)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tool", help="the immetaio binary")
    parser.add_argument("omio_python", help="a Python with omio-microscopy 0.3.0 (the .venv-omio one)")
    parser.add_argument("--corpus", help="the shared corpus, for its LSM and CZI files")
    args = parser.parse_args()
    tool = os.path.abspath(args.tool)
    corpus = corpus_root(args.corpus)
    started = time.monotonic()
    rng = np.random.default_rng(2024)
    work = tempfile.mkdtemp(prefix="omio-parity-")
    try:
        folder_state, folder_jobs = folder_prepare(work, corpus, rng)
        bids_state, bids_jobs = bids_prepare(work, rng)
        merge_state, merge_jobs = merge_prepare(work, rng)
        thorlabs_state, thorlabs_jobs = thorlabs_prepare(work)
        results, version, out = run_omio(args.omio_python, folder_jobs + bids_jobs + merge_jobs + thorlabs_jobs, work)
        check(version == "0.3.0", f"the parity checks are written against OMIO 0.3.0, found {version}")
        folder_checks(tool, work, folder_state, results, out)
        bids_checks(tool, work, bids_state, results)
        merge_checks(tool, work, merge_state, results, out)
        thorlabs_checks(tool, work, thorlabs_state, results, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if corpus is None:
        print("omio parity: corpus not found, its LSM and CZI files skipped")
    for note in notes:
        print("note:", note)
    print("known OMIO differences (our result is checked against the file's data; OMIO's against its known value):")
    for reason, details in known_differences.items():
        print(f"  - {reason}:")
        for detail in details:
            print(f"      {detail}")
    print(f"omio parity: {checks - len(failures)}/{checks} checks passed (OMIO {version}, {time.monotonic() - started:.1f} s)")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
