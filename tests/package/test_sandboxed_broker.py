"""The installed broker inside an approximation of its unit's sandbox
(packagesupport/sandbox.py): read-only system but the unit's writable
paths, no new privileges, the unit's capability bounding set."""

import subprocess

import pytest

from tests.brokersupport import host_slot, wait_for
from tests.packagesupport import dpkgroot, expected, sandbox
from tests.packagesupport.installed import InstalledDaemon

pytestmark = pytest.mark.integration


@pytest.fixture
def sandboxed_host(built_deb, cluster):
    if not sandbox.available():
        pytest.skip("no private mount namespaces here (unshare --mount)")
    lab = cluster(hosts=1, start_brokers=False)
    host = lab.hosts[1]
    dpkgroot.install(host.root, built_deb[0])
    unit = host.root / expected.UNITS / "ovirt-ha-broker.service"
    return host, lambda argv: sandbox.wrap(argv, unit, host.root, [lab.layout.storage])


def test_sandbox_is_read_only_but_for_the_units_paths(sandboxed_host):
    host, wrap = sandboxed_host
    root = host.root
    probe = ("touch {ok}/probe && rm {ok}/probe && ! touch {ro}/probe 2>/dev/null && "
             "grep -q '^CapBnd:.*00002002$' /proc/self/status")
    script = probe.format(ok=root / expected.STATE, ro=root / "etc")
    result = subprocess.run(wrap(["sh", "-c", script]), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert not (root / "etc/probe").exists()


def test_installed_broker_serves_in_its_units_sandbox(sandboxed_host):
    host, wrap = sandboxed_host
    root = host.root
    broker = InstalledDaemon(host.layout, root, "ovirt-ha-broker", root / "run/pkg-notify.sock",
                             root / "var/log/sandboxed-broker.out", wrap=wrap)
    try:
        broker.wait_ready()
        link = host.link(60)
        link.lock_host_id(1)  # sanlock's socket, on a read-only mount
        link.put_stats_on_storage(1, host_slot(1, ts=31337))  # O_DIRECT write to storage
        wait_for(lambda: "timestamp=31337" in link.get_stats_from_storage().get(1, ""),
                 timeout=30)
        seen = broker.notify.watchdogs
        wait_for(lambda: broker.notify.watchdogs >= seen + 3, timeout=30)
    finally:
        status = broker.stop()
    assert status == 0, broker.output()[-4000:]
    assert "Released host id host_id=1" in broker.output()
