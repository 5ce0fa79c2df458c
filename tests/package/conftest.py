"""tests/package (`make package-check`, not `make check`): the .deb built by
`make deb`, installed into scratch roots only."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.packagesupport import build


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tools = ("dpkg", "dpkg-buildpackage", "lintian", "systemd-tmpfiles", "rpmbuild")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        skip = pytest.mark.skip(reason=f"needs {', '.join(missing)}: run `make package-check`")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_deb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(path of the .deb, make's output including lintian's)."""
    return build.make("deb", tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def built_rpm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rpm, _ = build.make("rpm", tmp_path_factory.mktemp("rpm"))
    return rpm


@pytest.fixture
def scratch_root(lab_base: str):
    root = Path(tempfile.mkdtemp(prefix="root", dir=lab_base))
    yield root
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(root.parent / f".{root.name}-dpkg-stubs", ignore_errors=True)
