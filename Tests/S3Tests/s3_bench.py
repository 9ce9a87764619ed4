#!/usr/bin/env python3
"""Times PUT then GET of many small objects, our Swift client against boto3, on one server.

    python Tests/S3Tests/s3_bench.py [--count 2000] [--size 65536] [--in-flight 16] [--rounds 2]
        [--swift "swift test --skip-build --filter S3BenchmarkTests"]

Uses the server that the IMMETAIO_S3_TEST_* variables name, or starts SeaweedFS itself with
seaweedfs.py (and stops it afterwards). After a warm-up (200 objects through boto3, untimed, since a
fresh server allocates its volumes on the first writes), each round runs boto3 (a thread pool of `--in-flight`
threads sharing one client with as many pooled connections) and then the Swift benchmark test
(`S3BenchmarkTests`, which prints an `S3BENCH {json}` line), each writing `--count` new objects
of `--size` random bytes, reading them back and deleting them. Build the tests first; for
release-mode numbers pass e.g. `--swift "swift test -c release --skip-build --filter
S3BenchmarkTests"` after `swift build -c release --build-tests -Xswiftc -enable-testing`.
"""

import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import seaweedfs  # noqa: E402


def boto3_round(env, count, size, in_flight):
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3", endpoint_url=env["IMMETAIO_S3_TEST_ENDPOINT"], region_name="us-east-1",
        aws_access_key_id=env["IMMETAIO_S3_TEST_ACCESS_KEY"], aws_secret_access_key=env["IMMETAIO_S3_TEST_SECRET_KEY"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=in_flight,
                      request_checksum_calculation="when_required", response_checksum_validation="when_required"))
    bucket = env.get("IMMETAIO_S3_TEST_BUCKET", "immetaio-test")
    prefix = f"bench-boto3-{uuid.uuid4().hex[:8]}/"
    keys = [f"{prefix}{i}" for i in range(count)]
    payload = os.urandom(size)
    with concurrent.futures.ThreadPoolExecutor(in_flight) as pool:
        start = time.perf_counter()
        list(pool.map(lambda key: client.put_object(Bucket=bucket, Key=key, Body=payload), keys))
        put_seconds = time.perf_counter() - start

        def get(key):
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            if len(body) != size:
                raise RuntimeError(f"{key}: {len(body)} bytes")

        start = time.perf_counter()
        list(pool.map(get, keys))
        get_seconds = time.perf_counter() - start
    for first in range(0, count, 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[first:first + 1000]], "Quiet": True})
    return {"client": "boto3", "put_seconds": put_seconds, "get_seconds": get_seconds}


def swift_round(env, command, count, size, in_flight):
    run_env = dict(env, IMMETAIO_S3_BENCH="1", IMMETAIO_S3_BENCH_COUNT=str(count), IMMETAIO_S3_BENCH_SIZE=str(size),
                   IMMETAIO_S3_BENCH_IN_FLIGHT=str(in_flight))
    result = subprocess.run(shlex.split(command), env=run_env, capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(HERE)))
    for line in result.stdout.splitlines():
        if line.startswith("S3BENCH "):
            return json.loads(line[len("S3BENCH "):])
    sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
    raise SystemExit(f"s3_bench.py: `{command}` printed no S3BENCH line (exit {result.returncode})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size", type=int, default=64 << 10)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--swift", default="swift test --skip-build --filter S3BenchmarkTests")
    args = parser.parse_args()

    folder = os.path.join(tempfile.gettempdir(), f"immetaio-s3-bench-{os.getpid()}")
    with seaweedfs.running(folder) as env:
        megabytes = args.count * args.size / 1e6
        print(f"{args.count} objects of {args.size} bytes ({megabytes:.0f} MB), {args.in_flight} in flight, "
              f"server {env['IMMETAIO_S3_TEST_ENDPOINT']}")
        # A fresh server allocates its volumes on the first writes: let neither client pay for it.
        boto3_round(env, 200, args.size, args.in_flight)
        print(f"{'round':>5} {'client':>13} {'PUT s':>8} {'PUT obj/s':>10} {'GET s':>8} {'GET obj/s':>10}")
        for round_number in range(1, args.rounds + 1):
            for result in (boto3_round(env, args.count, args.size, args.in_flight),
                           swift_round(env, args.swift, args.count, args.size, args.in_flight)):
                put, get = result["put_seconds"], result["get_seconds"]
                print(f"{round_number:>5} {result['client']:>13} {put:>8.2f} {args.count / put:>10.0f} "
                      f"{get:>8.2f} {args.count / get:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
