"""Issue 19, part 3: a planned conversion into an S3 store on 1, 2 and 4 tasks (the scaling curve).

The tasks run as processes started together on this machine, as a single-node Slurm job array
runs them (Slurm's own scheduling delay left out); the server is SeaweedFS on loopback, sharing the
same cores. Each run: plan, the tasks at once, finalize; the 2,000 mixed images of the conversion
section, LZ4 level 1 (the default), one image per inner chunk, shards of 100 images.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "S3Tests"))
import seaweedfs  # noqa: E402


def _server_ingest(variables, bucket):
    """MB/s the server takes 20 PUTs of 19.6 MB with boto3, 2 in flight."""
    import concurrent.futures
    import boto3
    client = boto3.client("s3", endpoint_url=variables["IMMETAIO_S3_TEST_ENDPOINT"], region_name="us-east-1",
                          aws_access_key_id=variables["IMMETAIO_S3_TEST_ACCESS_KEY"],
                          aws_secret_access_key=variables["IMMETAIO_S3_TEST_SECRET_KEY"])
    body = os.urandom(19_660_800)
    prefix = f"ingest-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: client.put_object(Bucket=bucket, Key=f"{prefix}/{n}", Body=body), range(20)))
    return 20 * len(body) / (time.perf_counter() - started) / 1e6


def scaleout_benchmark(survey_folder, work, repeats, immetaio, cores, shard=100):
    """The table's lines: images/s for 1, 2 and 4 tasks (medians of `repeats`), with the phases."""
    folder = os.path.join(work, "survey")
    if not os.path.isdir(folder):
        survey_folder(folder, 2000)
    csv_path = folder + ".csv" if os.path.exists(folder + ".csv") else os.path.join(work, "survey.csv")
    count = sum(1 for name in os.listdir(folder) if not name.endswith(".csv"))
    with seaweedfs.running(os.path.join(work, "s3-scaleout")) as variables:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=variables["IMMETAIO_S3_TEST_ACCESS_KEY"],
                   AWS_SECRET_ACCESS_KEY=variables["IMMETAIO_S3_TEST_SECRET_KEY"],
                   AWS_ENDPOINT_URL=variables["IMMETAIO_S3_TEST_ENDPOINT"], AWS_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        bucket = variables.get("IMMETAIO_S3_TEST_BUCKET", "immetaio-test")
        rows = []
        for tasks in (1, 2, 4):
            # Workers per task: the cores shared out, at least one.
            workers = max(1, cores // tasks)
            runs = []
            for _ in range(max(1, repeats)):
                plan = os.path.join(work, f"plan-{tasks}")
                shutil.rmtree(plan, ignore_errors=True)
                store = f"s3://{bucket}/bench-{uuid.uuid4().hex[:8]}/survey.zarr"
                extra = ["--metadata", csv_path] if os.path.exists(csv_path) else []
                t0 = time.perf_counter()
                subprocess.run([immetaio, "convert", folder, "--out", store, *extra, "--shard-shape", str(shard),
                                "--plan", plan, "--tasks", str(tasks), "--quiet"], check=True, env=env)
                t1 = time.perf_counter()
                processes = [subprocess.Popen([immetaio, "convert", "--plan", plan, "--task", str(task), "--workers",
                                               str(workers), "--quiet"], env=env) for task in range(tasks)]
                statuses = [process.wait() for process in processes]
                if any(statuses):
                    raise RuntimeError(f"a task failed: {statuses}")
                t2 = time.perf_counter()
                final = subprocess.run([immetaio, "convert", "--plan", plan, "--finalize", "--json"], check=True, env=env,
                                       capture_output=True, text=True)
                t3 = time.perf_counter()
                if json.loads(final.stdout)["total"] != count:
                    raise RuntimeError("the finalize stored a different count")
                runs.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
            runs.sort()
            total, plan_s, tasks_s, final_s = runs[len(runs) // 2]
            rows.append((tasks, workers, total, plan_s, tasks_s, final_s))
        ingest = _server_ingest(variables, bucket)
        base = rows[0][2]
        lines = [
            "", "## Conversion across tasks into S3 (issue 19)", "",
            f"{count:,} mixed 256×256 images (the conversion section's folder and CSV) → `s3://` on SeaweedFS on loopback, "
            f"LZ4 level 1, shards of {shard} images; tasks started together as processes on this {cores}-core machine; "
            f"medians of {max(1, repeats)}.",
            "",
            "| tasks | workers each | images/s | total s | plan s | tasks s | finalize s | speed-up |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for tasks, workers, total, plan_s, tasks_s, final_s in rows:
            lines.append(f"| {tasks} | {workers} | {count / total:,.0f} | {total:.2f} | {plan_s:.2f} | {tasks_s:.2f} | "
                         f"{final_s:.2f} | {base / total:.2f}× |")
        lines += [
            "",
            f"The limit is the machine: the server and the tasks share its {cores} cores, and one task with {cores} workers "
            f"already keeps them busy. The server alone ingests {ingest:,.0f} MB/s (boto3, 20-MB objects, 2 at a time, "
            "nothing else running); the store is 0.39 GB, so writing it takes that server at least "
            f"{0.39e3 / ingest:.1f} s of the tasks' time. More tasks pay off when they bring cores (nodes) of their own.",
            "",
            "Command: `make bench` (section `scaleout`); alone: `python Benchmarks/run.py --swift-bench "
            "Benchmarks/.build/release/immetaio-bench --only scaleout`.",
        ]
        return lines
