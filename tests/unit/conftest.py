import shutil
import tempfile

import pytest


@pytest.fixture
def disk_tmp(lab_base):
    """A fresh directory on disk-backed storage (O_DIRECT behaves as on real storage)."""
    path = tempfile.mkdtemp(prefix="u-", dir=lab_base)
    yield path
    shutil.rmtree(path, ignore_errors=True)
