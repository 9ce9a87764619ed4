#!/usr/bin/env python3
"""Cross-checks immetaio's OME-XML reader and writer against ome_types, tifffile and the XSD.

The Swift tests (OMECorpusTests, OMEMetadataMappingTests) write, when IMMETAIO_OME_DUMP_DIR is
set, for every corpus OME-TIFF and companion file:
  <name>.summary.json     what our parser read from the file's OME-XML
  <name>.written.ome.xml  what our writer wrote back
plus a few documents built in code (*.written.ome.xml only).

This script
  1. runs those tests with a fresh dump directory (or uses --dump DIR),
  2. compares each summary with ome_types.from_xml of the original XML (ImageDescription of the
     first IFD, read with tifffile, or the companion file itself),
  3. validates every written document against the OME 2016-06 XSD with xmlschema, and checks that
     ome_types reads the written document to the same summary as the original.

Usage: python check_ome_xml.py [--dump DIR] [--corpus DIR] [--no-run]
Exit status 0 when everything agrees.
"""
import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

import ome_types
import tifffile
import xmlschema

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[3]
XSD = pathlib.Path(ome_types.__file__).parent / "ome-2016-06.xsd"


def corpus_root(argument):
    """The corpus, or None: without it only the documents built in code are checked."""
    for candidate in (argument, os.environ.get("IMMETAIO_CORPUS"), PACKAGE_ROOT / ".." / "shared" / "corpus"):
        if candidate and (pathlib.Path(candidate) / "manifest.json").exists():
            return pathlib.Path(candidate).resolve()
    print("corpus not found (pass --corpus or set IMMETAIO_CORPUS): checking the documents built in code only")
    return None


def original_xml(path):
    if path.suffix in (".ome", ".xml"):
        return path.read_text(encoding="utf-8")
    with tifffile.TiffFile(path) as tif:
        return tif.pages[0].description


def length(value, unit):
    if value is None:
        return None
    return [float(value), unit.value if hasattr(unit, "value") else str(unit)]


def summary_of(ome):
    """The same summary the Swift test writes (OMESummary), from an ome_types model."""
    images = []
    for image in ome.images:
        pixels = image.pixels
        channels = []
        for channel in pixels.channels:
            channels.append({
                "id": channel.id,
                "name": channel.name,
                "samples_per_pixel": channel.samples_per_pixel,
                "color": channel.color.as_int32() if channel.color is not None and "color" in channel.model_fields_set else None,
                "excitation": length(channel.excitation_wavelength, channel.excitation_wavelength_unit),
                "emission": length(channel.emission_wavelength, channel.emission_wavelength_unit),
            })
        date = image.acquisition_date
        images.append({
            "id": image.id,
            "name": image.name,
            "acquisition_date": date.isoformat() if date is not None else None,
            "dimension_order": pixels.dimension_order.value,
            "type": pixels.type.value,
            "size": [pixels.size_x, pixels.size_y, pixels.size_z, pixels.size_c, pixels.size_t],
            "physical_size": [
                length(pixels.physical_size_x, pixels.physical_size_x_unit),
                length(pixels.physical_size_y, pixels.physical_size_y_unit),
                length(pixels.physical_size_z, pixels.physical_size_z_unit),
            ],
            "time_increment": length(pixels.time_increment, pixels.time_increment_unit),
            "significant_bits": pixels.significant_bits,
            "channels": channels,
            "tiff_data": len(pixels.tiff_data_blocks),
            "planes": len(pixels.planes),
        })
    annotations = ome.structured_annotations
    map_count = len(annotations.map_annotations) if annotations else 0
    xml_count = len(annotations.xml_annotations) if annotations else 0
    binary_only = None
    if ome.binary_only is not None:
        binary_only = {"metadata_file": ome.binary_only.metadata_file, "uuid": ome.binary_only.uuid}
    return {"images": images, "binary_only": binary_only, "map_annotations": map_count, "xml_annotations": xml_count}


def differences(ours, theirs, path=""):
    """Leaf differences between two summaries; numbers compare with a relative tolerance."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs)):
            if key == "source":
                continue
            found += differences(ours.get(key), theirs.get(key), f"{path}.{key}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} items vs {len(theirs)}"]
        found = []
        for index, (a, b) in enumerate(zip(ours, theirs)):
            found += differences(a, b, f"{path}[{index}]")
        return found
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)) and not isinstance(ours, bool):
        return [] if math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-12) else [f"{path}: {ours!r} vs {theirs!r}"]
    if path.endswith("acquisition_date") and ours and theirs:
        return [] if ours.replace("Z", "+00:00").startswith(theirs[:19]) else [f"{path}: {ours!r} vs {theirs!r}"]
    return [] if ours == theirs else [f"{path}: {ours!r} vs {theirs!r}"]


def read_ome(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ome_types.from_xml(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", help="dump directory (default: a new temporary one, filled by running the Swift tests)")
    parser.add_argument("--corpus", help="corpus root (default: IMMETAIO_CORPUS or ../shared/corpus)")
    parser.add_argument("--no-run", action="store_true", help="do not run the Swift tests; use the files already in --dump")
    args = parser.parse_args()

    if args.dump is None:
        # A fresh directory, removed at the end.
        with tempfile.TemporaryDirectory(prefix="ome-dump-") as directory:
            args.dump = directory
            return check(args)
    return check(args)


def check(args):
    corpus = corpus_root(args.corpus)
    dump = pathlib.Path(args.dump)
    if not args.no_run:
        environment = dict(os.environ, IMMETAIO_OME_DUMP_DIR=str(dump))
        if corpus is not None:
            environment["IMMETAIO_CORPUS"] = str(corpus)
        command = ["swift", "test", "--skip-build", "--filter", "OMECorpusTests|OMEMetadataMappingTests"]
        result = subprocess.run(command, cwd=PACKAGE_ROOT, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:])
            sys.exit("the Swift tests failed (build them first: swift build --build-tests)")

    schema = xmlschema.XMLSchema(str(XSD))
    failures = 0
    summaries = sorted(dump.glob("*.summary.json"))
    written = sorted(dump.glob("*.written.ome.xml"))
    if not written or (corpus is not None and not summaries):
        sys.exit(f"nothing to check in {dump}")

    for path in (summaries if corpus is not None else []):
        ours = json.loads(path.read_text(encoding="utf-8"))
        source = corpus / ours["source"]
        reference = summary_of(read_ome(original_xml(source)))
        found = differences(ours, reference)
        # Our writer's output, read by ome_types, must say the same.
        written_path = dump / path.name.replace(".summary.json", ".written.ome.xml")
        if written_path.exists():
            found += [f"written: {d}" for d in differences(ours, summary_of(read_ome(written_path.read_text(encoding="utf-8"))))]
        status = "ok" if not found else "DIFFERS"
        print(f"{status:8} {ours['source']}")
        for line in found:
            print(f"         {line}")
        failures += bool(found)

    for path in written:
        errors = list(schema.iter_errors(str(path)))
        print(f"{'valid' if not errors else 'INVALID':8} {path.name}")
        if errors:
            print(f"         {str(errors[0]).splitlines()[0]} at {errors[0].path}")
        failures += bool(errors)

    print(f"{len(summaries)} summaries compared, {len(written)} written documents validated, {failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
