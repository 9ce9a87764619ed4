#!/usr/bin/env python3
"""Checks that pyarrow, pandas and DuckDB read Parquet files written by the Swift `Parquet` module.

    python check_parquet.py FOLDER [EXPECTED_JSON]

FOLDER holds the *.parquet files and, unless EXPECTED_JSON is given, `expected.json`: an object
mapping each file name to {"rows": N, "metadata": {key: value}, "columns": [{"name", "type",
"values"}]}, where "type" is a ParquetColumnType name (int64, int32, double, float, boolean,
string, binary, int64List, doubleList, stringList), nulls are null, NaN is "NaN" and binary
values are hex strings. Every value is compared with what each library reads, and so are the
Parquet logical types and the column statistics (null counts, min/max in the column order).
Prints a summary; exits 1 on the first library that disagrees (after listing every mismatch).
"""
import json
import math
import os
import sys

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

LIST_TYPES = {"int64List", "doubleList", "stringList"}
FLOAT_TYPES = {"double", "float"}
ARROW_TYPES = {
    "int64": pa.int64(), "int32": pa.int32(), "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(),
    "string": pa.string(), "binary": pa.binary(), "int64List": pa.list_(pa.int64()), "doubleList": pa.list_(pa.float64()),
    "stringList": pa.list_(pa.string()),
}
DUCKDB_TYPES = {
    "int64": "BIGINT", "int32": "INTEGER", "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN", "string": "VARCHAR",
    "binary": "BLOB", "int64List": "BIGINT[]", "doubleList": "DOUBLE[]", "stringList": "VARCHAR[]",
}
LOGICAL_TYPES = {"int64": "Int(bitWidth=64, isSigned=true)", "int32": "Int(bitWidth=32, isSigned=true)", "string": "String"}

failures = []
counts = {"pyarrow": 0, "pandas": 0, "duckdb": 0, "statistics": 0}


def fail(library, file, message):
    failures.append(f"{library}: {file}: {message}")


def decode(column):
    """Expected values as Python objects: NaN floats, bytes for binary."""
    kind = column["type"]

    def scalar(v):
        if v is None:
            return None
        if kind in FLOAT_TYPES or kind == "doubleList":
            return float("nan") if v == "NaN" else float(v)
        if kind == "binary":
            return bytes.fromhex(v)
        return v

    if kind in LIST_TYPES:
        return [None if v is None else [scalar(x) for x in v] for v in column["values"]]
    return [scalar(v) for v in column["values"]]


def same(a, b):
    """Exact equality, NaN equal to NaN, and the sign of zero significant."""
    if isinstance(a, np.ndarray):
        a = a.tolist()
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (float, int)) and not isinstance(b, bool):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def compare_column(library, file, name, got, expected):
    if len(got) != len(expected):
        fail(library, file, f"{name}: {len(got)} values, expected {len(expected)}")
        return
    bad = [i for i, (g, e) in enumerate(zip(got, expected)) if not same(g, e)]
    counts[library] += len(expected)
    if bad:
        i = bad[0]
        fail(library, file, f"{name}: {len(bad)} values differ, first at row {i}: {got[i]!r} != {expected[i]!r}")


def normalized(arrow_type):
    """The type with large and view variants mapped to the plain ones: a table that pandas or
    pyarrow wrote keeps its `ARROW:schema`, which pyarrow applies on reading (pandas 3 strings
    come back as large_string)."""
    if pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type):
        return pa.string()
    if pa.types.is_large_binary(arrow_type) or pa.types.is_binary_view(arrow_type):
        return pa.binary()
    if pa.types.is_large_list(arrow_type) or pa.types.is_list(arrow_type) or pa.types.is_list_view(arrow_type):
        return pa.list_(normalized(arrow_type.value_type))
    return arrow_type


