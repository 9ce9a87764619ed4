#!/usr/bin/env python3
"""Starts and stops a single-node Slurm cluster on loopback for the scale-out tests.

    slurm.py start    --dir DIR [--cpus N]   # prints `export ...` lines for the clients
    slurm.py stop     --dir DIR [--keep]
    slurm.py selftest [--dir DIR] [--keep]   # start, run jobs, check them, stop

`start` needs Debian's Slurm and MUNGE (not systemd, nor anything in /etc/slurm or /etc/munge):

    apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge

It stops whatever a previous run left in DIR, then runs, each in its own session with its
files in DIR:
    munged      with its own key, socket, pid, log and seed files (DIR/munge, DIR/log);
    slurmctld   on a free loopback port, state in DIR/state;
    slurmd      as node `localhost` (127.0.0.1) on another free loopback port, spool in DIR/spool,
and writes DIR/slurm.conf: cluster `immetaio`, partition `debug` (the default) with that one
node, its CPUs those of `nproc`, process tracking by /proc (no cgroups), no task plugin, no
accounting, MUNGE authentication on our socket (AuthInfo=socket=...). It returns once `sinfo`
shows the node idle, printing (and writing to DIR/env.sh) what the clients need:

    SLURM_CONF           DIR/slurm.conf (sbatch, squeue, scontrol, ... read it; so do the daemons)
    IMMETAIO_SLURM_DIR   DIR (so that `stop` finds the cluster, and marks the processes it owns)

`stop` cancels the cluster's jobs, ends slurmd, slurmctld and munged and removes DIR.

`selftest` checks the cluster the way the scale-out tests use it: a 4-task job array
(`sbatch --array=0-3 --wait`), an array element cancelled while it runs then resubmitted alone,
one requeued while it runs, and examples/scale-out/convert.sbatch (`sbatch --test-only`, then
run for real with a stand-in `immetaio` that records its calls: four tasks, then `--finalize`
only after all of them; no `--finalize` when a task fails, and the recovery its comment gives:
that task run again alone, then `--finalize` after it). It also runs the commands of
examples/scale-out/convert-job.yaml (a Kubernetes Indexed Job) with that stand-in (needs PyYAML).
It ends with a `slurm: N passed, N failed` line and exits non-zero when a check failed.

    eval "$(python3 Tests/Slurm/slurm.py start --dir /tmp/immetaio-slurm)"
    sbatch --array=0-3 --wait job.sh
    python3 Tests/Slurm/slurm.py stop --dir /tmp/immetaio-slurm
"""

import argparse
import getpass
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

PACKAGES = "slurmctld slurmd slurm-client munge"
INSTALL_LINE = f"apt-get install -y --no-install-recommends {PACKAGES}"
DAEMONS = ["munged", "slurmctld", "slurmd"]  # start order; stop goes the other way
CLIENTS = ["sbatch", "sinfo", "squeue", "scontrol", "scancel"]
NODE = "localhost"
PARTITION = "debug"
MARKER = "IMMETAIO_SLURM_DIR"
# A requeued job waits for the step credential to expire before it starts again (120 s by
# default); a test cluster has no stale credentials to fear.
CRED_EXPIRE = 10
# Unix socket paths longer than this do not fit in sockaddr_un (slurmd puts its step sockets in
# the spool folder with names of up to about 30 characters).
MAX_DIR_LENGTH = 70
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The S3 server's harness picks free loopback ports the same way (imported without leaving a
# __pycache__ folder in the tree).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(REPO, "Tests", "S3Tests"))
from seaweedfs import free_ports  # noqa: E402


class ClusterError(Exception):
    """A step that failed; `fail` prints it with the tail of every daemon's log."""


class Skipped(Exception):
    """A self-test check that cannot run here (and says why)."""


# Paths and processes


