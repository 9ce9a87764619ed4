"""Bulk conversion (`immetaio convert`, `inspect`, `samples`) against the Python tools.

- Parity with images_to_zarr on a generated mixed folder (PNG, JPEG, TIFF, FITS; grey and RGB)
  with a shuffled CSV: same image count, pixels identical where both decode identically, every
  CSV column present and joined by name (images_to_zarr's positional join is wrong on shuffled
  rows: the check shows it), zarr-python opens our store (sharded), pyarrow, pandas and DuckDB
  read our table, and our reader reads images_to_zarr's table (inspect, append).
- --resize against scikit-image's resize as images_to_zarr calls it, orders 0-5.
- kill -9 at random moments of a conversion, then --resume: every store opens at a committed
  length with a table that matches it, and the finished store equals an uninterrupted run's.
- Bad input: corrupt and truncated images, CSVs with duplicate, missing or non-UTF-8 names,
  mixed sizes, a wrong-shape append, a read-only output folder.
"""
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time

import numpy as np
from PIL import Image


def run(tool, *args):
    """Runs the tool; the caller checks the exit status (failures are often the point here)."""
    return subprocess.run([tool, *args], capture_output=True, text=True)


def conversion_checks(tool, work, rng, check):
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq
    import zarr
    from astropy.io import fits

    base = os.path.join(work, "conversion")
    folder = os.path.join(base, "mixed")
    os.makedirs(folder)
    size = (40, 48)
    expected = {}  # name -> (H, W, C) uint8 as the reference decoders give it
    names = []
    for index in range(36):
        kind = ["png_rgb", "tif_rgb", "jpg_rgb", "png_grey", "fits_grey", "png_rgb"][index % 6]
        ext = {"png_rgb": "png", "png_grey": "png", "tif_rgb": "tif", "jpg_rgb": "jpg", "fits_grey": "fits"}[kind]
        # Names sort with RGB files first, so images_to_zarr's 3-file sample sees 3 channels.
        name = f"img_{index:03d}.{ext}"
        path = os.path.join(folder, name)
        if kind.endswith("grey"):
            data = rng.integers(0, 256, size, dtype=np.uint8)
        else:
            data = rng.integers(0, 256, size + (3,), dtype=np.uint8)
        if ext in ("png", "tif"):
            Image.fromarray(data).save(path)
        elif ext == "jpg":
            Image.fromarray(data).save(path, quality=90)
        else:
            fits.PrimaryHDU(data).writeto(path)
        names.append(name)
    # Reference decodes (Pillow, astropy), stored form C×H×W with grey replicated.
    for name in names:
        path = os.path.join(folder, name)
        if name.endswith(".fits"):
            data = fits.getdata(path)
        else:
            data = np.array(Image.open(path))
        expected[name] = data
    csv_path = os.path.join(base, "catalogue.csv")
    shuffled = names[:-2] + ["ghost.png"]
    random.Random(5).shuffle(shuffled)
    with open(csv_path, "w") as handle:
        handle.write("filename,object_id,ra,flag,comment\n")
        for name in shuffled:
            number = int(name[4:7]) if name.startswith("img_") else 999
            handle.write(f'{name},{number},{number * 0.5},{"True" if number % 2 else "False"},"note, {number}"\n')

    ours = os.path.join(base, "ours")
    result = run(tool, "convert", folder, "--out", ours, "--metadata", csv_path, "--json", "--shard-shape", "8")
    check(result.returncode == 0, f"convert failed: {result.stderr}")
    report = json.loads(result.stdout) if result.returncode == 0 else {}
    store = os.path.join(ours, "catalogue.zarr")
    table_path = os.path.join(ours, "catalogue_metadata.parquet")
    check(report.get("stored") == 36 and report.get("shape") == [36, 3, 40, 48], f"report: {report}")
    check(report.get("unmatched_csv_rows") == ["ghost.png"], f"unmatched: {report.get('unmatched_csv_rows')}")
    check(sorted(report.get("files_without_csv_row", [])) == sorted(names[-2:]), "files without a CSV row")

    group = zarr.open_group(store, mode="r")
    array = group["images"]
    check(array.shape == (36, 3, 40, 48) and array.dtype == np.uint8, f"zarr-python shape {array.shape} {array.dtype}")
    check(array.shards == (8, 3, 40, 48) and array.chunks == (1, 3, 40, 48), f"shards {array.shards} chunks {array.chunks}")
    data = array[:]
    for index, name in enumerate(sorted(names)):
        reference = expected[name]
        stored = np.repeat(reference[None], 3, axis=0) if reference.ndim == 2 else reference.transpose(2, 0, 1)
        if name.endswith(".jpg"):
            # Both libjpeg-turbo; allow for a different IDCT build.
            check(np.abs(data[index].astype(int) - stored).max() <= 2, f"{name}: JPEG pixels differ from Pillow's decode")
        else:
            check(np.array_equal(data[index], stored), f"{name}: pixels differ from the reference decode")

    table = pq.read_table(table_path)
    frame = pd.read_parquet(table_path)
    check(len(frame) == 36, f"table rows {len(frame)}")
    check(str(frame["array_index"].dtype) == "int64" and str(frame["mean_value"].dtype) == "float64", f"dtypes {frame.dtypes.to_dict()}")
    check(list(frame["filename"]) == sorted(names), "table order")
    joined = frame.dropna(subset=["object_id"])
    check(all(int(row.object_id) == int(row.filename[4:7]) for row in joined.itertuples()), "CSV joined by name")
    check(all(row.comment == f"note, {int(row.object_id)}" for row in joined.itertuples()), "quoted CSV column joined")
    check(frame["flag"].dropna().map(type).eq(bool).all(), "bool CSV column")
    check(table.schema.field("shape").type.value_type.bit_width == 64, "shape is list<int64>")
    con = duckdb.connect()
    count = con.execute(f"select count(*) from '{table_path}'").fetchone()[0]
    ra = con.execute(f"select ra from '{table_path}' where filename = 'img_007.tif'").fetchone()[0]
    check(count == 36 and abs(ra - 3.5) < 1e-12, f"DuckDB: {count} rows, ra {ra}")
    stats_ok = all(
        abs(row.mean_value - float(data[row.array_index].mean())) < 1e-9 and row.max_value == float(data[row.array_index].max())
        for row in frame.itertuples())
    check(stats_ok, "table statistics match the stored images")

    # images_to_zarr on the same folder and CSV.
    theirs = os.path.join(base, "theirs")
    env = dict(os.environ, LOGURU_LEVEL="ERROR")
    tool_run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "images_to_zarr"), "convert", folder,
         "--out", theirs, "--metadata", csv_path],
        capture_output=True, text=True, env=env)
    check(tool_run.returncode == 0, f"images_to_zarr failed: {tool_run.stderr[-400:]}")
    if tool_run.returncode == 0:
        their_array = zarr.open_group(os.path.join(theirs, "catalogue.zarr"), mode="r")["images"]
        check(their_array.shape[0] == 36, f"images_to_zarr stored {their_array.shape[0]}")
        check(their_array.shards is None, "images_to_zarr writes no shards (as its code reads)")
        theirs_data = their_array[:]
        same = [index for index, name in enumerate(sorted(names)) if name.endswith((".png", ".tif")) and expected[name].ndim == 3]
        check(all(np.array_equal(theirs_data[i], data[i]) for i in same), "RGB PNG/TIFF pixels equal images_to_zarr's")
        their_frame = pd.read_parquet(os.path.join(theirs, "catalogue_metadata.parquet"))
        # A CSV with a row count other than the image count is dropped without a word.
        check("object_id" not in their_frame.columns, "images_to_zarr was expected to drop a CSV of another length")
        # With one row per image, its CSV columns are attached by position: shuffled rows land on other files.
        full_csv = os.path.join(base, "full.csv")
        rows = names[:]
        random.Random(6).shuffle(rows)
        with open(full_csv, "w") as handle:
            handle.write("filename,object_id\n" + "".join(f"{name},{int(name[4:7])}\n" for name in rows))
        positional = os.path.join(base, "positional")
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "images_to_zarr"), "convert", folder, "--out", positional,
                        "--metadata", full_csv], capture_output=True, text=True, env=env)
        their_frame = pd.read_parquet(os.path.join(positional, "full_metadata.parquet"))
        misjoined = sum(1 for row in their_frame.itertuples() if row.filename != row.original_filename)
        check(misjoined > 0, "images_to_zarr's positional join was expected to misattach shuffled CSV rows")
        ours_full = run(tool, "convert", folder, "--out", os.path.join(base, "ours-full.zarr"), "--metadata", full_csv, "--quiet")
        our_frame = pd.read_parquet(os.path.join(base, "ours-full_metadata.parquet")) if ours_full.returncode == 0 else None
        check(our_frame is not None and all(int(row.object_id) == int(row.filename[4:7]) for row in our_frame.itertuples()),
              f"our join of the same CSV is by name ({misjoined}/36 rows misattached by images_to_zarr)")
        # Our reader reads its table (list<int64> shape column, pandas metadata) and appends to its store.
        inspected = run(tool, "inspect", os.path.join(theirs, "catalogue.zarr"), "--json")
        summary = json.loads(inspected.stdout) if inspected.returncode == 0 else {}
        check(summary.get("table_rows") == 36 and summary.get("total_images") == 36, f"inspect of images_to_zarr's store: {inspected.stderr}")
        extra = os.path.join(base, "extra")
        os.makedirs(extra)
        for index in range(3):
            Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(os.path.join(extra, f"more_{index}.png"))
        appended = run(tool, "convert", extra, "--out", os.path.join(theirs, "catalogue.zarr"), "--append", "--quiet")
        check(appended.returncode == 0, f"append to images_to_zarr's store: {appended.stderr}")
        grown = pd.read_parquet(os.path.join(theirs, "catalogue_metadata.parquet"))
        check(len(grown) == 39 and zarr.open_group(os.path.join(theirs, "catalogue.zarr"))["images"].shape[0] == 39,
              "append to images_to_zarr's store grows array and table")
        history = zarr.open_group(os.path.join(theirs, "catalogue.zarr")).attrs.get("append_history")
        check(history == [{"appended_count": 3, "start_index": 36, "end_index": 39}], f"append_history {history}")

    # images_to_zarr stores grey images as N×H×W: we append to those too, as one channel.
    grey = os.path.join(base, "grey")
    os.makedirs(grey)
    for index in range(4):
        Image.fromarray(rng.integers(0, 256, (20, 24), dtype=np.uint8)).save(os.path.join(grey, f"g{index}.png"))
    grey_store = os.path.join(base, "grey-theirs")
    made = subprocess.run([os.path.join(os.path.dirname(sys.executable), "images_to_zarr"), "convert", grey, "--out", grey_store],
                          capture_output=True, text=True, env=dict(os.environ, LOGURU_LEVEL="ERROR"))
    check(made.returncode == 0, f"images_to_zarr on grey images: {made.stderr[-300:]}")
    if made.returncode == 0:
        more = os.path.join(base, "grey-more")
        os.makedirs(more)
        extra_grey = rng.integers(0, 256, (20, 24), dtype=np.uint8)
        Image.fromarray(extra_grey).save(os.path.join(more, "h.png"))
        appended = run(tool, "convert", more, "--out", os.path.join(grey_store, "images.zarr"), "--append", "--quiet")
        array = zarr.open_group(os.path.join(grey_store, "images.zarr"), mode="r")["images"]
        check(appended.returncode == 0 and array.shape == (5, 20, 24) and np.array_equal(array[4], extra_grey),
              f"append to images_to_zarr's N×H×W grey store: {appended.stderr} {array.shape}")

    inspect = run(tool, "inspect", store, "--json")
    summary = json.loads(inspect.stdout) if inspect.returncode == 0 else {}
    check(summary.get("formats") == {"PNG": 18, "TIFF": 6, "JPEG": 6, "FITS": 6}, f"inspect formats {summary.get('formats')}")
    sheet = os.path.join(base, "grid.png")
    samples = run(tool, "samples", store, "--n", "6", "--out", sheet, "--seed", "3")
    check(samples.returncode == 0 and Image.open(sheet).mode == "RGB", f"samples: {samples.stderr}")

    fits_extension_checks(tool, base, rng, check)
    resize_checks(tool, base, rng, check)
    kill_checks(tool, base, rng, check)
    bad_input_checks(tool, base, rng, check)


