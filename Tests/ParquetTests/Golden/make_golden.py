"""Writes the pyarrow/pandas golden files read by ParquetTests (GoldenFileTests.swift).

Run from this folder with the project's venv (pyarrow 26, pandas 3.1):
    ../../../.venv/bin/python make_golden.py        # from Tests/ParquetTests/Golden in the main repo
The expected values are hard-coded in the Swift tests; change both together.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def sample_table():
    """Six rows covering every column type the Swift module reads, with nulls."""
    return pa.table({
        "index": pa.array([0, 1, 2, 3, 4, 5], pa.int64()),
        "path": pa.array(["a/x.png", "a/y.png", None, "b/é.tif", "b/z.npy", ""], pa.string()),
        "format": pa.array(["png", "png", "tiff", "tiff", None, "png"], pa.string()),
        "size": pa.array([100, None, -3, 2**40, 0, 7], pa.int64()),
        "mean": pa.array([0.5, float("nan"), None, -1.25, 1e300, 0.0], pa.float64()),
        "ok": pa.array([True, False, None, True, True, False], pa.bool_()),
        "f32": pa.array([1.5, None, -2.0, 0.25, 3.0, 4.0], pa.float32()),
        "i32": pa.array([1, -2, None, 2**31 - 1, -(2**31), 0], pa.int32()),
        "i8": pa.array([1, -128, 127, None, 0, 5], pa.int8()),
        "u32": pa.array([0, 2**32 - 1, None, 5, 6, 7], pa.uint32()),
        "u64": pa.array([0, 2**63 - 1, None, 5, 6, 7], pa.uint64()),
        "bin": pa.array([b"\x00\x01", None, b"", b"\xff", b"ab", b"c"], pa.binary()),
        "shape": pa.array([[3, 256, 256], [1, 64, 64], None, [], [7], [2, 2]], pa.list_(pa.int64())),
        "spacing": pa.array([[0.5, 0.5], None, [], [1.0], [2.0, 3.0, 4.0], [1e-3]], pa.list_(pa.float64())),
        "tags": pa.array([["a", "b"], [], None, ["c"], ["dd", "e", "f"], ["g"]], pa.list_(pa.string())),
    })


def sequence_table(n):
    """n rows whose values follow from the row number, so the Swift side can recompute them."""
    i = np.arange(n, dtype=np.int64)
    return pa.table({
        "i": pa.array(i * 3 - 7, pa.int64()),
        "d": pa.array([None if k % 7 == 0 else k / 4 for k in range(n)], pa.float64()),
        "s": pa.array([None if k % 11 == 0 else f"s{k % 13}" for k in range(n)], pa.string()),
        "u": pa.array([f"unique-{k}" for k in range(n)], pa.string()),
        "l": pa.array([None if k % 5 == 0 else list(range(k % 4)) for k in range(n)], pa.list_(pa.int64())),
    })


def main():
    t = sample_table()
    pq.write_table(t, "default.parquet")
    pq.write_table(t, "zstd.parquet", compression="zstd")
    pq.write_table(t, "uncompressed.parquet", compression="none")
    pq.write_table(t, "gzip.parquet", compression="gzip")
    pq.write_table(t, "lz4.parquet", compression="lz4")
    pq.write_table(t, "v2.parquet", data_page_version="2.0")
    pq.write_table(t, "plain.parquet", use_dictionary=False)
    pq.write_table(t, "legacy_list_names.parquet", use_compliant_nested_type=False)
    pq.write_table(t.select(["index"]), "brotli.parquet", compression="brotli")

    delta = pa.table({
        "i": pa.array([5, 7, None, -1000, 2**40, 3] * 50, pa.int64()),
        "j": pa.array([1, 2, 3, None, -5, 9] * 50, pa.int32()),
        "s": pa.array(["abc", "abd", None, "xyz", "", "abcdef"] * 50, pa.string()),
        "t": pa.array(["prefix-1", "prefix-12", "prefix-123", None, "other", "prefix-1"] * 50, pa.string()),
        "d": pa.array([1.5, None, -2.25, 0.0, 1e10, 3.0] * 50, pa.float64()),
    })
    pq.write_table(delta, "delta.parquet", use_dictionary=False, data_page_version="2.0", column_encoding={
        "i": "DELTA_BINARY_PACKED", "j": "DELTA_BINARY_PACKED", "s": "DELTA_LENGTH_BYTE_ARRAY",
        "t": "DELTA_BYTE_ARRAY", "d": "BYTE_STREAM_SPLIT"})

    pq.write_table(sequence_table(1000), "rowgroups.parquet", row_group_size=100)
    pq.write_table(sequence_table(5000), "pages.parquet", data_page_size=1024, write_batch_size=64,
                   dictionary_pagesize_limit=1024)

    df = pd.DataFrame({
        "index": pd.Series([0, 1, 2], dtype="int64"),
        "mean": [1.5, np.nan, -3.0],
        "flag": [True, False, True],
        "name": ["x.png", None, "z.png"],
        "error": [None, None, None],
    })
    df.to_parquet("pandas.parquet")
    pd.DataFrame({"shape": [(3, 256, 256), (1, 64, 64)]}).to_parquet("shape.parquet")

    required = pa.table(
        {"r": pa.array([1, 2, 3], pa.int64()), "o": pa.array(["a", None, "c"])},
        schema=pa.schema([pa.field("r", pa.int64(), nullable=False), pa.field("o", pa.string())]))
    pq.write_table(required, "required.parquet")

    unsupported = pa.table({
        "when": pa.array([0, 1], pa.timestamp("us")),
        "n": pa.array([1, 2], pa.int64()),
    })
    pq.write_table(unsupported, "unsupported.parquet")

    pq.write_table(pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())}), "empty.parquet")


if __name__ == "__main__":
    main()