class Layout:
    """Where each file of a cluster in `directory` lives."""

    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.env = os.path.join(self.dir, "env.sh")
        self.munge = os.path.join(self.dir, "munge")
        self.key = os.path.join(self.munge, "munge.key")
        self.socket = os.path.join(self.munge, "munge.socket")
        self.state = os.path.join(self.dir, "state")
        self.spool = os.path.join(self.dir, "spool")
        self.log = os.path.join(self.dir, "log")
        self.run = os.path.join(self.dir, "run")

    def pid_file(self, daemon):
        return os.path.join(self.run, f"{daemon}.pid")

    def log_files(self):
        names = sorted(os.listdir(self.log)) if os.path.isdir(self.log) else []
        return [os.path.join(self.log, name) for name in names]

    def owned_paths(self):
        """What `start` creates in DIR, removed before a new start (nothing else in DIR is touched)."""
        return [self.conf, self.env, self.munge, self.state, self.spool, self.log, self.run,
                os.path.join(self.dir, "plugstack.conf")]


def find_program(name):
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_programs():
    programs = {name: find_program(name) for name in DAEMONS + CLIENTS}
    missing = [name for name, path in programs.items() if path is None]
    if missing:
        sys.stderr.write(f"slurm.py: missing {' '.join(missing)}; install Debian's Slurm and MUNGE:\n"
                         f"    {INSTALL_LINE}\n")
        sys.exit(2)
    return programs


