"""Everyday use against Python immetaio's conventions (its package is not on PyPI, so this does what it
does: OpenCV `imwrite` of RGB arrays, which land in the files as BGR, PNG compression 9 and EXR PIZ,
`np.save`, and its JSON sidecars).

- A folder written that way converts through `immetaio copy --bgr` into the arrays Python saved, and
  `immetaio meta FOLDER --json` gives Python immetaio's per-key lists (null where a file lacks a key).
- `immetaio save --bgr` writes files that OpenCV reads back as the array saved, and sidecars that
  Python's json reads.
"""
import json
import os
import subprocess

import numpy as np

os.environ["OPENCV_IO_ENABLE_OPENEXR"] = "1"
import cv2  # noqa: E402  (the environment variable must be set first)


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def everyday_checks(tool, work, check):
    rng = np.random.default_rng(11)
    folder = os.path.join(work, "python-immetaio")
    os.makedirs(folder)
    arrays = {
        "0": rng.integers(0, 256, (12, 10, 3), dtype=np.uint8),
        "1": rng.integers(0, 65536, (12, 10, 4), dtype=np.uint16),
        "2": rng.random((12, 10, 3), dtype=np.float32),
        "3": rng.integers(0, 256, (12, 10), dtype=np.uint8),
        "10": rng.random((4, 5), dtype=np.float64),
    }
    sidecars = {"0": {"exposure": 0.01, "tag": "a"}, "1": {"exposure": 0.02}, "2": {"tag": "c", "K": [[1, 0], [0, 1]]}, "10": {}}
    for stem, array in arrays.items():
        if array.dtype == np.float64:
            np.save(os.path.join(folder, stem + ".npy"), array)
        elif array.dtype == np.float32:
            cv2.imwrite(os.path.join(folder, stem + ".exr"), array, [cv2.IMWRITE_EXR_COMPRESSION, cv2.IMWRITE_EXR_COMPRESSION_PIZ])
        else:
            cv2.imwrite(os.path.join(folder, stem + ".png"), array, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if sidecars.get(stem):
            with open(os.path.join(folder, stem + ".json"), "w") as handle:
                json.dump(sidecars[stem], handle, indent=4)

    out = os.path.join(work, "python-immetaio-npy")
    result = run(tool, "copy", folder, "--out-dir", out, "--name", "{stem}.npy", "--bgr", "--no-meta")
    check(result.returncode == 0, f"copy --bgr of a Python immetaio folder: {result.stderr}")
    for stem, array in arrays.items():
        path = os.path.join(out, stem + ".npy")
        ours = np.load(path) if os.path.exists(path) else None
        check(ours is not None and ours.dtype == array.dtype and np.array_equal(ours, array),
              f"BGR {stem}: the array Python immetaio saved comes back through copy --bgr")

    listed = run(tool, "meta", folder, "--json")
    check(listed.returncode == 0, f"meta FOLDER --json: {listed.stderr}")
    if listed.returncode == 0:
        payload = json.loads(listed.stdout)
        names = [os.path.basename(path) for path in payload["files"]]
        check(names == ["0.png", "1.png", "2.exr", "3.png", "10.npy"], f"meta lists the files in natural order: {names}")
        lists = payload["metadata"]
        check(lists.get("exposure") == [0.01, 0.02, None, None, None], f"exposure per file: {lists.get('exposure')}")
        check(lists.get("tag") == ["a", None, "c", None, None], f"tag per file: {lists.get('tag')}")
        check(lists.get("K") == [None, None, [[1, 0], [0, 1]], None, None], f"K per file: {lists.get('K')}")

    # The other way: our --bgr files read by OpenCV as the array saved.
    source = os.path.join(work, "everyday-rgb.npy")
    rgb = rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)
    np.save(source, rgb)
    saved = run(tool, "save", source, os.path.join(work, "for-python", "frame"), "--bgr", "--meta", "exposure=0.5", "--json")
    check(saved.returncode == 0, f"save --bgr: {saved.stderr}")
    if saved.returncode == 0:
        report = json.loads(saved.stdout)
        back = cv2.imread(report["image"], cv2.IMREAD_UNCHANGED)
        check(report["image"].endswith(".png") and np.array_equal(back, rgb), "OpenCV reads our --bgr PNG as the array saved")
        with open(report["sidecar"]) as handle:
            check(json.load(handle) == {"exposure": 0.5}, "Python's json reads our sidecar")
