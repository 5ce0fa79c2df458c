"""lab/faultfs mounted over a directory: passthrough, O_DIRECT, every knob, clean stop."""

import errno
import mmap
import os
import threading
import time
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lab import procs
from ovirt_hosted_engine_ha.lab.faultfs import mount
from ovirt_hosted_engine_ha.lab.faultfs.api import StorageFaults
from ovirt_hosted_engine_ha.lib import directio, exceptions
from tests.monitorsupport.wait import wait_for

BLOCK = 4096


@pytest.fixture
def fs(lab_dir):
    reason = mount.unavailable()
    if reason:
        pytest.skip(reason)
    covered = lab_dir / "storage"
    covered.mkdir()
    with open(covered / "vol", "wb") as f:
        f.truncate(16 * BLOCK)
    sock = str(lab_dir / "ff.sock")
    record = mount.start(str(covered), sock, str(lab_dir / "ff.log"))
    faults = StorageFaults(covered, sock)
    try:
        yield faults
    finally:
        mount.stop(record, str(covered), sock)
        assert not mount.mounted(covered)
        assert not procs.running(record)


def test_mounted_as_faultfs_and_files_pass_through(fs):
    root = fs.mountpoint
    assert directio.filesystem_type(root) == mount.FSTYPE
    (root / "dir").mkdir()
    (root / "dir" / "f").write_text("hello")
    os.symlink("dir/f", root / "link")
    os.replace(root / "link", root / "link2")
    assert (root / "link2").read_text() == "hello"
    assert sorted(os.listdir(root)) == ["dir", "link2", "vol"]
    os.unlink(root / "link2")
    os.unlink(root / "dir" / "f")
    os.rmdir(root / "dir")


def test_direct_io_through_the_mount_and_alignment_still_enforced(fs):
    path = str(fs.mountpoint / "vol")
    directio.write(path, BLOCK, b"x" * BLOCK)
    assert directio.read(path, 0, 2 * BLOCK)[BLOCK:] == b"x" * BLOCK
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    try:
        with mmap.mmap(-1, BLOCK) as buf:
            for offset, length in ((100, BLOCK), (0, 100)):
                with pytest.raises(OSError) as e:
                    os.pwritev(fd, [memoryview(buf)[:length]], offset)
                assert e.value.errno == errno.EINVAL, (offset, length)
    finally:
        os.close(fd)


@pytest.mark.parametrize("name, code", [("EIO", errno.EIO), ("ENOSPC", errno.ENOSPC)])
def test_fail_on_write_of_one_file(fs, name, code):
    path = str(fs.mountpoint / "vol")
    (fs.mountpoint / "other").write_bytes(b"\0" * BLOCK)
    fs.fail(name, op="write", path=path)
    with pytest.raises(exceptions.StorageError, match=f"\\({name}\\)") as e:
        directio.write(path, 0, b"y" * BLOCK)
    assert e.value.__cause__.errno == code
    directio.read(path, 0, BLOCK)                                  # reads pass
    directio.write(str(fs.mountpoint / "other"), 0, b"z" * BLOCK)  # other files pass
    fs.heal()
    directio.write(path, 0, b"y" * BLOCK)


def test_slow_adds_the_delay_to_each_operation(fs):
    path = str(fs.mountpoint / "vol")
    fs.slow(0.3, op="read")
    start = time.monotonic()
    directio.read(path, 0, BLOCK)
    assert time.monotonic() - start >= 0.3
    faults, held = fs.show()
    assert [f.describe() for f in faults] == ["slow 0.3 s on read of every file"]


def test_hang_holds_reads_until_heal(fs):
    path = str(fs.mountpoint / "vol")
    fs.hang(op="read", path="vol")
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(directio.read(path, 0, BLOCK)))
    reader.start()
    try:
        wait_for(lambda: fs.show()[1] == 1, timeout=10)
        directio.write(path, 0, b"w" * BLOCK)     # writes go on meanwhile
        assert not result
    finally:
        fs.heal()
        reader.join(10)
    assert result == [b"w" * BLOCK]


def test_vanish_then_heal(fs):
    path = fs.mountpoint / "vol"
    fs.vanish(path=path)
    assert not path.exists()
    assert "vol" not in os.listdir(fs.mountpoint)
    with pytest.raises(exceptions.StorageError, match="ENOENT"):
        directio.read(str(path), 0, BLOCK)
    fs.heal()
    assert path.exists()


def test_paths_outside_the_mount_refused(fs):
    with pytest.raises(ValueError, match="not under the faultfs mount"):
        fs.hang(path=Path("/etc/passwd"))


def test_refuses_to_start_without_fuse_with_a_reason(monkeypatch):
    monkeypatch.setattr(mount, "DEVICE", "/dev/no-such-fuse")
    assert mount.unavailable() == "/dev/no-such-fuse is missing (no FUSE in this kernel or " \
        "container)"
    from ovirt_hosted_engine_ha.lab import errors
    with pytest.raises(errors.LabDetailError, match="faultfs\\) is unavailable"):
        mount.check_available()


def test_real_path_reads_past_a_hang(fs):
    path = fs.mountpoint / "vol"
    directio.write(str(path), 0, b"r" * BLOCK)
    fs.hang()
    with open(fs.real_path(path), "rb") as f:
        assert f.read(BLOCK) == b"r" * BLOCK
