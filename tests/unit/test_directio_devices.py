"""lib/directio on what is not a regular file, and the errno in its messages."""

import errno
import os

from ovirt_hosted_engine_ha.lib import directio


def test_regular_file_sized_by_st_size(disk_tmp):
    path = os.path.join(disk_tmp, "vol")
    with open(path, "wb") as f:
        f.truncate(3 * 4096)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert directio.size_of(fd) == 3 * 4096
    finally:
        os.close(fd)
    assert not directio.is_block_device(path)
    assert not directio.is_block_device(os.path.join(disk_tmp, "missing"))


def test_errno_named_in_messages():
    assert directio.why(OSError(errno.EIO, os.strerror(errno.EIO))) == \
        "Input/output error (EIO)"
    assert directio.why(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))).endswith("(ENOSPC)")
