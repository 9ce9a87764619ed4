"""Zarr on S3 both ways with zarr-python (through fsspec's s3fs), on a SeaweedFS server on loopback
(started here unless IMMETAIO_S3_TEST_ENDPOINT names one):

- `immetaio zarr write … s3://…` makes a sharded array that zarr-python reads equal;
- zarr-python's sharded array on the server reads equal through `immetaio zarr read s3://…` and
  `zarr info` lists it;
- `immetaio copy` writes an image to an s3:// URL that Pillow decodes from the object, and reads it back.
"""
import io
import json
import os
import subprocess
import sys
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "S3Tests"))
import seaweedfs  # noqa: E402


def s3_checks(tool, work, check):
    import s3fs
    import zarr
    from PIL import Image

    with seaweedfs.running(os.path.join(work, "s3-server")) as variables:
        endpoint = variables["IMMETAIO_S3_TEST_ENDPOINT"]
        key, secret = variables["IMMETAIO_S3_TEST_ACCESS_KEY"], variables["IMMETAIO_S3_TEST_SECRET_KEY"]
        bucket = variables.get("IMMETAIO_S3_TEST_BUCKET", "immetaio-test")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_ENDPOINT_URL=endpoint,
                   AWS_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        options = {"key": key, "secret": secret, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
        base = f"s3://{bucket}/interop-{uuid.uuid4().hex[:8]}"

        def run(*args):
            return subprocess.run([tool, *args], capture_output=True, text=True, env=env)

        rng = np.random.default_rng(19)
        ours = rng.integers(0, 65536, (6, 40, 48), dtype=np.uint16)
        source = os.path.join(work, "s3-source.npy")
        np.save(source, ours)
        written = run("zarr", "write", source, f"{base}/ours.zarr", "--chunks", "1,20,24", "--shards", "3,40,48",
                      "--codecs", '[{"name": "bytes"}, {"name": "zstd"}]')
        check(written.returncode == 0, f"zarr write to s3://: {written.stderr}")
        if written.returncode == 0:
            array = zarr.open_array(zarr.storage.FsspecStore.from_url(f"{base}/ours.zarr", storage_options=options), mode="r")
            check(array.shards == (3, 40, 48) and np.array_equal(array[:], ours), "zarr-python reads our sharded array on S3")

        theirs = rng.random((5, 30, 20), dtype=np.float32)
        store = zarr.storage.FsspecStore.from_url(f"{base}/theirs.zarr", storage_options=options)
        created = zarr.create_array(store, shape=theirs.shape, chunks=(1, 15, 10), shards=(5, 30, 20), dtype="float32")
        created[:] = theirs
        out = os.path.join(work, "s3-theirs.npy")
        read = run("zarr", "read", f"{base}/theirs.zarr", out)
        check(read.returncode == 0 and np.array_equal(np.load(out), theirs), f"we read zarr-python's sharded array on S3: {read.stderr}")
        part = run("zarr", "read", f"{base}/theirs.zarr", out, "--start", "2,10,5", "--shape", "1,10,10")
        check(part.returncode == 0 and np.array_equal(np.load(out), theirs[2:3, 10:20, 5:15]), f"a region of it: {part.stderr}")
        info = run("zarr", "info", f"{base}/theirs.zarr", "--json")
        check(info.returncode == 0 and json.loads(info.stdout or "{}").get("shard_shape") == [5, 30, 20],
              f"zarr info on s3://: {info.stdout}{info.stderr}")

        image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        png = os.path.join(work, "s3-image.npy")
        np.save(png, image)
        copied = run("copy", png, f"{base}/image.png")
        check(copied.returncode == 0, f"copy to s3://: {copied.stderr}")
        if copied.returncode == 0:
            filesystem = s3fs.S3FileSystem(**options)
            decoded = np.asarray(Image.open(io.BytesIO(filesystem.cat(f"{base}/image.png"))))
            check(np.array_equal(decoded, image), "Pillow decodes the PNG we wrote to S3")
            back = os.path.join(work, "s3-image-back.npy")
            again = run("copy", f"{base}/image.png", back)
            check(again.returncode == 0 and np.array_equal(np.load(back), image), f"and we read it back: {again.stderr}")
        missing = run("info", f"{base}/nothing.png")
        check(missing.returncode == 1 and "missing file" in missing.stderr, f"a missing object is a missing file: {missing.stderr}")
