"""Processes are started in their own group, stopped by pid, never by name;
leftovers are killed at the end of a test session."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ovirt_hosted_engine_ha.lab import procs, sessions


def spawn_pair(lab_dir: Path) -> procs.ProcRecord:
    # A leader ignoring SIGTERM and a child in its group (like sanlock's helper).
    script = "trap '' TERM; sleep 60 & wait"
    return procs.spawn("pair", ["sh", "-c", script], dict(os.environ), lab_dir / "pair.log")


def both_running(record: procs.ProcRecord) -> bool:
    return len(procs.group_members(record.pgid, record.start_time)) == 2


def test_spawn_records_a_new_group(lab_dir):
    record = spawn_pair(lab_dir)
    try:
        assert record.pgid == record.pid == os.getpgid(record.pid)
        assert record.start_time > 0
        assert record in procs.REGISTRY
        assert procs.wait_for(lambda: both_running(record), 5)
    finally:
        procs.stop([record], signo=None)


def test_stop_escalates_and_kills_the_group(lab_dir):
    record = spawn_pair(lab_dir)
    assert procs.wait_for(lambda: both_running(record), 5)
    procs.stop([record], signo=signal.SIGTERM, grace=0.3)
    assert not procs.running(record)
    assert not record.group_alive()
    assert procs.exit_status(record) == "was killed by signal 9"
    assert not os.path.exists(f"/proc/{record.pid}")  # reaped, not a zombie


def test_recycled_pid_is_not_ours(lab_dir):
    record = spawn_pair(lab_dir)
    try:
        other = procs.ProcRecord("other", record.pid, record.pgid, record.start_time - 1, "")
        assert not other.alive()
        assert record.alive()
    finally:
        procs.stop([record], signo=None)


def test_log_tail(lab_dir):
    log = lab_dir / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert procs.log_tail(log, 3) == "line 97\nline 98\nline 99"
    assert procs.log_tail(lab_dir / "missing.log").startswith("(cannot read log:")


LEAKY_TEST = '''
import os
from pathlib import Path
from ovirt_hosted_engine_ha.lab import procs, sessions

def test_leaks_a_process():
    record = procs.spawn("leaky", ["sleep", "300"], dict(os.environ), os.environ["LEAK_LOG"])
    Path(os.environ["LEAK_PID"]).write_text(str(record.pid))
'''


def test_session_end_kills_leftovers(lab_dir):
    case = Path(__file__).with_name(f"leak_case_{os.getpid()}.py")
    case.write_text(LEAKY_TEST)
    pid_file = lab_dir / "leak.pid"
    env = dict(os.environ, LEAK_PID=str(pid_file), LEAK_LOG=str(lab_dir / "leak.log"))
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 str(case)], env=env, capture_output=True, text=True, timeout=120)
    finally:
        case.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    pid = int(pid_file.read_text())
    assert f"lab processes left running were killed: leaky (pid {pid})" in result.stdout
    assert not Path(f"/proc/{pid}").exists() or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_sweep_kills_what_a_dead_owner_left(lab_dir):
    base = lab_dir / "base"
    dead, live = base / "s-dead", base / "s-live"
    dead.mkdir(parents=True)
    live.mkdir()
    gone = procs.spawn("owner", ["true"], dict(os.environ), lab_dir / "owner.log")
    assert procs.wait_for(lambda: not procs.running(gone), 5)
    leftover = spawn_pair(lab_dir)
    (dead / sessions.OWNER).write_text(json.dumps(gone.to_json()))
    (dead / sessions.JOURNAL).write_text(json.dumps(leftover.to_json()) + "\n")
    (live / sessions.OWNER).write_text(json.dumps(procs.self_record("me").to_json()))
    try:
        assert sessions.sweep(base) == [f"pair (pid {leftover.pid})"]
        assert not leftover.group_alive()
        assert not dead.exists()
        assert live.exists()
    finally:
        procs.stop([leftover], signo=None)
