"""A host root for client tests: OVIRT_HA_ROOT, hosted-engine.conf, ha.conf, a fake broker.

Bind the fixtures in a test module (``host_root = hostfiles.host_root``).
The root is a short directory under /tmp so that the broker socket path
stays within the unix socket limit.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.env import constants, paths
from ovirt_hosted_engine_ha.lib.metadata import HostSlot

from .fake_broker import FakeBroker

ENGINE_UP = '{"vm": "up", "health": "good", "detail": "Up"}'
ENGINE_DOWN = ('{"vm": "down", "health": "bad", "detail": "unknown", '
               '"reason": "vm not running on this host"}')


class HostRoot:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, host_path: str) -> Path:
        p = self.root.joinpath(*Path(host_path).parts[1:])
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def write_he_conf(self, **values: object) -> Path:
        path = self.path(constants.ENGINE_SETUP_CONF_FILE)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        return path

    def write_ha_conf(self, text: str = "local_maintenance=False\n"
                      "local_maintenance_manual=False\n") -> Path:
        path = self.path(constants.HA_AGENT_CONF_FILE)
        path.write_text(text)
        return path

    def ha_conf(self) -> str:
        return self.path(constants.HA_AGENT_CONF_FILE).read_text()

    @property
    def socket_path(self) -> str:
        return str(self.path(constants.BROKER_SOCKET_FILE))


@pytest.fixture
def host_root(monkeypatch):
    root = Path(tempfile.mkdtemp(prefix="hac-", dir="/tmp"))
    monkeypatch.setenv(paths.ROOT_ENV, str(root))
    host = HostRoot(root)
    host.write_he_conf(host_id=1, fqdn="engine.example.com", vmid="vm-1", configured="True")
    host.write_ha_conf()
    try:
        yield host
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def broker(host_root):
    fake = FakeBroker(host_root.socket_path)
    try:
        yield fake
    finally:
        fake.close()


def host_slot(host_id: int, **changes: object) -> HostSlot:
    values: dict = dict(host_id=host_id, host_ts=1000 + host_id, score=3400,
                        engine_status=ENGINE_DOWN, hostname=f"host{host_id}.example.com",
                        local_conf_timestamp=900)
    values.update(changes)
    return HostSlot(**values)


def run_cli(capsys, *argv):
    """ovirt-ha-client in this process: (exit code, stdout, stderr)."""
    from ovirt_hosted_engine_ha.client import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
