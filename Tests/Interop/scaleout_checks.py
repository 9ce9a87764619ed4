#!/usr/bin/env python3
"""Conversion as a Slurm job array into one store on an S3 server (issue 19, part 3).

    scaleout_checks.py IMMETAIO [--work DIR] [--images N]

Starts SeaweedFS (Tests/S3Tests/seaweedfs.py) unless IMMETAIO_S3_TEST_ENDPOINT names a server,
and a single-node Slurm cluster (Tests/Slurm/slurm.py: Debian's slurmctld, slurmd and munge),
both on loopback, and stops them after. Then:

- `immetaio convert FOLDER --out s3://… --plan PLAN --tasks 4` plans the conversion of a folder
  of PNG and TIFF images (grey and RGB) with a shuffled CSV;
- a 4-task job array (`sbatch --array=0-3 --wait`) runs `immetaio convert --plan PLAN --task
  $SLURM_ARRAY_TASK_ID`; task 1 is killed with SIGKILL on its first attempt once it has stored
  its first shard (a preempted task);
- finalize refuses while task 1 is unfinished, and the array stays empty for readers;
- task 1 is submitted again and finishes; finalize runs as a Slurm job;
- zarr-python (through s3fs) reads every image identical to Pillow's decode of its file,
  pyarrow reads the table with every CSV column joined by name, and the store holds exactly
  the expected objects: no lost, duplicated, partial or temporary object.

Prints `scaleout: N passed, M failed` and exits non-zero when a check failed.
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "S3Tests"))
import seaweedfs  # noqa: E402
SLURM = os.path.join(HERE, "..", "Slurm", "slurm.py")
SHARD = 4
TASKS = 4


def exports(stdout):
    variables = {}
    for line in stdout.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            variables[name] = value.strip("'\"")
    return variables


def start(script, folder):
    result = subprocess.run([sys.executable, script, "start", "--dir", folder], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{os.path.basename(script)} start failed:\n{result.stdout}\n{result.stderr}")
    return exports(result.stdout)


def make_inputs(folder, count, seed=5):
    """PNG and TIFF files, RGB and grey, 96×80, with a CSV in shuffled order; returns {name: stored C×H×W}."""
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    expected = {}
    for index in range(count):
        grey = index % 5 == 0
        shape = (96, 80) if grey else (96, 80, 3)
        base = rng.integers(0, 256, shape, dtype=np.uint8)
        name = f"img_{index:04d}.{'tif' if index % 3 == 0 else 'png'}"
        Image.fromarray(base).save(os.path.join(folder, name))
        expected[name] = np.repeat(base[None], 3, axis=0) if grey else np.transpose(base, (2, 0, 1))
    rows = [(name, position * 0.5, f"field {position % 7}") for position, name in enumerate(sorted(expected))]
    order = rng.permutation(len(rows))
    with open(folder + ".csv", "w") as f:
        f.write("filename,redshift,field\n")
        for position in order:
            name, redshift, field = rows[position]
            f.write(f'{name},{redshift},"{field}"\n')
    return expected, {name: (redshift, field) for name, redshift, field in rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("immetaio")
    parser.add_argument("--work")
    parser.add_argument("--images", type=int, default=160)
    args = parser.parse_args()
    tool = os.path.abspath(args.immetaio)
    work = args.work or tempfile.mkdtemp(prefix="immetaio-scaleout-")
    os.makedirs(work, exist_ok=True)
    passed, failed = 0, 0

    def check(condition, message):
        nonlocal passed, failed
        if condition:
            passed += 1
        else:
            failed += 1
            print(f"FAIL scaleout: {message}", file=sys.stderr)
        return condition

    missing = [name for name in ("slurmctld", "slurmd", "munged", "sbatch") if shutil.which(name) is None
               and not os.path.exists(f"/usr/sbin/{name}")]
    if missing:
        print(f"scaleout: Slurm is not installed (missing {', '.join(missing)}): "
              "apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge", file=sys.stderr)
        return 2

    slurm_folder = os.path.join(work, "slurm")
    with seaweedfs.running(os.path.join(work, "s3")) as s3:
        try:
            slurm = start(SLURM, slurm_folder)
            endpoint = s3["IMMETAIO_S3_TEST_ENDPOINT"]
            key, secret = s3["IMMETAIO_S3_TEST_ACCESS_KEY"], s3["IMMETAIO_S3_TEST_SECRET_KEY"]
            bucket = s3.get("IMMETAIO_S3_TEST_BUCKET", "immetaio-test")
            env = dict(os.environ, **slurm, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_ENDPOINT_URL=endpoint,
                       AWS_REGION="us-east-1")
            env.pop("AWS_PROFILE", None)
            prefix = f"scaleout-{uuid.uuid4().hex[:8]}"
            store = f"s3://{bucket}/{prefix}/survey.zarr"
            inputs = os.path.join(work, "survey")
            plan = os.path.join(work, "plan")
            shutil.rmtree(plan, ignore_errors=True)
            expected, joined = make_inputs(inputs, args.images)

            def run(*arguments):
                return subprocess.run([tool, *arguments], capture_output=True, text=True, env=env)

            made = run("convert", inputs, "--out", store, "--metadata", inputs + ".csv", "--shard-shape", str(SHARD),
                       "--plan", plan, "--tasks", str(TASKS), "--json")
            if not check(made.returncode == 0, f"plan: {made.stderr}"):
                return 1
            ranges = json.loads(made.stdout)["task_ranges"]
            check(len(ranges) == TASKS and ranges[-1][1] == args.images, f"the plan's tasks: {ranges}")

            logs = os.path.join(work, "logs")
            os.makedirs(logs, exist_ok=True)
            marker = os.path.join(work, "killed-once")
            killed_state = os.path.join(work, "killed-state")
            job = os.path.join(work, "convert-task.sh")
            with open(job, "w") as f:
                f.write(textwrap.dedent(f"""\
                    #!/bin/bash
                    #SBATCH --job-name=immetaio-convert
                    #SBATCH --output={logs}/%A_%a.out
                    #SBATCH --cpus-per-task=1
                    set -u
                    task=$SLURM_ARRAY_TASK_ID
                    if [ "$task" = 1 ] && [ ! -e {marker} ]; then
                        # The first attempt of task 1 is killed (SIGKILL) once it has stored a shard.
                        touch {marker}
                        {tool} convert --plan {plan} --task 1 --workers 1 --quiet &
                        pid=$!
                        while ! ls {plan}/tasks/1/slab-*.json >/dev/null 2>&1; do
                            kill -0 $pid 2>/dev/null || break
                            sleep 0.005
                        done
                        kill -9 $pid 2>/dev/null
                        wait $pid
                        status=$?
                        ls {plan}/tasks/1 > {killed_state} 2>&1
                        echo "killed: status $status"
                        exit 1
                    fi
                    exec {tool} convert --plan {plan} --task "$task" --workers 1 --json
                    """))
            os.chmod(job, 0o755)

            started = time.monotonic()
            array_job = subprocess.run(["sbatch", "--array=0-3", "--wait", job], capture_output=True, text=True, env=env)
            check(array_job.returncode != 0, "the array job reports its killed task")
            with open(killed_state) if os.path.exists(killed_state) else io.StringIO("") as f:
                state = f.read().split()
            check(any(name.startswith("slab-") for name in state) and "done.json" not in state,
                  f"task 1 was killed mid-way (records at the kill: {state})")
            done = [os.path.exists(os.path.join(plan, "tasks", str(task), "done.json")) for task in range(TASKS)]
            check(done == [True, False, True, True], f"tasks 0, 2, 3 finished and task 1 did not: {done}")

            early = run("convert", "--plan", plan, "--finalize")
            check(early.returncode == 1 and "1 of 4 tasks have not finished (1)" in early.stderr,
                  f"finalize names the unfinished task: {early.stderr}")

            import s3fs
            import zarr
            import pyarrow.parquet as pq
            from PIL import Image
            options = {"key": key, "secret": secret, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
            filesystem = s3fs.S3FileSystem(**options)

            def open_array():
                return zarr.open_array(zarr.storage.FsspecStore.from_url(store + "/images", storage_options=options), mode="r")

            check(open_array().shape[0] == 0, "readers see an empty array until the finalize")

            again = subprocess.run(["sbatch", "--array=1", "--wait", job], capture_output=True, text=True, env=env)
            check(again.returncode == 0, f"task 1 run again: {again.stdout}{again.stderr}")
            final = subprocess.run(
                ["sbatch", "--wait", f"--output={logs}/finalize.out", "--wrap", f"{tool} convert --plan {plan} --finalize --json"],
                capture_output=True, text=True, env=env)
            elapsed = time.monotonic() - started
            check(final.returncode == 0, f"finalize as a Slurm job: {final.stderr}")
            with open(os.path.join(logs, "finalize.out")) as f:
                report = json.loads(f.read() or "{}")
            check(report.get("total") == args.images and not report.get("skipped"), f"the report: {report.get('total')}")

            array = open_array()
            check(array.shape == (args.images, 3, 96, 80) and array.shards == (SHARD, 3, 96, 80), f"shape {array.shape}")
            names = sorted(expected)
            stored = array[:]
            identical = sum(np.array_equal(stored[index], expected[name]) for index, name in enumerate(names))
            check(identical == len(names), f"zarr-python reads every image identical: {identical} of {len(names)}")
            for name in names[:: max(1, len(names) // 10)]:
                decoded = np.asarray(Image.open(os.path.join(inputs, name)))
                planes = np.repeat(decoded[None], 3, axis=0) if decoded.ndim == 2 else np.transpose(decoded, (2, 0, 1))
                check(np.array_equal(planes, expected[name]), f"Pillow's decode of {name} is what was stored")

            table = pq.read_table(filesystem.open(f"{bucket}/{prefix}/survey_metadata.parquet", "rb")).to_pandas()
            check(list(table["filename"]) == names, "the table lists the images in array order")
            check(all(joined[name] == (row.redshift, row.field) for name, row in zip(table["filename"], table.itertuples())),
                  "every CSV column joined by name (the CSV was shuffled)")

            objects = sorted(path.split(f"{prefix}/survey.zarr/", 1)[1] for path in filesystem.find(f"{bucket}/{prefix}/survey.zarr"))
            shards = (args.images + SHARD - 1) // SHARD
            wanted = sorted(["zarr.json", "images/zarr.json"] + [f"images/c/{n}/0/0/0" for n in range(shards)])
            check(objects == wanted, f"exactly the expected objects (no lost, duplicated or partial one): "
                  f"{sorted(set(objects) ^ set(wanted))[:10]}")
            print(f"scaleout: {args.images} images, {TASKS} Slurm tasks (one killed and run again) and a finalize job "
                  f"in {elapsed:.1f} s")
        finally:
            subprocess.run([sys.executable, SLURM, "stop", "--dir", slurm_folder], capture_output=True)
    print(f"scaleout: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
