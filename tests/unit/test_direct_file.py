"""DirectFile: slot writes through one kept aligned buffer, on a real O_DIRECT file."""

import os

import pytest

from ovirt_hosted_engine_ha.lib import directio, exceptions
from ovirt_hosted_engine_ha.lib.direct_file import DirectFile

BLOCK = directio.BLOCK


@pytest.fixture
def volume(disk_tmp):
    path = os.path.join(disk_tmp, "volume")
    with open(path, "wb") as f:
        f.write(b"\xff" * 4 * BLOCK)
    return path


def block(path: str, n: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(n * BLOCK)
        return f.read(BLOCK)


def test_a_shorter_write_leaves_no_bytes_of_the_longer_one_before(volume):
    slots = DirectFile(volume)
    slots.write_block(BLOCK, b"a" * 3000)
    slots.write_block(BLOCK, b"b" * 10)
    assert block(volume, 1) == b"b" * 10 + b"\0" * (BLOCK - 10)
    assert block(volume, 0) == block(volume, 2) == b"\xff" * BLOCK


def test_each_write_finds_the_file_the_path_names_now(volume):
    slots = DirectFile(volume)
    slots.write_block(0, b"old")
    os.rename(volume, volume + ".moved")
    with pytest.raises(exceptions.StorageError, match="cannot open .* No such file"):
        slots.write_block(0, b"lost")
    with open(volume, "wb") as f:  # a new volume under the same name
        f.write(bytes(2 * BLOCK))
    slots.write_block(BLOCK, b"new")
    assert block(volume, 1).rstrip(b"\0") == b"new"
    assert block(volume + ".moved", 0).rstrip(b"\0") == b"old"


def test_write_past_the_end_and_oversize_are_refused(volume):
    slots = DirectFile(volume)
    with pytest.raises(exceptions.StorageError, match="would grow"):
        slots.write_block(4 * BLOCK, b"x")
    with pytest.raises(ValueError):
        slots.write_block(0, b"x" * (BLOCK + 1))
    with pytest.raises(ValueError, match="unaligned"):
        slots.write_block(100, b"x")
    assert os.path.getsize(volume) == 4 * BLOCK


def test_a_write_never_asks_for_the_files_times(volume, monkeypatch):
    """stat/fstat before an O_SYNC write makes the kernel (multigrain timestamps)
    journal a fine mtime with every write: the write learns the size by lseek."""
    def refuse(*args, **kwargs):
        raise AssertionError("stat called on the write path")

    monkeypatch.setattr(os, "fstat", refuse)
    monkeypatch.setattr(os, "stat", refuse)
    DirectFile(volume).write_block(2 * BLOCK, b"z")
    directio.write(volume, 3 * BLOCK, b"y" * BLOCK)
    monkeypatch.undo()
    assert block(volume, 2).rstrip(b"\0") == b"z" and block(volume, 3) == b"y" * BLOCK
