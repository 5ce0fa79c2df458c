"""The lab refuses storage without real direct I/O, with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lab import errors, fsprobe, lifecycle

SHM = "/dev/shm"
needs_tmpfs = pytest.mark.skipif(
    not os.path.isdir(SHM) or fsprobe.fs_type(SHM) != "tmpfs", reason="no tmpfs at /dev/shm")


def test_disk_backed_base_passes(lab_base):
    assert fsprobe.fs_type(lab_base) not in fsprobe.MEMORY_FILESYSTEMS
    fsprobe.check_disk_backed(lab_base)


@needs_tmpfs
def test_tmpfs_refused():
    with pytest.raises(errors.NotDiskBacked) as e:
        fsprobe.check_disk_backed(SHM)
    assert str(e.value).startswith(f"{SHM} is on tmpfs, not a disk-backed filesystem")


def test_direct_io_failure(lab_base):
    missing = os.path.join(lab_base, "no-such-dir")
    with pytest.raises(errors.DirectIOFailed) as e:
        fsprobe.probe_direct_io(missing)
    assert "aligned 4096-byte O_DIRECT write and read failed" in str(e.value)


@needs_tmpfs
def test_lab_root_on_tmpfs_refused(tmp_path_factory):
    root = Path(SHM) / f"ovirt-ha-lab-test-{os.getpid()}"
    try:
        with pytest.raises(errors.NotDiskBacked):
            lifecycle.prepare_root(root, hosts=1)
    finally:
        if root.exists():
            root.rmdir()


def test_lab_root_not_empty_refused(lab_dir):
    (lab_dir / "precious.txt").write_text("keep me")
    with pytest.raises(errors.RootNotEmpty):
        lifecycle.prepare_root(lab_dir, hosts=1)
    assert (lab_dir / "precious.txt").read_text() == "keep me"


def test_lab_root_too_long_refused(lab_dir):
    root = lab_dir / ("r" * 80)
    with pytest.raises(errors.PathTooLong):
        lifecycle.prepare_root(root, hosts=1)
    assert not root.exists()


@needs_tmpfs
def test_pytest_refuses_tmpfs_test_dir():
    tests = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OVIRT_HA_TEST_DIR=f"{SHM}/ovirt-ha-tests-{os.getpid()}")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             str(tests / "lab" / "test_lab_fsprobe.py::test_disk_backed_base_passes")],
            env=env, capture_output=True, text=True, timeout=120)
    finally:
        Path(env["OVIRT_HA_TEST_DIR"]).rmdir()
    assert result.returncode == 4
    assert "cannot hold test storage" in result.stdout + result.stderr
    assert "is on tmpfs" in result.stdout + result.stderr


def test_lab_root_too_long_for_broker_socket(lab_dir):
    # The sanlock run dir still fits; the broker's socket path does not.
    root = lab_dir / ("r" * (60 - len(str(lab_dir))))
    with pytest.raises(errors.SocketPathTooLong) as e:
        lifecycle.prepare_root(root, hosts=1)
    assert "broker.socket" in str(e.value) and "Use a shorter --root" in str(e.value)
    assert not root.exists()
