import os

import pytest

from ovirt_hosted_engine_ha.broker.storage_broker import SLOT, StorageBroker, runs
from ovirt_hosted_engine_ha.lib import directio, exceptions
from ovirt_hosted_engine_ha.lib.storage_backends import PreparedStorage


def test_runs():
    assert runs([3, 0, 1, 2, 7, 9, 8]) == [(0, 4), (7, 3)]
    assert runs([]) == []
    assert runs(range(300)) == [(0, 256), (256, 44)]


@pytest.fixture
def storage(disk_tmp):
    path = os.path.join(disk_tmp, "metadata")
    with open(path, "wb") as f:
        f.truncate(2001 * SLOT)
    return StorageBroker(PreparedStorage(disk_tmp, 512, path, os.path.join(disk_tmp, "ls")))


def test_write_then_read(storage):
    storage.write_slot(3, b"hello")
    slots = storage.read_slots([0, 3])
    assert slots[3] == b"hello".ljust(SLOT, b"\0")
    assert slots[0] == b"\0" * SLOT
    assert storage.read_all()[3] == slots[3]
    assert storage.bytes_read == 2 * SLOT + 2001 * SLOT


def test_write_beyond_end_refused(disk_tmp):
    path = os.path.join(disk_tmp, "short")
    with open(path, "wb") as f:
        f.truncate(100 * 1024)
    storage = StorageBroker(PreparedStorage(disk_tmp, 512, path, path))
    with pytest.raises(exceptions.StorageError, match="would grow"):
        storage.write_slot(30, b"x")
    assert os.path.getsize(path) == 100 * 1024
    assert storage.read_slots([30])[30] == b"\0" * SLOT  # past EOF reads as empty


def test_missing_volume_is_storage_error(disk_tmp):
    storage = StorageBroker(PreparedStorage(disk_tmp, 512, os.path.join(disk_tmp, "gone"), ""))
    with pytest.raises(exceptions.StorageError, match="cannot open"):
        storage.read_slots([0])


def test_directio_refuses_unaligned(disk_tmp):
    with pytest.raises(ValueError):
        directio.read(os.path.join(disk_tmp, "x"), 1, 4096)


def test_check_directory_accepts_disk(disk_tmp):
    directio.check_directory(disk_tmp)


def test_check_directory_refuses_tmpfs():
    if directio.filesystem_type("/dev/shm") != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm")
    with pytest.raises(exceptions.DirectIONotSupported, match="tmpfs"):
        directio.check_directory("/dev/shm")
