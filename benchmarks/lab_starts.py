"""Start a lab with agents again and again; on a start that hangs, dump every stack.

    python benchmarks/lab_starts.py --root /var/tmp/NAME-starts [--starts 10]
        [--hosts 3] [--faultfs] [--timeout 60] [--keep]

Each start is `Cluster.up(..., start_agents=True)` with `--timeout` as the
agents' READY deadline, then `down`. It prints the time to every agent's
READY=1 per start and a summary line. A start that fails leaves a report
`ROOT/hang-N.txt` before the lab goes down: for every process of the lab
(faultfs daemon, sanlock daemons, simulators, brokers, agents) each
thread's kernel stack and wait channel, each sanlock daemon's main-thread
system call and open client connections, and Python stacks through
py-spy when it is installed (`.venv/bin/pip install py-spy`; it needs
ptrace). With `--keep` a failed lab stays up until Enter is pressed.
The exit status is 1 when a start failed.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ovirt_hosted_engine_ha.lab import errors, lifecycle  # noqa: E402
from ovirt_hosted_engine_ha.lab.cluster import Cluster  # noqa: E402


def read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return f"<{e.strerror}>\n"


def kernel_stacks(pid: int) -> str:
    out = []
    for task in sorted(glob.glob(f"/proc/{pid}/task/*")):
        comm, wchan = read(f"{task}/comm").strip(), read(f"{task}/wchan").strip()
        out.append(f"-- tid {os.path.basename(task)} {comm} wchan={wchan} "
                   f"syscall={read(f'{task}/syscall').strip()}\n{read(f'{task}/stack')}")
    return "".join(out)


def python_stacks(pid: int) -> str:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.path.exists(spy):
        return "(py-spy is not installed: no Python stacks)\n"
    try:
        return subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True,
                              text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(py-spy failed: {e})\n"


def daemon_connections(socket_path: str) -> int:
    """Client connections a sanlock daemon has open (accepted sockets in state 03)."""
    with open("/proc/net/unix") as f:
        return sum(1 for line in f
                   if line.split()[-1] == socket_path and line.split()[5] == "03")


def report(cluster: Cluster, path: Path) -> None:
    procs = [("faultfs", cluster.record.faultfs)] if cluster.record.faultfs else []
    for h in cluster.record.hosts:
        procs += [(f"host{h.host_id}/{kind}", rec) for kind, rec in h.processes.items()]
    with open(path, "w") as f:
        for name, rec in procs:
            f.write(f"\n===== {name} pid {rec.pid}\n")
            if name.endswith("/sanlock"):
                host = cluster.hosts[int(name[4:name.index("/")])]
                sock = str(host.sanlock_run_dir / "sanlock.sock")
                f.write(f"main thread syscall: {read(f'/proc/{rec.pid}/syscall').strip()}; "
                        f"open client connections: {daemon_connections(sock)}\n")
            f.write(kernel_stacks(rec.pid))
            if not name.endswith(("/sanlock", "/probe")):
                f.write(python_stacks(rec.pid))


def one_start(args: argparse.Namespace, n: int) -> tuple[bool, float]:
    """Cluster.up's steps, with a report taken before a failed lab goes down."""
    started = time.monotonic()
    layout = lifecycle.prepare_root(os.path.join(args.root, "lab"), args.hosts)
    cluster = Cluster(layout, lifecycle.new_record(layout, args.hosts, 512))
    try:
        lifecycle.build(layout, cluster.record, None, args.faultfs)
        cluster.start_brokers()
        cluster.start_agents(args.timeout)
    except errors.LabError as e:
        took = time.monotonic() - started
        report(cluster, Path(args.root) / f"hang-{n}.txt")
        print(f"start {n}: FAILED after {took:.1f} s: {e}\n  stacks: {args.root}/hang-{n}.txt",
              flush=True)
        if args.keep:
            input(f"the lab at {layout.root} is up. Enter: down ")
        return False, took
    finally:
        took = time.monotonic() - started
        cluster.down()
    print(f"start {n}: every agent READY in {took:.1f} s", flush=True)
    return True, took


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", required=True, help="a directory of yours (the lab is ROOT/lab)")
    p.add_argument("--starts", type=int, default=10)
    p.add_argument("--hosts", type=int, default=3)
    p.add_argument("--faultfs", action="store_true", help="storage through faultfs")
    p.add_argument("--timeout", type=float, default=60.0, help="agents' READY deadline (s)")
    p.add_argument("--keep", action="store_true", help="leave a failed lab up until Enter")
    args = p.parse_args(argv)
    os.makedirs(args.root, exist_ok=True)
    results = [one_start(args, n) for n in range(1, args.starts + 1)]
    good = [took for ok, took in results if ok]
    spread = f"; READY in {min(good):.1f}-{max(good):.1f} s" if good else ""
    print(f"{len(good)}/{len(results)} starts with every agent READY"
          f"{' over faultfs' if args.faultfs else ''}{spread}")
    return 0 if len(good) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