def fits_extension_checks(tool, base, rng, check):
    """--fits-ext: an index, an EXTNAME, or a list stacked as channels (astropy's HDU numbering)."""
    import zarr
    from astropy.io import fits

    folder = os.path.join(base, "fitsext")
    os.makedirs(folder)
    planes = {}
    for index in range(3):
        science = rng.normal(100, 20, (24, 30)).astype(np.float32)
        error = rng.uniform(0, 5, (24, 30)).astype(np.float32)
        hdus = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(science, name="SCI"), fits.ImageHDU(error, name="ERR")])
        hdus.writeto(os.path.join(folder, f"f{index}.fits"))
        planes[index] = (science, error)
    for label, flag, expected in [
        ("index", "1", lambda i: planes[i][0][None]),
        ("name", "ERR", lambda i: planes[i][1][None]),
        ("list", "1,ERR", lambda i: np.stack(planes[i])),
    ]:
        out = os.path.join(base, f"fitsext-{label}.zarr")
        result = run(tool, "convert", folder, "--out", out, "--fits-ext", flag, "--quiet")
        check(result.returncode == 0, f"--fits-ext {flag}: {result.stderr}")
        if result.returncode == 0:
            data = zarr.open_group(out, mode="r")["images"][:]
            check(data.dtype == np.float32 and all(np.array_equal(data[i], expected(i)) for i in range(3)),
                  f"--fits-ext {flag}: {data.shape} {data.dtype}")
    result = run(tool, "convert", folder, "--out", os.path.join(base, "fitsext-missing.zarr"), "--fits-ext", "NOPE", "--on-error", "fail")
    check(result.returncode != 0 and "NOPE" in result.stderr, f"--fits-ext of a missing HDU: {result.stderr}")