def check_pyarrow(file, path, spec, columns):
    table = pq.read_table(path)
    if table.num_rows != spec["rows"]:
        fail("pyarrow", file, f"{table.num_rows} rows, expected {spec['rows']}")
    if table.column_names != [c["name"] for c in spec["columns"]]:
        fail("pyarrow", file, f"columns {table.column_names}")
        return
    for column, expected in zip(spec["columns"], columns):
        field = table.schema.field(column["name"])
        if normalized(field.type) != ARROW_TYPES[column["type"]]:
            fail("pyarrow", file, f"{column['name']}: type {field.type}, expected {ARROW_TYPES[column['type']]}")
        compare_column("pyarrow", file, column["name"], table.column(column["name"]).to_pylist(), expected)

    parquet = pq.ParquetFile(path)
    metadata = parquet.metadata
    if not metadata.created_by.startswith("immetaio parquet"):
        fail("pyarrow", file, f"created_by {metadata.created_by!r}")
    stored = {k.decode(): v.decode() for k, v in (metadata.metadata or {}).items()}
    for key, value in spec["metadata"].items():
        if stored.get(key) != value:
            fail("pyarrow", file, f"key-value metadata {key!r} differs")
    # Logical types and levels of each leaf.
    leaves = {parquet.schema.column(i).path.split(".")[0]: parquet.schema.column(i) for i in range(metadata.num_columns)}
    for column in spec["columns"]:
        leaf = leaves[column["name"]]
        kind = column["type"]
        element = kind.replace("List", "") if kind in LIST_TYPES else kind
        element = {"int64": "int64", "double": "double", "string": "string"}.get(element, element)
        want = LOGICAL_TYPES.get(element)
        if want and str(leaf.logical_type) != want:
            fail("pyarrow", file, f"{column['name']}: logical type {leaf.logical_type}, expected {want}")
        levels = (3, 1) if kind in LIST_TYPES else (1, 0)
        if (leaf.max_definition_level, leaf.max_repetition_level) != levels:
            fail("pyarrow", file, f"{column['name']}: levels {(leaf.max_definition_level, leaf.max_repetition_level)}")
        if kind in LIST_TYPES and leaf.path != f"{column['name']}.list.element":
            fail("pyarrow", file, f"{column['name']}: list leaf path {leaf.path}")
    check_statistics(file, metadata, spec, columns)


def expected_statistics(kind, values):
    """(null_count, min, max) as pyarrow reports them; min/max None when there are none."""
    if kind in LIST_TYPES:
        nulls = sum(1 for v in values if not v)
        items = [x for v in values if v for x in v]
    else:
        nulls = sum(1 for v in values if v is None)
        items = [v for v in values if v is not None]
    if kind in FLOAT_TYPES or kind == "doubleList":
        items = [x for x in items if not math.isnan(x)]
    if not items:
        return nulls, None, None
    if kind in ("string", "stringList"):
        low = min(items, key=lambda s: s.encode())
        high = max(items, key=lambda s: s.encode())
    else:
        low, high = min(items), max(items)
    if isinstance(low, float) and low == 0:
        low = -0.0
    if isinstance(high, float) and high == 0:
        high = 0.0
    return nulls, low, high


def check_statistics(file, metadata, spec, columns):
    start = 0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        rows = slice(start, start + group.num_rows)
        start += group.num_rows
        for i, (column, values) in enumerate(zip(spec["columns"], columns)):
            chunk = group.column(i)
            stats = chunk.statistics
            nulls, low, high = expected_statistics(column["type"], values[rows])
            if stats is None or stats.null_count != nulls:
                fail("pyarrow", file, f"{column['name']} row group {g}: null_count {stats and stats.null_count}, expected {nulls}")
                continue
            if low is None:
                if stats.has_min_max:
                    fail("pyarrow", file, f"{column['name']} row group {g}: unexpected min/max")
            elif not stats.has_min_max or not same(stats.min, low) or not same(stats.max, high):
                fail("pyarrow", file, f"{column['name']} row group {g}: min/max {stats.has_min_max and (stats.min, stats.max)}, expected {(low, high)}")
            counts["statistics"] += 1