def process_environment(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return {}
    pairs = (entry.decode("utf-8", "replace").partition("=") for entry in entries if entry)
    return {name: value for name, _, value in pairs}


def process_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def ancestors():
    """This process and its ancestors: a caller that sourced env.sh carries the marker too."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def belongs_to(pid, layout):
    """Whether a process was started by this cluster: its daemons get the marker in their
    environment and slurmstepd inherits slurmd's; a job's processes get the submitter's
    environment, which has SLURM_CONF (and the marker) when the submitter sourced env.sh."""
    environment = process_environment(pid)
    return environment.get(MARKER) == layout.dir or environment.get("SLURM_CONF") == layout.conf


def cluster_processes(layout):
    """The daemons, step daemons and job processes of the cluster in layout.dir, however they
    were left (pid files lost, a daemon killed): matched by the marker, never by name alone."""
    found, skip = [], ancestors()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in skip:
            continue
        pid = int(entry)
        name = process_name(pid)
        if not belongs_to(pid, layout):
            continue
        if name in DAEMONS + ["slurmstepd"] or "SLURM_JOB_ID" in process_environment(pid):
            found.append((pid, name))
    return found


def alive(pid):
    try:
        os.waitpid(pid, os.WNOHANG)  # reaps our own children (selftest starts the daemons itself)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return not any(alive(pid) for pid in pids)


def terminate(pids, timeout=10):
    """SIGTERM, then SIGKILL for whatever still runs after `timeout` seconds."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if not wait_gone(pids, timeout):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_gone(pids, 5)


def log_tails(layout, lines=25):
    text = []
    for path in layout.log_files():
        try:
            with open(path, errors="replace") as f:
                tail = f.readlines()[-lines:]
        except OSError:
            continue
        if tail:
            text.append(f"--- {path} (last {len(tail)} lines)\n" + "".join(tail))
    return "\n".join(text)


def fail(layout, message):
    sys.stderr.write(f"slurm.py: {message}\n")
    tails = log_tails(layout)
    if tails:
        sys.stderr.write(tails + ("" if tails.endswith("\n") else "\n"))
    sys.exit(1)


# Configuration


def memory_mb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 2048


def slurm_conf(layout, user, cpus, ports, config_overrides):
    # RealMemory must not exceed what slurmd finds, or the node is drained; jobs here ask for none.
    real_memory = max(1, min(1024, memory_mb() // 2))
    lines = f"""\
        # A single-node test cluster on loopback, written by Tests/Slurm/slurm.py.
        ClusterName=immetaio
        SlurmctldHost={NODE}(127.0.0.1)
        SlurmctldPort={ports[0]}
        SlurmdPort={ports[1]}
        # Bind to 127.0.0.1 (what `localhost` resolves to) rather than every address.
        CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
        SlurmUser={user}
        SlurmdUser={user}
        AuthType=auth/munge
        CredType=cred/munge
        AuthInfo=socket={layout.socket},cred_expire={CRED_EXPIRE}
        StateSaveLocation={layout.state}
        SlurmdSpoolDir={layout.spool}
        SlurmctldPidFile={layout.run}/slurmctld.self.pid
        SlurmdPidFile={layout.run}/slurmd.self.pid
        SlurmctldLogFile={layout.log}/slurmctld.log
        SlurmdLogFile={layout.log}/slurmd.log
        SlurmctldDebug=info
        SlurmdDebug=info
        PlugStackConfig={layout.dir}/plugstack.conf
        # No cgroups (a container may have none writable): processes tracked through /proc.
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        JobAcctGatherType=jobacct_gather/none
        AccountingStorageType=accounting_storage/none
        JobCompType=jobcomp/none
        MpiDefault=none
        SwitchType=switch/none
        MailProg=/bin/true
        SchedulerType=sched/backfill
        SchedulerParameters=sched_interval=2,bf_interval=2
        SelectType=select/cons_tres
        SelectTypeParameters=CR_CPU
        ReturnToService=2
        KillWait=5
        InactiveLimit=0
        MinJobAge=300
        SlurmdTimeout=300
        {"SlurmdParameters=config_overrides" if config_overrides else ""}
        NodeName={NODE} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={real_memory} State=UNKNOWN
        PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
        """
    return textwrap.dedent(lines)


# Daemons


def daemon_environment(layout):
    environment = dict(os.environ)
    environment["SLURM_CONF"] = layout.conf
    environment[MARKER] = layout.dir
    return environment


def spawn(layout, name, command):
    """Runs a daemon in the foreground of its own session (so that `stop` ends it and what it
    forked), its output in DIR/log/NAME.out, its process id in DIR/run/NAME.pid."""
    with open(os.path.join(layout.log, f"{name}.out"), "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=daemon_environment(layout), cwd=layout.dir, start_new_session=True)
    with open(layout.pid_file(name), "w") as f:
        f.write(f"{process.pid}\n")
    return process


def run_client(layout, arguments, timeout=30, check=True, cwd=None, env=None):
    environment = dict(env or os.environ)
    environment["SLURM_CONF"] = layout.conf
    environment[MARKER] = layout.dir
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, env=environment,
                                cwd=cwd or layout.dir)
    except subprocess.TimeoutExpired:
        raise ClusterError(f"`{' '.join(arguments)}` did not return within {timeout} s")
    if check and result.returncode != 0:
        raise ClusterError(f"`{' '.join(arguments)}` exited with {result.returncode}: "
                           f"{(result.stderr or result.stdout).strip()}")
    return result


def wait_for(description, predicate, timeout, processes=()):
    """Polls `predicate` until it returns something true; fails early when a daemon exits."""
    deadline = time.monotonic() + timeout
    while True:
        for name, process in processes:
            if process.poll() is not None:
                raise ClusterError(f"{name} exited with {process.returncode} while waiting for {description}")
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:g} s waiting for {description}")
        time.sleep(0.2)


def munge_ready(layout):
    munge = find_program("munge")
    if munge is None:  # the munge package ships both; munged alone cannot be checked
        return os.path.exists(layout.socket)
    try:
        result = subprocess.run([munge, "--socket", layout.socket, "--no-input"], capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def settled_node_state(layout):
    """The node's state once slurmd has registered (idle, or drained/down with a reason), else ""."""
    result = run_client(layout, [find_program("sinfo"), "-h", "-N", "-n", NODE, "-o", "%T"], check=False,
                        timeout=10)
    state = result.stdout.strip() if result.returncode == 0 else ""
    return state if state in ("idle", "drained", "draining", "down") else ""


def start_cluster(layout, cpus, timeout):
    programs = require_programs()
    if len(layout.dir) > MAX_DIR_LENGTH:
        raise SystemExit(f"slurm.py: {layout.dir} is longer than {MAX_DIR_LENGTH} characters: the MUNGE "
                         "and slurmd sockets inside it would not fit in a Unix socket address")
    stop_cluster(layout, quiet=True)
    for path in layout.owned_paths():
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    os.makedirs(layout.dir, exist_ok=True)
    for folder in (layout.munge, layout.state, layout.spool, layout.log, layout.run):
        os.makedirs(folder, mode=0o755)
        os.chmod(folder, 0o755)  # munged refuses folders that others may write in
    with open(os.open(layout.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(os.urandom(128))
    open(os.path.join(layout.dir, "plugstack.conf"), "w").close()
    detected = os.cpu_count() or 1
    try:
        detected = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        pass
    node_cpus = cpus or detected
    user = getpass.getuser()
    with open(layout.conf, "w") as f:
        f.write(slurm_conf(layout, user, node_cpus, free_ports(2), config_overrides=node_cpus != detected))

    processes = []
    try:
        munged = spawn(layout, "munged", [
            programs["munged"], "--foreground", "--force", f"--socket={layout.socket}", f"--key-file={layout.key}",
            f"--pid-file={layout.munge}/munged.self.pid", f"--log-file={layout.log}/munged.log",
            f"--seed-file={layout.munge}/munged.seed", "--origin=127.0.0.1", "--num-threads=2"])
        processes.append(("munged", munged))
        wait_for("munged's socket", lambda: munge_ready(layout), timeout, processes)
        # -i: no state to recover from (DIR was emptied); -D: foreground, in our session.
        slurmctld = spawn(layout, "slurmctld", [programs["slurmctld"], "-D", "-i", "-f", layout.conf])
        processes.append(("slurmctld", slurmctld))
        wait_for("slurmctld to answer", lambda: run_client(
            layout, [programs["scontrol"], "ping"], check=False, timeout=10).stdout.count("UP") > 0,
            timeout, processes)
        slurmd = spawn(layout, "slurmd", [programs["slurmd"], "-D", "-N", NODE, "-f", layout.conf])
        processes.append(("slurmd", slurmd))
        state = wait_for(f"node {NODE} to be idle", lambda: settled_node_state(layout), timeout, processes)
        if state != "idle":
            reason = run_client(layout, [programs["scontrol"], "show", "node", NODE], check=False).stdout
            raise ClusterError(f"node {NODE} is {state}, not idle:\n{reason.strip()}")
    except ClusterError as error:
        stop_daemons(layout)
        fail(layout, f"the cluster in {layout.dir} did not start: {error} (its logs stay in {layout.log} "
                     "until `slurm.py stop`)")
    variables = {"SLURM_CONF": layout.conf, MARKER: layout.dir}
    lines = "".join(f"export {name}={value}\n" for name, value in variables.items())
    with open(layout.env, "w") as f:
        f.write(lines)
    return lines


def cancel_jobs(layout):
    """Cancels every job while slurmctld still runs, so that no job outlives the cluster."""
    pid = read_pid(layout, "slurmctld")
    if pid is None or not alive(pid):
        return
    squeue, scancel = find_program("squeue"), find_program("scancel")
    try:
        jobs = run_client(layout, [squeue, "-h", "-o", "%A"], check=False, timeout=10).stdout.split()
        if jobs:
            run_client(layout, [scancel] + sorted(set(jobs)), check=False, timeout=10)
            stepds = [p for p, name in cluster_processes(layout) if name == "slurmstepd"]
            wait_gone(stepds, 15)
    except ClusterError:
        pass


def read_pid(layout, daemon):
    try:
        with open(layout.pid_file(daemon)) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    # A pid file from an earlier boot may name someone else's process now.
    return pid if belongs_to(pid, layout) else None


def stop_daemons(layout):
    for daemon in reversed(DAEMONS):
        pid = read_pid(layout, daemon)
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not wait_gone([pid], 10):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                wait_gone([pid], 5)
        try:
            os.remove(layout.pid_file(daemon))
        except OSError:
            pass
    # Whatever escaped the process groups: step daemons, job processes, daemons whose pid file went.
    leftovers = [pid for pid, _ in cluster_processes(layout)]
    if leftovers:
        terminate(leftovers, timeout=5)
    return leftovers


def stop_cluster(layout, quiet=False):
    if not os.path.isdir(layout.dir):
        return
    cancel_jobs(layout)
    leftovers = stop_daemons(layout)
    if leftovers and not quiet:
        sys.stderr.write(f"slurm.py: ended {len(leftovers)} leftover process(es) of {layout.dir}\n")


# Self-test


def job_state(layout, job):
    result = run_client(layout, [find_program("scontrol"), "show", "job", "-o", job], check=False, timeout=10)
    fields = dict(item.split("=", 1) for item in result.stdout.split() if "=" in item)
    return fields.get("JobState", ""), fields.get("Reason", ""), fields


def wait_state(layout, job, states, timeout):
    return wait_for(f"job {job} to be {'/'.join(states)}",
                    lambda: (lambda s: s if s[0] in states else None)(job_state(layout, job)), timeout)


def words(path):
    with open(path) as f:
        return f.read().split()


def recorded_calls(path):
    """The stand-in's log: (time, arguments) for each call."""
    with open(path) as f:
        return [(float(line.split(None, 1)[0]), line.split(None, 1)[1]) for line in f.read().splitlines()]


def wait_file(path, timeout):
    wait_for(f"{path}", lambda: os.path.exists(path), timeout)


def submit(layout, arguments, work, env=None, timeout=30):
    result = run_client(layout, [find_program("sbatch"), "--parsable"] + arguments, cwd=work, env=env,
                        timeout=timeout)
    return result.stdout.strip().split(";")[0]


TASK_SCRIPT = """\
#!/bin/sh
# Writes its array index; elements with a hold-K file sleep on their first run (not once requeued).
id=$SLURM_ARRAY_TASK_ID
echo "$id" > "{out}/started-$id"
if [ -e "{out}/hold-$id" ] && [ "${{SLURM_RESTART_COUNT:-0}}" = 0 ]; then sleep 300; fi
echo "$id restarts=${{SLURM_RESTART_COUNT:-0}}" > "{out}/task-$id"
"""

STAND_IN = """\
#!/bin/sh
# A stand-in for immetaio that records its calls (and fails task $IMMETAIO_FAIL_TASK); under Slurm
# it takes a second, so that a job started only after it ended is seen to.
echo "$(date +%s.%N) $*" >> "$IMMETAIO_CALLS"
case " $* " in *" --task ${IMMETAIO_FAIL_TASK:-none} "*) exit 3;; esac
if [ -n "${SLURM_JOB_ID:-}" ]; then sleep 1; fi
"""


class SelfTest:
    def __init__(self, layout):
        self.layout = layout
        self.work = os.path.join(layout.dir, "work")
        self.out = os.path.join(self.work, "out")
        shutil.rmtree(self.work, ignore_errors=True)  # a kept folder's earlier outputs would pass
        os.makedirs(self.out)
        self.passed, self.failed, self.skipped = 0, 0, 0
        self.script = os.path.join(self.work, "task.sh")
        with open(self.script, "w") as f:
            f.write(TASK_SCRIPT.format(out=self.out))

    def check(self, name, function):
        began = time.monotonic()
        try:
            function()
        except Skipped as reason:
            self.skipped += 1
            print(f"skip {name}: {reason}", flush=True)
        except (ClusterError, AssertionError, OSError, subprocess.SubprocessError) as error:
            self.failed += 1
            print(f"FAIL {name}: {error}", flush=True)
            tails = log_tails(self.layout, lines=10)
            if tails:
                print(tails, flush=True)
        else:
            self.passed += 1
            print(f"ok   {name} ({time.monotonic() - began:.1f} s)", flush=True)

    def array(self):
        """sbatch --array=0-3 --wait: four elements, each writes its index."""
        run_client(self.layout, [find_program("sbatch"), "--array=0-3", "--wait", "--output=/dev/null",
                                 self.script], cwd=self.work, timeout=120)
        for k in range(4):
            path = os.path.join(self.out, f"task-{k}")
            assert os.path.exists(path), f"element {k} wrote nothing"
            assert words(path) == [str(k), "restarts=0"], f"element {k} wrote {words(path)}"

    def cancel_and_resubmit(self):
        """An element cancelled while it sleeps ends CANCELLED with no output; resubmitted alone
        (`sbatch --array=K`), it completes."""
        for name in os.listdir(self.out):
            os.remove(os.path.join(self.out, name))
        open(os.path.join(self.out, "hold-2"), "w").close()
        job = submit(self.layout, ["--array=0-3", "--output=/dev/null", self.script], self.work)
        wait_file(os.path.join(self.out, "started-2"), 60)
        wait_state(self.layout, f"{job}_2", ["RUNNING"], 30)
        run_client(self.layout, [find_program("scancel"), f"{job}_2"])
        state = wait_state(self.layout, f"{job}_2", ["CANCELLED", "COMPLETED", "FAILED"], 30)
        assert state[0] == "CANCELLED", f"element 2 is {state[0]} after scancel"
        for k in (0, 1, 3):
            wait_state(self.layout, f"{job}_{k}", ["COMPLETED"], 60)
        assert not os.path.exists(os.path.join(self.out, "task-2")), "the cancelled element finished"
        os.remove(os.path.join(self.out, "hold-2"))
        run_client(self.layout, [find_program("sbatch"), "--array=2", "--wait", "--output=/dev/null", self.script],
                   cwd=self.work, timeout=60)
        text = words(os.path.join(self.out, "task-2"))
        assert text == ["2", "restarts=0"], f"the resubmitted element wrote {text}"

    def requeue(self):
        """An element requeued while it runs (`scontrol requeue`) is killed and runs again
        (SLURM_RESTART_COUNT=1) to completion."""
        for name in os.listdir(self.out):
            os.remove(os.path.join(self.out, name))
        open(os.path.join(self.out, "hold-1"), "w").close()
        job = submit(self.layout, ["--array=0-3", "--requeue", "--output=/dev/null", self.script], self.work)
        wait_file(os.path.join(self.out, "started-1"), 60)
        wait_state(self.layout, f"{job}_1", ["RUNNING"], 30)
        run_client(self.layout, [find_program("scontrol"), "requeue", f"{job}_1"])
        state = wait_state(self.layout, f"{job}_1", ["COMPLETED", "FAILED", "CANCELLED"], 120)
        assert state[0] == "COMPLETED", f"element 1 is {state[0]} after requeue"
        text = words(os.path.join(self.out, "task-1"))
        assert text == ["1", "restarts=1"], f"the requeued element wrote {text}"

    def example_environment(self, calls, fail_task=None):
        bin_dir = os.path.join(self.work, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        stand_in = os.path.join(bin_dir, "immetaio")
        with open(stand_in, "w") as f:
            f.write(STAND_IN)
        os.chmod(stand_in, 0o755)
        environment = dict(os.environ)
        environment["PATH"] = bin_dir + os.pathsep + environment.get("PATH", "")
        environment["IMMETAIO_CALLS"] = calls
        environment.pop("IMMETAIO_FAIL_TASK", None)
        if fail_task is not None:
            environment["IMMETAIO_FAIL_TASK"] = str(fail_task)
        return environment

    def run_example(self, calls, fail_task=None):
        """Runs examples/scale-out/convert.sbatch (which submits the array and the finalize job);
        returns the ids of the array and of the finalize job."""
        example = os.path.join(REPO, "examples", "scale-out", "convert.sbatch")
        environment = self.example_environment(calls, fail_task)
        result = run_client(self.layout, ["bash", example, "/data/plan"], cwd=self.work, env=environment)
        ids = [line.split()[-1] for line in result.stdout.splitlines() if line.startswith("Submitted batch job")]
        assert len(ids) == 2, f"the example printed {result.stdout!r}, not two `Submitted batch job` lines"
        return ids

    def example(self):
        """convert.sbatch: its #SBATCH lines pass `sbatch --test-only`; run with a stand-in immetaio,
        tasks 0-3 each run once and `--finalize` runs after all of them."""
        example = os.path.join(REPO, "examples", "scale-out", "convert.sbatch")
        environment = self.example_environment(os.path.join(self.work, "unused"))
        result = run_client(self.layout, [find_program("sbatch"), "--test-only", example, "/data/plan"],
                            cwd=self.work, env=environment)
        assert "to start at" in result.stderr + result.stdout, f"sbatch --test-only said {result.stderr!r}"
        calls = os.path.join(self.work, "calls-ok")
        array, finalize = self.run_example(calls)
        state = wait_state(self.layout, finalize, ["COMPLETED", "FAILED", "CANCELLED"], 120)
        assert state[0] == "COMPLETED", f"the finalize job is {state[0]}"
        lines = recorded_calls(calls)
        tasks = sorted(call for _, call in lines if "--task" in call)
        expected = [f"convert --plan /data/plan --task {k}" for k in range(4)]
        assert tasks == expected, f"the tasks ran as {tasks}"
        finals = [(t, call) for t, call in lines if "--finalize" in call]
        assert [c for _, c in finals] == ["convert --plan /data/plan --finalize"], f"finalize calls: {finals}"
        last_task = max(t for t, call in lines if "--task" in call)
        assert finals[0][0] >= last_task + 1, "--finalize started before the last task ended"

    def example_failure(self):
        """convert.sbatch with a failing task: the finalize job does not run (afterok); after the
        task is run again alone, a finalize job that depends on that one does."""
        calls = os.path.join(self.work, "calls-fail")
        array, finalize = self.run_example(calls, fail_task=3)
        state = wait_state(self.layout, f"{array}_3", ["FAILED", "COMPLETED"], 60)
        assert state[0] == "FAILED", f"the failing task is {state[0]}"
        def settled():
            state = job_state(self.layout, finalize)
            return state if state[0] != "PENDING" or state[1] == "DependencyNeverSatisfied" else None

        state = wait_for("the finalize job's dependency to fail", settled, 30)
        assert state[0] == "PENDING", f"the finalize job is {state[0]} although task 3 failed"
        assert not any("--finalize" in call for _, call in recorded_calls(calls)), "--finalize ran"
        # The recovery the example describes: cancel it, run the task again alone, finalize after it.
        # (The dependency fails as soon as task 3 does, while other elements may still be running.)
        run_client(self.layout, [find_program("scancel"), finalize])
        for k in range(3):
            wait_state(self.layout, f"{array}_{k}", ["COMPLETED", "FAILED", "CANCELLED"], 60)
        before = len(recorded_calls(calls))
        example = os.path.join(REPO, "examples", "scale-out", "convert.sbatch")
        environment = self.example_environment(calls)
        rerun = submit(self.layout, ["--array=3", example, "/data/plan"], self.work, env=environment)
        finalize = submit(self.layout, [f"--dependency=afterok:{rerun}", "--output=/dev/null", "--wrap",
                                        "immetaio convert --plan /data/plan --finalize"], self.work, env=environment)
        state = wait_state(self.layout, finalize, ["COMPLETED", "FAILED", "CANCELLED"], 60)
        assert state[0] == "COMPLETED", f"the new finalize job is {state[0]}"
        made = [call for _, call in recorded_calls(calls)][before:]
        assert made == ["convert --plan /data/plan --task 3", "convert --plan /data/plan --finalize"], \
            f"after the rerun the calls were {made}"

    def kubernetes_example(self):
        """convert-job.yaml: an Indexed Job of 4 completions whose command, run with
        JOB_COMPLETION_INDEX=K, calls `immetaio convert --plan /data/plan --task K`, and a second
        Job that calls `--finalize`, each selected by its own label."""
        try:
            import yaml
        except ImportError:
            raise Skipped("no PyYAML in this Python")
        with open(os.path.join(REPO, "examples", "scale-out", "convert-job.yaml")) as f:
            documents = list(yaml.safe_load_all(f))
        steps = {d["metadata"]["labels"]["immetaio/step"]: d for d in documents}
        assert sorted(steps) == ["finalize", "tasks"] and all(d["kind"] == "Job" for d in documents), \
            f"the documents are {[(d['kind'], d['metadata']) for d in documents]}"
        spec = steps["tasks"]["spec"]
        assert (spec["completionMode"], spec["completions"]) == ("Indexed", 4), f"the tasks Job is {spec}"
        calls = os.path.join(self.work, "calls-kubernetes")
        environment = self.example_environment(calls)
        for k in range(4):
            command = spec["template"]["spec"]["containers"][0]["command"]
            subprocess.run(command, env=dict(environment, JOB_COMPLETION_INDEX=str(k)), check=True, timeout=30)
        command = steps["finalize"]["spec"]["template"]["spec"]["containers"][0]["command"]
        subprocess.run(command, env=environment, check=True, timeout=30)
        made = [call for _, call in recorded_calls(calls)]
        expected = [f"convert --plan /data/plan --task {k}" for k in range(4)]
        assert made == expected + ["convert --plan /data/plan --finalize"], f"the pods would run {made}"

    def run(self):
        self.check("array 0-3 with --wait", self.array)
        self.check("cancel an element, resubmit it", self.cancel_and_resubmit)
        self.check("requeue a running element", self.requeue)
        self.check("examples/scale-out/convert.sbatch", self.example)
        self.check("convert.sbatch: a failed task holds --finalize, rerun then finalize", self.example_failure)
        self.check("examples/scale-out/convert-job.yaml", self.kubernetes_example)


def selftest(args):
    layout = Layout(args.dir or tempfile.mkdtemp(prefix="immetaio-slurm-"))
    began = time.monotonic()
    start_cluster(layout, args.cpus, args.timeout)
    started = time.monotonic()
    print(f"started in {started - began:.1f} s ({layout.dir})", flush=True)
    test = SelfTest(layout)
    try:
        test.run()
    finally:
        tested = time.monotonic()
        stop_cluster(layout)
        if not args.keep:
            shutil.rmtree(layout.dir, ignore_errors=True)
        print(f"start {started - began:.1f} s, checks {tested - started:.1f} s, "
              f"stop {time.monotonic() - tested:.1f} s", flush=True)
    skipped = f", {test.skipped} skipped" if test.skipped else ""
    print(f"slurm: {test.passed} passed, {test.failed} failed{skipped}", flush=True)
    sys.exit(1 if test.failed else 0)


def start(args):
    directory = args.dir or tempfile.mkdtemp(prefix="immetaio-slurm-")
    sys.stdout.write(start_cluster(Layout(directory), args.cpus, args.timeout))


def stop(args):
    directory = args.dir or os.environ.get(MARKER)
    if not directory:
        sys.exit(f"slurm.py stop: give --dir (or set {MARKER})")
    layout = Layout(directory)
    stop_cluster(layout)
    if not args.keep:
        shutil.rmtree(layout.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "selftest"])
    parser.add_argument("--dir", help="the cluster's folder (config, key, sockets, state, logs, pids)")
    parser.add_argument("--cpus", type=int, help="CPUs of the node (default: those this process may use)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for each daemon")
    parser.add_argument("--keep", action="store_true", help="stop, selftest: keep the folder (its logs)")
    args = parser.parse_args()
    {"start": start, "stop": stop, "selftest": selftest}[args.action](args)


if __name__ == "__main__":
    main()
