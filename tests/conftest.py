"""Fixtures every test directory may use.

- ``vdsm`` imports resolve to the lab's stand-in (`lab/vdsm_standin`), as
  in the processes the lab starts; it forwards calls to the simulator named
  by ``$OVIRT_HA_ROOT/var/run/vdsm/lab-sim.sock``.
- `lab_base` (session): a fresh directory on disk-backed storage, under
  ``$OVIRT_HA_TEST_DIR`` (default /var/tmp/ovirt-ha-tests); never tmpfs.
- `cluster` (function): factory ``cluster(hosts=2, sector=512, **kw)`` ->
  a running `lab.cluster.Cluster`, always taken down after the test.
- `shared_cluster` (module): same factory, but one cluster per argument set
  for the whole module; tests using it must leave it as they found it.
- At the end of the session every process group the lab started in this
  process and still alive is killed (and named in the summary). Each
  session dir holds ``owner.json`` (this pytest process) and ``procs.jsonl``
  (every process started); a later session kills what an earlier one,
  since dead (e.g. SIGKILLed), left running, and removes its dir. Sessions
  still running are left alone.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ovirt_hosted_engine_ha.lab import errors, fsprobe, procs, sessions, standin  # noqa: E402
from ovirt_hosted_engine_ha.lab.cluster import Cluster  # noqa: E402

if str(standin.STANDIN_DIR) not in sys.path:
    sys.path.insert(0, str(standin.STANDIN_DIR))

TEST_DIR_ENV = "OVIRT_HA_TEST_DIR"
DEFAULT_TEST_DIR = "/var/tmp/ovirt-ha-tests"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: starts real sanlock daemons, brokers and vdsm simulators")


def check_test_dir(base: str) -> None:
    """Raise LabError unless `base` is a usable disk-backed directory."""
    os.makedirs(base, exist_ok=True)
    fsprobe.check_disk_backed(base)


@pytest.fixture(scope="session")
def lab_base() -> str:
    base = os.environ.get(TEST_DIR_ENV) or DEFAULT_TEST_DIR
    try:
        check_test_dir(base)
    except (errors.LabError, OSError) as e:
        pytest.exit(f"{TEST_DIR_ENV}={base} cannot hold test storage: {e}", returncode=4)
    killed = sessions.sweep(base, "s*")
    if killed:
        print(f"\nkilled lab processes left by dead test sessions: {', '.join(killed)}")
    path = tempfile.mkdtemp(prefix="s", dir=base)
    sessions.claim(path, "pytest")
    yield path
    sessions.release()
    shutil.rmtree(path, ignore_errors=True)


class _Factory:
    def __init__(self, base: str, shared: bool) -> None:
        self._base = base
        self._shared = shared
        self._made: dict[object, Cluster] = {}

    def __call__(self, hosts: int = 2, sector: int = 512, **kwargs: object) -> Cluster:
        key = (hosts, sector, tuple(sorted(kwargs.items(), key=str))) if self._shared else object()
        if key not in self._made:
            root = tempfile.mkdtemp(prefix="c", dir=self._base)
            self._made[key] = Cluster.up(root, hosts=hosts, sector=sector, **kwargs)  # type: ignore[arg-type]
        return self._made[key]

    def teardown(self) -> None:
        failures = []
        for cluster in self._made.values():
            try:
                cluster.down()
            except errors.LabError as e:
                failures.append(str(e))
        if failures:
            raise AssertionError("; ".join(failures))


@pytest.fixture
def cluster(lab_base: str):
    factory = _Factory(lab_base, shared=False)
    yield factory
    factory.teardown()


@pytest.fixture(scope="module")
def shared_cluster(lab_base: str):
    factory = _Factory(lab_base, shared=True)
    yield factory
    factory.teardown()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    killed = procs.kill_leftovers()
    if killed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "lab processes left running were killed: " + ", ".join(killed)
        if reporter is not None:
            reporter.write_line(message, yellow=True)
        else:
            print(message, file=sys.stderr)