def resize_checks(tool, base, rng, check):
    """--resize against skimage.transform.resize as images_to_zarr calls it (per channel plane)."""
    import zarr
    from skimage import transform

    folder = os.path.join(base, "sizes")
    os.makedirs(folder)
    shapes = [(40, 48, 3), (33, 71, 3), (64, 64, 3), (20, 30, 3)]
    images = []
    for index, shape in enumerate(shapes):
        y, x = np.mgrid[0:shape[0], 0:shape[1]]
        smooth = ((np.sin(x / 5.0) + np.cos(y / 7.0)) * 60 + 128)[..., None] + rng.integers(-20, 20, shape)
        image = np.clip(smooth, 0, 255).astype(np.uint8)
        Image.fromarray(image).save(os.path.join(folder, f"s{index}.png"))
        images.append(image)
    for order in range(6):
        out = os.path.join(base, f"resized{order}.zarr")
        result = run(tool, "convert", folder, "--out", out, "--resize", "36,40", "--interpolation-order", str(order), "--quiet")
        check(result.returncode == 0, f"resize order {order}: {result.stderr}")
        if result.returncode != 0:
            continue
        data = zarr.open_group(out, mode="r")["images"][:]
        worst, exact, total = 0, 0, 0
        for index, image in enumerate(images):
            chw = image.transpose(2, 0, 1)
            if chw.shape[1:] == (36, 40):
                reference = chw
            else:
                reference = np.stack([
                    transform.resize(plane, (36, 40), order=order, preserve_range=True, anti_aliasing=None) for plane in chw
                ]).astype(np.uint8)
            difference = np.abs(data[index].astype(int) - reference.astype(int))
            worst = max(worst, int(difference.max()))
            exact += int((difference == 0).sum())
            total += difference.size
        # Bit-exact is what we measured; one level of truncation noise is the stated tolerance.
        check(worst <= 1 and exact >= 0.999 * total, f"resize order {order}: max diff {worst}, {exact}/{total} exact")


