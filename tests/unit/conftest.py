import shutil
import tempfile

import pytest


@pytest.fixture
def disk_tmp(lab_base):
    """A fresh directory on disk-backed storage (O_DIRECT behaves as on real storage)."""
    path = tempfile.mkdtemp(prefix="u-", dir=lab_base)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def served():
    """A BrokerServer with small handlers on a real socket: (server, context)."""
    from tests.unit.serversupport import serving

    with serving() as pair:
        yield pair
