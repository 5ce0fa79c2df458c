"""The broker our .deb installs, run from a scratch root under a notify/watchdog harness."""

import pytest

from tests.brokersupport import wait_for
from tests.packagesupport import dpkgroot, expected
from tests.packagesupport.installed import InstalledDaemon, imported_from

pytestmark = pytest.mark.integration


def test_installed_broker_ready_watchdog_and_clean_sigterm(built_deb, cluster):
    deb, _ = built_deb
    lab = cluster(hosts=1, start_brokers=False)
    host = lab.hosts[1]
    root = host.root
    dpkgroot.install(root, deb)
    assert imported_from(host.layout, root) == str(root / expected.PACKAGE_DIR / "__init__.py")
    broker = InstalledDaemon(host.layout, root, "ovirt-ha-broker", root / "run/pkg-notify.sock",
                             root / "var/log/installed-broker.out")
    try:
        broker.wait_ready()
        assert isinstance(host.link(60).get_stats_from_storage(), dict)
        # WATCHDOG_USEC=1 s: a keep-alive every 0.5 s, and they keep coming
        wait_for(lambda: broker.notify.watchdogs >= 3, timeout=30)
        seen = broker.notify.watchdogs
        wait_for(lambda: broker.notify.watchdogs >= seen + 4, timeout=30)
    finally:
        status = broker.stop()
    assert status == 0, broker.output()[-4000:]
    assert broker.notify.stopping
    assert not host.socket_path.exists()
