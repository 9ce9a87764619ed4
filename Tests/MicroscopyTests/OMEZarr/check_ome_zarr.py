#!/usr/bin/env python3
"""Interoperability check of immetaio's OME-Zarr 0.5 reader and writer.

1. Makes OME-Zarr 0.5 stores with ome-zarr-py (`write_image`, `write_labels`, FormatV05) and
   ngff-zarr (`to_ngff_zarr(..., version="0.5")`) in WORK/peers.
2. Runs the Swift side: the `OMEZarrInteropHook` test (enabled by IMMETAIO_OMEZARR_INTEROP=WORK),
   which reads every peer store (dumping levels and metadata to WORK/read) and writes stores of
   its own to WORK/ours (peer images re-written, and generated images of every kind).
3. Checks what Swift read against zarr-python's reading of the peers (every level, TZCYX), and
   checks our stores: ome-zarr-models v05 validation (image and labels), ome-zarr-py's Reader,
   zarr-python pixels of every level against an independent numpy pyramid, axes, units, scales,
   translations and omero channels.

Usage:
    check_ome_zarr.py [--package DIR] [--work DIR] [--build] [--keep] [--swift-command CMD]

`--swift-command` replaces the default `swift test --skip-build --filter OMEZarrInteropHook`
(run in the package folder with IMMETAIO_OMEZARR_INTEROP set), for example to run a CLI instead.
Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import zarr

warnings.filterwarnings("ignore")

FAILURES: list[str] = []
PASSES = 0


def check(condition: bool, message: str) -> None:
    global PASSES
    if condition:
        PASSES += 1
    else:
        FAILURES.append(message)
        print(f"  FAIL {message}")


# MARK: - Peers


def make_peers(folder: Path) -> dict[str, dict]:
    """Writes the peer stores; returns what each holds (axes order, data, units, scales)."""
    from ome_zarr.format import FormatV05
    from ome_zarr.writer import write_image, write_labels
    import ngff_zarr as nz

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    peers: dict[str, dict] = {}

    # ome-zarr-py: 5-D uint16 with units and a pixel size, default (resize) pyramid.
    data = rng.integers(0, 4000, size=(2, 3, 4, 70, 90), dtype=np.uint16)
    group = zarr.open_group(str(folder / "omezarrpy_tczyx.zarr"), mode="w", zarr_format=3)
    write_image(
        data, group, axes="tczyx", fmt=FormatV05(), scale_factors=(2, 4),
        axes_units={"t": "second", "z": "micrometer", "y": "micrometer", "x": "micrometer"},
        scale={"t": 3.0, "z": 2.0, "y": 0.5, "x": 0.5}, name="tczyx",
        omero={"channels": [
            {"label": name, "color": color, "window": {"start": 0, "end": 4000, "min": 0, "max": 65535}, "active": True}
            for name, color in [("DAPI", "0000FF"), ("GFP", "00FF00"), ("RFP", "FF0000")]
        ]},
    )
    labels = (np.arange(70)[:, None] // 10 + np.arange(90)[None, :] // 15).astype(np.uint8) % 4
    write_labels(np.broadcast_to(labels, (2, 1, 4, 70, 90)).copy(), group, name="cells", axes="tczyx", fmt=FormatV05(), scale_factors=(2, 4))
    peers["omezarrpy_tczyx"] = {"dims": "tczyx", "units": {"t": "second", "z": "micrometer", "y": "micrometer", "x": "micrometer"},
                                "scale": {"t": 3.0, "z": 2.0, "y": 0.5, "x": 0.5}, "channels": ["DAPI", "GFP", "RFP"], "labels": ["cells"]}

    # ome-zarr-py: 2-D float32, nearest pyramid, no units.
    data = rng.random((130, 150), dtype=np.float32)
    group = zarr.open_group(str(folder / "omezarrpy_yx_float.zarr"), mode="w", zarr_format=3)
    write_image(data, group, axes="yx", fmt=FormatV05(), scale_factors=(2,), method="nearest")
    peers["omezarrpy_yx_float"] = {"dims": "yx", "units": {}, "scale": {}}

    # ome-zarr-py: czyx uint8.
    data = rng.integers(0, 255, size=(2, 5, 40, 44), dtype=np.uint8)
    group = zarr.open_group(str(folder / "omezarrpy_czyx.zarr"), mode="w", zarr_format=3)
    write_image(data, group, axes="czyx", fmt=FormatV05(), scale_factors=(2,), axes_units={"z": "nanometer", "y": "nanometer", "x": "nanometer"},
                scale={"z": 300.0, "y": 65.0, "x": 65.0})
    peers["omezarrpy_czyx"] = {"dims": "czyx", "units": {"z": "nanometer", "y": "nanometer", "x": "nanometer"},
                               "scale": {"z": 300.0, "y": 65.0, "x": 65.0}}

    # ngff-zarr: cyx uint8, gaussian pyramid, unsharded.
    data = rng.integers(0, 255, size=(3, 80, 100), dtype=np.uint8)
    image = nz.to_ngff_image(data, dims=["c", "y", "x"], scale={"y": 0.25, "x": 0.25}, axes_units={"y": "micrometer", "x": "micrometer"}, name="cyx")
    multiscales = nz.to_multiscales(image, scale_factors=[2, 4], chunks=32)
    nz.to_ngff_zarr(str(folder / "ngff_cyx.zarr"), multiscales, version="0.5")
    peers["ngff_cyx"] = {"dims": "cyx", "units": {"y": "micrometer", "x": "micrometer"}, "scale": {"y": 0.25, "x": 0.25}}

    # ngff-zarr: tczyx uint16, sharded.
    data = rng.integers(0, 60000, size=(2, 2, 3, 96, 80), dtype=np.uint16)
    image = nz.to_ngff_image(data, dims=["t", "c", "z", "y", "x"], scale={"t": 0.5, "z": 1.5, "y": 0.4, "x": 0.4},
                             axes_units={"t": "millisecond", "z": "micrometer", "y": "micrometer", "x": "micrometer"}, name="tczyx")
    multiscales = nz.to_multiscales(image, scale_factors=[2], chunks=32)
    nz.to_ngff_zarr(str(folder / "ngff_tczyx_sharded.zarr"), multiscales, version="0.5", chunks_per_shard=2)
    peers["ngff_tczyx_sharded"] = {"dims": "tczyx", "units": {"t": "millisecond", "z": "micrometer", "y": "micrometer", "x": "micrometer"},
                                   "scale": {"t": 0.5, "z": 1.5, "y": 0.4, "x": 0.4}}

    # ngff-zarr: zyx int16.
    data = rng.integers(-3000, 3000, size=(4, 64, 72), dtype=np.int16)
    image = nz.to_ngff_image(data, dims=["z", "y", "x"], scale={"z": 2.0, "y": 1.0, "x": 1.0},
                             axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"}, name="zyx")
    multiscales = nz.to_multiscales(image, scale_factors=[2], chunks=32)
    nz.to_ngff_zarr(str(folder / "ngff_zyx_int16.zarr"), multiscales, version="0.5")
    peers["ngff_zyx_int16"] = {"dims": "zyx", "units": {"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                               "scale": {"z": 2.0, "y": 1.0, "x": 1.0}}
    return peers


def peer_levels(path: Path) -> tuple[list[np.ndarray], list[str], dict]:
    """A peer store's levels as zarr-python reads them, with its axis names and attributes."""
    group = zarr.open_group(str(path), mode="r")
    ome = group.attrs["ome"]
    multiscale = ome["multiscales"][0]
    names = [axis["name"] for axis in multiscale["axes"]]
    levels = [np.asarray(group[dataset["path"]][...]) for dataset in multiscale["datasets"]]
    return levels, names, dict(group.attrs)


