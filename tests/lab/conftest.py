"""Fixtures for the lab's own tests: a storage domain and an in-thread simulator."""

import dataclasses
import tempfile
import threading
from pathlib import Path

import pytest
from labsupport import Domain, make_domain

from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lab.vdsm_sim.knobs import Knobs
from ovirt_hosted_engine_ha.lab.vdsm_sim.server import SimServer
from ovirt_hosted_engine_ha.lab.vdsm_sim.state import SimState

FAST = dict(acquire_delay=0.2, vm_launch_delay=0.1, vm_boot_delay=0.1, vm_shutdown_delay=0.1)


@pytest.fixture
def lab_dir(lab_base):
    return Path(tempfile.mkdtemp(prefix="l", dir=lab_base))


@pytest.fixture
def domain(lab_dir):
    return make_domain(lab_dir)


@dataclasses.dataclass
class Sim:
    server: SimServer
    state: SimState
    domain: Domain
    host_root: Path

    @property
    def ids(self) -> LabIds:
        return self.domain.ids


@pytest.fixture
def sim(domain, monkeypatch):
    """A simulator serving `domain` in a thread; OVIRT_HA_ROOT points at its host root."""
    host_root = domain.layout.root / "host1"
    state = SimState(domain.layout.storage, host_root=str(host_root), knobs=Knobs(**FAST))
    server = SimServer(host_root / "var/run/vdsm/lab-sim.sock", state)
    thread = threading.Thread(target=server.serve_forever, name="sim", daemon=True)
    thread.start()
    monkeypatch.setenv("OVIRT_HA_ROOT", str(host_root))
    try:
        yield Sim(server, state, domain, host_root)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def cli(sim):
    """A stand-in vdsm client connected to `sim`, exactly as production code connects."""
    from vdsm import client

    c = client.connect("localhost", timeout=10)
    yield c
    c.close()

