"""DirectReader: a seekable file over aligned O_DIRECT chunks."""

import io
import os
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.directio_reader import DirectReader, ReadLimitExceeded


@pytest.fixture
def data_file(disk_tmp):
    path = Path(disk_tmp) / "volume"
    data = os.urandom(3 * 4096 + 100)
    path.write_bytes(data)
    return path, data


def test_reads_and_seeks_like_a_file(data_file):
    path, data = data_file
    with DirectReader(path, chunk=4096) as f:
        assert f.size == len(data)
        assert f.read(10) == data[:10]
        f.seek(4090)
        assert f.read(20) == data[4090:4110]           # across two chunks
        assert f.seek(-50, io.SEEK_END) == len(data) - 50
        assert f.read() == data[-50:]                  # stops at the end, not the chunk
        assert f.read(10) == b""
        f.seek(0)
        assert f.read() == data
        assert f.tell() == len(data)
        with pytest.raises(OSError):
            f.seek(-1)


def test_the_limit_bounds_what_is_read_from_storage(data_file):
    path, data = data_file
    with DirectReader(path, limit=8192, chunk=4096) as f:
        assert f.read(8192) == data[:8192]
        assert f.bytes_read == 8192
        with pytest.raises(ReadLimitExceeded, match="beyond 8192 bytes"):
            f.read(1)


def test_a_missing_volume_and_a_bad_chunk(tmp_path):
    with pytest.raises(exceptions.StorageError, match="cannot open"):
        DirectReader(tmp_path / "missing")
    with pytest.raises(ValueError):
        DirectReader(tmp_path, chunk=1000)