def to_tzcyx(array: np.ndarray, names: list[str]) -> np.ndarray:
    """An array with axes `names` (a subset of t, c, z, y, x) as TZCYX."""
    for name in "tczyx":
        if name not in names:
            array = array[np.newaxis, ...]
            names = [name] + names
    return np.transpose(array, [names.index(axis) for axis in "tzcyx"])


def check_peer_reads(work: Path, peers: dict[str, dict]) -> None:
    for name, expected in peers.items():
        print(f"peer {name}")
        levels, names, attributes = peer_levels(work / "peers" / f"{name}.zarr")
        meta = json.loads((work / "read" / name / "meta.json").read_text())
        check(meta["axes"] == "TZCYX", f"{name}: axes {meta['axes']}")
        check(len(meta["levelShapes"]) == len(levels), f"{name}: {len(meta['levelShapes'])} levels read, {len(levels)} in the store")
        for index, level in enumerate(levels):
            ours = np.load(work / "read" / name / f"level{index}.npy")
            theirs = to_tzcyx(level, list(names))
            check(ours.dtype == theirs.dtype and ours.shape == theirs.shape, f"{name} level {index}: {ours.dtype}{ours.shape} vs {theirs.dtype}{theirs.shape}")
            check(ours.shape == theirs.shape and np.array_equal(ours, theirs), f"{name} level {index}: pixels differ")
        units, scale = expected["units"], expected["scale"]
        for axis, key in [("x", "physicalSizeX"), ("y", "physicalSizeY"), ("z", "physicalSizeZ")]:
            if axis in units:
                check(meta[key] is not None and abs(meta[key][0] - scale[axis]) < 1e-9 and meta[key][1] == units[axis],
                      f"{name}: {key} {meta[key]} vs {scale[axis]} {units[axis]}")
            else:
                check(meta[key] is None, f"{name}: {key} {meta[key]} without a unit")
        if "t" in units:
            check(meta["timeIncrement"] is not None and abs(meta["timeIncrement"][0] - scale["t"]) < 1e-9 and meta["timeIncrement"][1] == units["t"],
                  f"{name}: time increment {meta['timeIncrement']}")
        if "channels" in expected:
            check([c["name"] for c in meta["channels"]] == expected["channels"], f"{name}: channel names {meta['channels']}")
        check(meta["labels"] == expected.get("labels", []), f"{name}: labels {meta['labels']}")


