"""Unprivileged sanlock daemons per lab host, and the lockspace they initialise."""

import os
import subprocess

import pytest

from ovirt_hosted_engine_ha.lab import errors, procs, sanlock_child, sanlockd, storage
from ovirt_hosted_engine_ha.lab.layout import HostLayout, Layout
from ovirt_hosted_engine_ha.lab.record import LabIds

pytestmark = pytest.mark.integration


@pytest.fixture
def daemon(lab_dir):
    host = HostLayout(1, lab_dir / "host1")
    record = sanlockd.start(host, sanlockd.host_name("t" + LabIds().instance[:6], 1))
    yield host, record
    sanlockd.kill(record)


def test_daemon_ready_and_killed(daemon):
    host, record = daemon
    assert procs.running(record)
    assert record.pgid == record.pid
    assert sanlockd.accepts(str(host.sanlock_run_dir))
    status = subprocess.run(["/usr/sbin/sanlock", "client", "status"],
                            env=sanlockd.client_env(host), capture_output=True, timeout=10)
    assert status.returncode == 0
    sanlockd.kill(record)
    assert not procs.running(record)
    assert not record.group_alive()  # its helper child is gone too


def test_second_daemon_on_same_run_dir_refused(daemon):
    host, record = daemon
    with pytest.raises(errors.LabError, match="a sanlock daemon already runs"):
        sanlockd.start(host, "another-name")
    assert procs.running(record)


def test_daemon_exiting_at_start_fails_with_log(lab_dir, monkeypatch):
    host = HostLayout(1, lab_dir / "host1")
    host.sanlock_log.parent.mkdir(parents=True)
    host.sanlock_log.write_text("earlier line\n")
    monkeypatch.setattr(sanlockd, "SANLOCK", "/bin/false")
    with pytest.raises(errors.ProcessFailed) as e:
        sanlockd.start(host, "never-ready")
    assert "exited with status 1 at start" in str(e.value)
    assert str(host.sanlock_log) in str(e.value)
    assert str(e.value).endswith("earlier line")


def test_run_dir_too_long(lab_dir):
    host = HostLayout(1, lab_dir / ("x" * 90) / "host1")
    with pytest.raises(errors.RunDirTooLong) as e:
        sanlockd.start(host, "never-started")
    assert "Use a shorter --root" in str(e.value)
    assert not host.sanlock_run_dir.exists()


@pytest.mark.parametrize("sector", [512, 4096])
def test_lockspace_written_through_daemon(daemon, lab_dir, sector):
    host, _ = daemon
    layout = Layout(lab_dir / "lab")
    ids = LabIds()
    path = storage.create(layout, ids, sector)["lockspace"]
    env = sanlockd.client_env(host)
    sanlock_child.write_lockspace(env, str(path), sector)
    assert sanlock_child.read_lockspace(env, str(path)) == {
        "lockspace": "hosted-engine", "iotimeout": 1}
    assert os.path.getsize(path) == 1024 * 1024


def test_lockspace_needs_a_daemon(lab_dir):
    layout = Layout(lab_dir / "lab")
    path = storage.create(layout, LabIds(), 512)["lockspace"]
    env = dict(os.environ, SANLOCK_RUN_DIR=str(lab_dir / "no-daemon"))
    with pytest.raises(errors.LabError, match="write-lockspace failed"):
        sanlock_child.write_lockspace(env, str(path), 512)