def check_pandas(file, path, spec, columns):
    frame = pd.read_parquet(path)
    if len(frame) != spec["rows"] or list(frame.columns) != [c["name"] for c in spec["columns"]]:
        fail("pandas", file, f"{len(frame)} rows, columns {list(frame.columns)}")
        return
    for column, expected in zip(spec["columns"], columns):
        series = frame[column["name"]]
        kind = column["type"]
        has_nulls = any(v is None for v in expected)
        dtype = str(series.dtype)
        allowed = {
            "int64": ["float64"] if has_nulls else ["int64"],
            "int32": ["float64"] if has_nulls else ["int32"],
            "double": ["float64"], "float": ["float32"],
            "boolean": ["object"] if has_nulls else ["bool"],
            "string": ["object", "str", "string"], "binary": ["object"],
        }.get(kind, ["object"])
        if spec["rows"] and dtype not in allowed:
            fail("pandas", file, f"{column['name']}: dtype {dtype}, expected one of {allowed}")
        got = []
        for value in series.tolist():
            if isinstance(value, np.ndarray):
                value = value.tolist()
            if value is not None and not isinstance(value, (list, bytes, str, bool)) and pd.isna(value) and kind not in FLOAT_TYPES:
                value = None  # NaN standing for null in integer and string columns
            got.append(value)
        if kind in FLOAT_TYPES:
            expected = [float("nan") if v is None else v for v in expected]  # pandas shows null floats as NaN
        if kind in ("int64", "int32") and has_nulls:
            expected = [None if v is None else float(v) for v in expected]
            got = [None if v is None else v for v in got]
        compare_column("pandas", file, column["name"], got, expected)


def check_duckdb(file, path, spec, columns):
    connection = duckdb.connect()
    relation = connection.sql(f"SELECT * FROM read_parquet('{path}')")
    if relation.columns != [c["name"] for c in spec["columns"]]:
        fail("duckdb", file, f"columns {relation.columns}")
        return
    types = [str(t) for t in relation.types]
    rows = relation.fetchall()
    if len(rows) != spec["rows"]:
        fail("duckdb", file, f"{len(rows)} rows, expected {spec['rows']}")
        return
    for i, (column, expected) in enumerate(zip(spec["columns"], columns)):
        if types[i] != DUCKDB_TYPES[column["type"]]:
            fail("duckdb", file, f"{column['name']}: type {types[i]}, expected {DUCKDB_TYPES[column['type']]}")
        compare_column("duckdb", file, column["name"], [row[i] for row in rows], expected)

    schema = connection.sql(f"SELECT name, type, converted_type, logical_type FROM parquet_schema('{path}')").fetchall()
    by_name = {row[0]: row for row in schema}
    for column in spec["columns"]:
        leaf = by_name["element"] if column["type"] in LIST_TYPES else by_name.get(column["name"])
        if column["type"] in ("string", "stringList") and (leaf is None or leaf[1] != "BYTE_ARRAY" or leaf[2] != "UTF8"):
            fail("duckdb", file, f"{column['name']}: parquet_schema {leaf}")
    # Null counts and integer/string bounds as DuckDB reads them from the footer.
    stats = connection.sql(
        f"SELECT row_group_id, column_id, stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata('{path}')"
        " ORDER BY row_group_id, column_id").fetchall()
    sizes = connection.sql(f"SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('{path}') ORDER BY 1").fetchall()
    starts, start = {}, 0
    for group, count in sizes:
        starts[group] = (start, start + count)
        start += count
    for group, column_index, null_count, low, high in stats:
        column = spec["columns"][column_index]
        begin, end = starts[group]
        nulls, want_low, want_high = expected_statistics(column["type"], columns[column_index][begin:end])
        if null_count != nulls:
            fail("duckdb", file, f"{column['name']} row group {group}: stats_null_count {null_count}, expected {nulls}")
        if column["type"] in ("int64", "int32", "string", "int64List") and want_low is not None:
            if (low, high) != (str(want_low), str(want_high)):
                fail("duckdb", file, f"{column['name']} row group {group}: min/max {(low, high)}, expected {(want_low, want_high)}")
        counts["statistics"] += 1
    connection.close()


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    folder = sys.argv[1]
    expected_path = sys.argv[2] if len(sys.argv) == 3 else os.path.join(folder, "expected.json")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    for file, spec in sorted(expected.items()):
        path = os.path.join(folder, file)
        columns = [decode(c) for c in spec["columns"]]
        for check in (check_pyarrow, check_pandas, check_duckdb):
            try:
                check(file, path, spec, columns)
            except Exception as error:  # a library refusing the file is a failure like any other
                fail(check.__name__.replace("check_", ""), file, f"raised {type(error).__name__}: {error}")
    print(f"{len(expected)} files; values compared: pyarrow {counts['pyarrow']}, pandas {counts['pandas']}, "
          f"duckdb {counts['duckdb']}; column-chunk statistics checked: {counts['statistics']} "
          f"(pyarrow {pa.__version__}, pandas {pd.__version__}, duckdb {duckdb.__version__})")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