def kill_checks(tool, base, rng, check):
    """kill -9 at random moments, then --resume: the result equals an uninterrupted run's."""
    import pandas as pd
    import zarr

    folder = os.path.join(base, "many")
    os.makedirs(folder)
    for index in range(1500):
        image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        image[:16] = index % 256
        Image.fromarray(image).save(os.path.join(folder, f"m{index:05d}.png"), compress_level=0)
    common = ["--shard-shape", "40", "--compressor", "zstd", "--clevel", "3", "--quiet", "--workers", "4"]
    reference = os.path.join(base, "reference.zarr")
    result = run(tool, "convert", folder, "--out", reference, *common)
    check(result.returncode == 0, f"reference conversion: {result.stderr}")
    started = time.time()
    run(tool, "convert", folder, "--out", os.path.join(base, "timing.zarr"), *common)
    duration = max(0.05, time.time() - started)

    def chunk_files(store):
        root = os.path.join(store, "images", "c")
        found = {}
        for directory, _, files in os.walk(root):
            for name in files:
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    found[os.path.relpath(path, root)] = handle.read()
        return found

    reference_chunks = chunk_files(reference)
    reference_table = pd.read_parquet(os.path.join(base, "reference_metadata.parquet"))
    randomness = random.Random(11)
    resumed_ok = 0
    for attempt in range(10):
        store = os.path.join(base, f"killed{attempt}.zarr")
        process = subprocess.Popen([tool, "convert", folder, "--out", store, *common], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(randomness.uniform(0.02, duration * 0.9))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if os.path.exists(os.path.join(store, "zarr.json")) and os.path.exists(os.path.join(store, "images", "zarr.json")):
            length = zarr.open_group(store, mode="r")["images"].shape[0]
            table = os.path.join(base, f"killed{attempt}_metadata.parquet")
            if os.path.exists(table):
                rows = len(pd.read_parquet(table))
                check(rows == length, f"kill {attempt}: table has {rows} rows, the array {length}")
            check(length % 40 == 0 or length == 1500, f"kill {attempt}: length {length} is not whole shards")
        result = run(tool, "convert", folder, "--out", store, *common) if not os.path.exists(os.path.join(store, ".immetaio-convert")) \
            else run(tool, "convert", "--out", store, "--resume", "--quiet")
        if result.returncode != 0 and "exists" in result.stderr:
            # Killed after it finished: nothing to resume.
            result = subprocess.CompletedProcess([], 0, "", "")
        elif result.returncode != 0 and "no unfinished conversion here" in result.stderr:
            # Killed before it recorded its job: nothing to resume, a plain run starts it again.
            result = run(tool, "convert", folder, "--out", store, *common)
        check(result.returncode == 0, f"kill {attempt}: resume failed: {result.stderr}")
        table_path = os.path.join(base, f"killed{attempt}_metadata.parquet")
        if not os.path.exists(table_path):
            check(False, f"kill {attempt}: no table after the resume")
            continue
        same_chunks = chunk_files(store) == reference_chunks
        table = pd.read_parquet(table_path)
        same_table = table.drop(columns=["path"]).equals(reference_table.drop(columns=["path"]))
        check(same_chunks and same_table, f"kill {attempt}: resumed store differs (chunks {same_chunks}, table {same_table})")
        resumed_ok += same_chunks and same_table
    check(resumed_ok == 10, f"{resumed_ok}/10 killed conversions resumed to the reference bytes")


def bad_input_checks(tool, base, rng, check):
    import zarr

    folder = os.path.join(base, "bad")
    os.makedirs(folder)
    for index in range(6):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(os.path.join(folder, f"b{index}.png"))
    with open(os.path.join(folder, "b2.png"), "r+b") as handle:
        handle.truncate(80)
    with open(os.path.join(folder, "b4.png"), "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)))
    result = run(tool, "convert", folder, "--out", os.path.join(base, "bad.zarr"), "--json")
    report = json.loads(result.stdout) if result.returncode == 0 else {}
    check(report.get("stored") == 4 and len(report.get("skipped", [])) == 2, f"corrupt files skipped: {report} {result.stderr}")
    result = run(tool, "convert", folder, "--out", os.path.join(base, "bad-fail.zarr"), "--on-error", "fail")
    check(result.returncode != 0 and "b2.png" in result.stderr, f"--on-error fail names the file: {result.stderr}")

    good = os.path.join(base, "good")
    os.makedirs(good)
    for index in range(3):
        Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(os.path.join(good, f"g{index}.png"))
    # A quoted name with a comma and a quote in it joins like any other.
    odd_name = 'g,"odd".png'
    Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(os.path.join(good, odd_name))
    with open(os.path.join(base, "quoted.csv"), "w") as handle:
        handle.write('filename,x\n"g,""odd"".png",7\ng0.png,1\n')
    result = run(tool, "convert", good, "--out", os.path.join(base, "quoted.zarr"), "--metadata", os.path.join(base, "quoted.csv"), "--json")
    report = json.loads(result.stdout) if result.returncode == 0 else {}
    import pandas as pd
    joined = pd.read_parquet(os.path.join(base, "quoted_metadata.parquet")) if result.returncode == 0 else None
    check(joined is not None and int(joined.set_index("filename").loc[odd_name, "x"]) == 7 and report.get("unmatched_csv_rows") == [],
          f"a quoted file name joins: {result.stderr}")
    os.remove(os.path.join(good, odd_name))
    for label, content in {
        "missingname": b"filename,x\n,1\ng0.png,2\n",
        "duplicate": b"filename,x\ng0.png,1\ng0.png,2\n",
        "nofilename": b"name,x\ng0.png,1\n",
        "notutf8": b"filename,x\ng0.png,1\ng1.png,\xff\xfe\n",
        "quote": b"filename,x\ng0.png,\"open\n",
    }.items():
        csv_path = os.path.join(base, f"{label}.csv")
        with open(csv_path, "wb") as handle:
            handle.write(content)
        result = run(tool, "convert", good, "--out", os.path.join(base, f"{label}.zarr"), "--metadata", csv_path)
        check(result.returncode != 0 and result.stderr.strip(), f"CSV {label} accepted: {result.stdout}")
        check(not os.path.exists(os.path.join(base, f"{label}.zarr")), f"CSV {label}: a store was created")
    check("line 3" in run(tool, "convert", good, "--out", os.path.join(base, "x.zarr"), "--metadata",
                          os.path.join(base, "notutf8.csv")).stderr, "non-UTF-8 CSV error names the line")
    check("g0.png" in run(tool, "convert", good, "--out", os.path.join(base, "y.zarr"), "--metadata",
                          os.path.join(base, "duplicate.csv")).stderr, "duplicate names are named")

    mixed = os.path.join(base, "mixedsizes")
    os.makedirs(mixed)
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(os.path.join(mixed, "a.png"))
    Image.fromarray(np.zeros((16, 17), np.uint8)).save(os.path.join(mixed, "b.png"))
    result = run(tool, "convert", mixed, "--out", os.path.join(base, "mixed.zarr"))
    check(result.returncode != 0 and "b.png" in result.stderr and "16×17" in result.stderr, f"mixed sizes: {result.stderr}")

    store = os.path.join(base, "good.zarr")
    check(run(tool, "convert", good, "--out", store, "--quiet").returncode == 0, "good conversion")
    wrong = os.path.join(base, "wrongshape")
    os.makedirs(wrong)
    Image.fromarray(np.zeros((20, 16), np.uint8)).save(os.path.join(wrong, "w.png"))
    result = run(tool, "convert", wrong, "--out", store, "--append")
    check(result.returncode != 0 and zarr.open_group(store, mode="r")["images"].shape[0] == 3, f"wrong-shape append: {result.stderr}")
    result = run(tool, "convert", good, "--out", store, "--append", "--overwrite")
    check(result.returncode != 0, "--append with --overwrite accepted")
    result = run(tool, "convert", good, "--out", os.path.join(base, "bz2.zarr"), "--compressor", "bz2")
    check(result.returncode != 0 and "lz4" in result.stderr, f"unknown compressor lists the names: {result.stderr}")

    # A read-only output folder (root ignores permission bits: an immutable folder then).
    locked = os.path.join(base, "locked")
    os.makedirs(locked)
    os.chmod(locked, stat.S_IRUSR | stat.S_IXUSR)
    immutable = os.geteuid() == 0 and shutil.which("chattr") and subprocess.run(["chattr", "+i", locked]).returncode == 0
    if os.geteuid() != 0 or immutable:
        result = run(tool, "convert", good, "--out", os.path.join(locked, "x.zarr"))
        check(result.returncode != 0 and "locked" in result.stderr, f"read-only output: {result.stderr}")
    if immutable:
        subprocess.run(["chattr", "-i", locked])
    os.chmod(locked, stat.S_IRWXU)
