"""DaemonWatch against real processes standing in for the sanlock daemon.

The watch reads the daemon's pid file and holds a pidfd, never a connection
to the daemon's socket (an idle connection can stall sanlock 3.8's main
loop: sanlock_watch.py). The stand-ins are `sleep` processes.
"""

import os
import subprocess

import pytest

from ovirt_hosted_engine_ha.broker import sanlock_watch
from ovirt_hosted_engine_ha.broker.sanlock_watch import DaemonWatch
from tests.monitorsupport.wait import wait_for


@pytest.fixture
def daemons(tmp_path):
    """Start stand-in daemons writing their pid file; kill them all at the end."""
    started: list[subprocess.Popen] = []
    pid_file = tmp_path / "sanlock.pid"

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(["sleep", "300"])
        started.append(proc)
        wait_for(lambda: sanlock_watch.command_name(proc.pid) == "sleep")   # exec'd
        pid_file.write_text(f"{proc.pid}\n")
        return proc

    yield pid_file, start
    for proc in started:
        proc.kill()
        proc.wait()


def test_the_daemon_noted_still_runs(daemons):
    pid_file, start = daemons
    start()
    watch = DaemonWatch(str(pid_file), name="sleep")
    assert not watch.unbroken()   # nothing noted yet
    assert watch.ensure() and watch.unbroken() and watch.ensure()
    assert watch.sightings == 1


def test_a_killed_daemon_breaks_the_watch_even_as_a_zombie(daemons):
    pid_file, start = daemons
    proc = start()
    watch = DaemonWatch(str(pid_file), name="sleep")
    assert watch.ensure()
    proc.kill()
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)   # exited, not reaped: a zombie
    assert not watch.unbroken()
    assert not watch.ensure()


def test_a_restarted_daemon_is_another_one(daemons):
    pid_file, start = daemons
    first = start()
    watch = DaemonWatch(str(pid_file), name="sleep")
    assert watch.ensure()
    first.kill()
    first.wait()
    start()
    assert not watch.unbroken()   # the one noted is gone: trust ends
    assert watch.ensure() and watch.unbroken()
    assert watch.sightings == 2


@pytest.mark.parametrize("content", [None, "", "not a pid\n", "0\n", "999999999\n"])
def test_no_daemon_seen_without_a_live_pid_in_the_file(tmp_path, content):
    pid_file = tmp_path / "sanlock.pid"
    if content is not None:
        pid_file.write_text(content)
    watch = DaemonWatch(str(pid_file), name="sleep")
    assert not watch.ensure() and not watch.unbroken()


def test_a_pid_of_another_program_is_no_daemon(daemons):
    pid_file, start = daemons
    start()
    assert not DaemonWatch(str(pid_file), name="sanlock").ensure()


def test_the_default_pid_file_follows_sanlock_run_dir(monkeypatch):
    monkeypatch.setenv("SANLOCK_RUN_DIR", "/var/tmp/lab/host1/run/sanlock")
    assert sanlock_watch.pid_file_path() == "/var/tmp/lab/host1/run/sanlock/sanlock.pid"
    monkeypatch.delenv("SANLOCK_RUN_DIR")
    assert sanlock_watch.pid_file_path() == "/run/sanlock/sanlock.pid"


def test_the_pid_file_naming_another_daemon_notes_the_new_one(daemons):
    pid_file, start = daemons
    start()
    watch = DaemonWatch(str(pid_file), name="sleep")
    assert watch.ensure()
    start()   # a second one took the pid file (the first still runs)
    assert watch.ensure() and watch.sightings == 2