# MARK: - Our stores


def halve(array: np.ndarray, halves_z: bool, mean: bool) -> np.ndarray:
    """Our documented pyramid step on a t, c, z, y, x array: ⌈n/2⌉ along halved axes; the mean of
    each block (edge blocks over the pixels present), integers rounded half up; or the top-left pixel."""
    axes = [2, 3, 4] if halves_z else [3, 4]
    if not mean or array.dtype == np.bool_:
        index = tuple(slice(None, None, 2) if axis in axes else slice(None) for axis in range(5))
        return array[index]
    floating = np.issubdtype(array.dtype, np.floating)
    sums = array.astype(np.float64 if floating else np.int64)
    counts = np.ones(array.shape, dtype=np.int64)
    for axis in axes:
        if sums.shape[axis] % 2 == 1:
            pad = [(0, 0)] * 5
            pad[axis] = (0, 1)
            sums = np.pad(sums, pad)
            counts = np.pad(counts, pad)
        shape = list(sums.shape)
        shape[axis : axis + 1] = [shape[axis] // 2, 2]
        sums = sums.reshape(shape).sum(axis=axis + 1)
        counts = counts.reshape(shape).sum(axis=axis + 1)
    if floating:
        return (sums / counts).astype(array.dtype)
    return np.floor_divide(2 * sums + counts, 2 * counts).astype(array.dtype)


def ome_order(source: np.ndarray, samples: int) -> np.ndarray:
    """The model's TZCYX[S] pixels as OME-Zarr's t, c, z, y, x (samples folded into channels)."""
    if samples > 1:
        t, z, c, y, x, s = source.shape
        return np.transpose(source, (0, 2, 5, 1, 3, 4)).reshape(t, c * s, z, y, x)
    return np.transpose(source, (0, 2, 1, 3, 4))


def check_ours(work: Path, peers: dict[str, dict]) -> None:
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader
    from ome_zarr_models.v05 import Image
    from ome_zarr_models.v05.labels import Labels
    from ome_zarr_models.common.omero import Omero

    for store in sorted((work / "ours").glob("*.zarr")):
        name = store.name[: -len(".zarr")]
        print(f"ours {name}")
        info = json.loads((work / "ours" / f"{name}.json").read_text())
        group = zarr.open_group(str(store), mode="r")
        try:
            model = Image.from_zarr(group)
            check(True, "")
        except Exception as error:  # noqa: BLE001
            check(False, f"{name}: ome-zarr-models rejects it: {error}")
            continue
        attributes = dict(group.attrs)
        ome = attributes["ome"]
        check(ome["version"] == "0.5", f"{name}: version {ome['version']}")
        try:
            Omero.model_validate(ome["omero"])
            check(True, "")
        except Exception as error:  # noqa: BLE001
            check(False, f"{name}: omero invalid: {error}")
        multiscale = ome["multiscales"][0]
        axes = multiscale["axes"]
        check([a["name"] for a in axes] == list("tczyx"), f"{name}: axes {axes}")
        check([a["type"] for a in axes] == ["time", "channel", "space", "space", "space"], f"{name}: axis types")
        source = np.load(work / info["source"])
        samples = info["samples"]
        expected = ome_order(source, samples)
        level_arrays = [np.asarray(group[d["path"]][...]) for d in multiscale["datasets"]]
        for index, level in enumerate(level_arrays):
            check(list(group[multiscale["datasets"][index]["path"]].metadata.dimension_names) == list("tczyx"), f"{name} level {index}: dimension_names")
            check(level.dtype == expected.dtype and level.shape == expected.shape, f"{name} level {index}: {level.dtype}{level.shape} vs {expected.dtype}{expected.shape}")
            check(level.shape == expected.shape and np.array_equal(level, expected), f"{name} level {index}: pixels differ from the numpy pyramid")
            expected = halve(expected, info["halvesZ"], info["mean"])
        # Scales and translations: physical size × 2^level on halved axes, half-pixel shifts for means.
        base = [t["scale"] for t in multiscale["datasets"][0]["coordinateTransformations"] if t["type"] == "scale"][0]
        halved = [False, False, info["halvesZ"], True, True]
        for index, dataset in enumerate(multiscale["datasets"]):
            transforms = dataset["coordinateTransformations"]
            scale = transforms[0]["scale"]
            want = [b * (2**index if h else 1) for b, h in zip(base, halved)]
            check(np.allclose(scale, want, rtol=1e-12), f"{name} level {index}: scale {scale} vs {want}")
            if index > 0 and info["mean"]:
                shift = [0.5 * (2**index - 1) * b if h else 0 for b, h in zip(base, halved)]
                check(len(transforms) == 2 and np.allclose(transforms[1]["translation"], shift, rtol=1e-12), f"{name} level {index}: translation")
        if "physicalSizes" in info:
            check(np.allclose(base, [v for v, _ in info["physicalSizes"]], rtol=1e-12), f"{name}: level 0 scale {base}")
            check([a.get("unit") for a in axes] == [u for _, u in info["physicalSizes"]], f"{name}: units {[a.get('unit') for a in axes]}")
        elif name in peers:
            expected_peer = peers[name]
            for position, axis in enumerate("tczyx"):
                if axis in expected_peer["units"]:
                    check(axes[position].get("unit") == expected_peer["units"][axis], f"{name}: unit of {axis}")
                    check(abs(base[position] - expected_peer["scale"][axis]) < 1e-9, f"{name}: scale of {axis}")
        channels = ome["omero"]["channels"]
        check(len(channels) == expected_channels(source, samples), f"{name}: {len(channels)} omero channels")
        if samples == 3:
            check([c["color"] for c in channels] == ["FF0000", "00FF00", "0000FF"], f"{name}: RGB colours {channels}")
        if "channelNames" in info and samples == 1:
            names = [n for n in info["channelNames"]]
            check([c["label"] for c in channels] == [n if n else f"Channel {i}" for i, n in enumerate(names)], f"{name}: labels {channels}")
        # ome-zarr-py's reader sees one multiscale image with every level.
        nodes = list(Reader(parse_url(str(store)))())
        check(len(nodes) >= 1 and len(nodes[0].data) == len(level_arrays), f"{name}: ome-zarr-py Reader found {len(nodes)} nodes")
        if nodes:
            for index, data in enumerate(nodes[0].data):
                check(np.array_equal(np.asarray(data), level_arrays[index]), f"{name}: ome-zarr-py level {index} differs")
        # Labels.
        if "labels" in group:
            try:
                Labels.from_zarr(group["labels"])
                check(True, "")
            except Exception as error:  # noqa: BLE001
                check(False, f"{name}: labels rejected by ome-zarr-models: {error}")
            for label in group["labels"].attrs["ome"]["labels"]:
                label_group = group["labels"][label]
                label_multiscale = label_group.attrs["ome"]["multiscales"][0]
                check(len(label_multiscale["datasets"]) == len(level_arrays), f"{name}: label {label} levels")
                label_source = work / "ours" / f"{name}.label-{label}.npy"
                if label_source.exists():
                    expected_label = ome_order(np.load(label_source), 1)
                    for index, dataset in enumerate(label_multiscale["datasets"]):
                        level = np.asarray(label_group[dataset["path"]][...])
                        check(np.array_equal(level, expected_label), f"{name}: label {label} level {index}")
                        expected_label = halve(expected_label, info["halvesZ"], False)


def expected_channels(source: np.ndarray, samples: int) -> int:
    return source.shape[2] * samples


# MARK: - Main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", help="the Swift package folder (default: the one holding this script)")
    parser.add_argument("--work", help="work folder (default: a temporary one)")
    parser.add_argument("--build", action="store_true", help="run `swift build --build-tests` first")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--swift-command", default="swift test --skip-build --filter OMEZarrInteropHook")
    arguments = parser.parse_args()
    if arguments.package is None:
        arguments.package = str(Path(__file__).resolve().parents[3])
    work = Path(arguments.work or tempfile.mkdtemp(prefix="omezarr-interop-")).resolve()
    for sub in ["peers", "read", "ours"]:
        shutil.rmtree(work / sub, ignore_errors=True)
    try:
        print(f"work folder {work}")
        peers = make_peers(work / "peers")
        if arguments.build:
            subprocess.run(["swift", "build", "--build-tests"], cwd=arguments.package, check=True)
        environment = dict(os.environ, IMMETAIO_OMEZARR_INTEROP=str(work))
        run = subprocess.run(shlex.split(arguments.swift_command), cwd=arguments.package, env=environment, capture_output=True, text=True)
        if run.returncode != 0 or not (work / "ours").exists():
            print(run.stdout[-4000:], run.stderr[-4000:])
            print("the Swift side failed")
            return 1
        check_peer_reads(work, peers)
        check_ours(work, peers)
    finally:
        if not arguments.keep and not arguments.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{PASSES} checks passed, {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
