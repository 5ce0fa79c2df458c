"""An unprivileged sanlock daemon per lab host (spec/sanlock-lab.md §2).

Each host gets its own run dir (``host<K>/run/sanlock``, at most 93
characters) and a stable unique name ``lab-<instance>-host<K>``. Ready
means its socket accepts a connection; stop is ``killpg(SIGKILL)``, which
ends the daemon and its helper child whatever lockspaces they hold.
"""

import dataclasses
import grp
import os
import pwd
import socket
import subprocess

from . import errors, procs
from .hostroot import check_run_dir
from .layout import HostLayout
from .procs import ProcRecord

SANLOCK = "/usr/sbin/sanlock"
READY_TIMEOUT = 5.0


def host_name(instance: str, host_id: int) -> str:
    return f"lab-{instance}-host{host_id}"


def client_env(host: HostLayout, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a sanlock client talking to this host's daemon."""
    env = dict(os.environ if base is None else base)
    env["SANLOCK_RUN_DIR"] = str(host.sanlock_run_dir)
    return env


def command(name: str) -> list[str]:
    pw = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(pw.pw_gid).gr_name
    return [SANLOCK, "daemon", "-D", "-w", "0", "-l", "0", "-h", "0",
            "-U", pw.pw_name, "-G", group, "-e", name, "-L", "-1", "-S", "-1"]


def accepts(run_dir: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        return s.connect_ex(os.path.join(run_dir, "sanlock.sock")) == 0


def start(host: HostLayout, name: str) -> ProcRecord:
    """Spawn the daemon and wait until its socket accepts connections."""
    check_run_dir(host)
    if not os.path.exists(SANLOCK):
        raise errors.LabDetailError(f"{SANLOCK} not found: apt-get install sanlock")
    run_dir = str(host.sanlock_run_dir)
    if accepts(run_dir):
        raise errors.LabDetailError(f"a sanlock daemon already runs with run dir {run_dir}")
    host.sanlock_run_dir.mkdir(parents=True, exist_ok=True)
    env = client_env(host)
    env["SANLOCK_PRIVILEGED"] = "0"
    record = procs.spawn(f"host{host.host_id}/sanlock", command(name), env, host.sanlock_log)
    ready = procs.wait_for(lambda: accepts(run_dir) or not procs.running(record),
                           READY_TIMEOUT, 0.01)
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " at start")
    if not ready:
        procs.stop([record], signo=None)
        raise procs.failed(record, f"did not accept connections within {READY_TIMEOUT} s")
    return record


def kill(record: ProcRecord) -> None:
    procs.stop([record], signo=None)


@dataclasses.dataclass(frozen=True)
class LockspaceView:
    """What one daemon says about a lockspace (``sanlock client gets -h 1``)."""

    host_id: int | None                  # the id this daemon holds, None if not joined
                                         # (or being joined or removed: ADD, REM)
    hosts: dict[int, str]                # host id -> LIVE, FAIL, DEAD, FREE, UNKNOWN


def lockspace_view(host: HostLayout, name: str = "hosted-engine",
                   timeout: float = 2.0) -> LockspaceView:
    """Ask the host's daemon; raise LabDetailError if it cannot answer."""
    try:
        result = subprocess.run([SANLOCK, "client", "gets", "-h", "1"], env=client_env(host),
                                capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise errors.LabDetailError(f"sanlock client gets: {e}") from e
    if result.returncode != 0:
        raise errors.LabDetailError(f"sanlock client gets: {result.stderr.strip()}")
    host_id, hosts, ours = None, {}, False
    for line in result.stdout.splitlines():
        fields = line.split()
        if fields[:1] == ["s"]:
            lockspace, _, rest = fields[1].partition(":")
            ours = lockspace == name
            if ours and fields[2:3] not in (["ADD"], ["REM"]):   # being added or removed
                host_id = int(rest.split(":", 1)[0])
        elif fields[:1] == ["h"] and ours and len(fields) >= 2:
            hosts[int(fields[1])] = fields[-1]
    return LockspaceView(host_id, hosts)
