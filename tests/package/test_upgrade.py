"""In place, on a host of a running cluster: upstream 2.5.2 -> our .deb -> back.

Host 2 of a 2-host lab gets upstream's files (packagesupport/upstream_host);
its lab broker stands in for upstream's while host 1 keeps running. Our
package is installed over it with dpkg (scratch root only), the
configuration stays byte for byte, our installed broker and agent start
from that root, each in its unit's sandbox where this machine allows
(packagesupport/sandbox.py), and join (the peer sees host 2's slot, host 2
the peer's);
then `dpkg --remove` and the backup put upstream's files back and the old
broker serves again.
"""

import tempfile
from pathlib import Path

import pytest

from tests.brokersupport import host_slot, wait_for
from tests.packagesupport import dpkgroot, expected, sandbox, upstream_host
from tests.packagesupport.installed import InstalledDaemon

pytestmark = pytest.mark.integration

# Upstream's broker-log.conf names /var/log/ovirt-hosted-engine-ha/broker.log
# absolutely; with that directory absent here, our broker reports the file
# unusable and logs to stderr only, leaving this machine untouched.
REAL_LOG_DIR = Path("/var/log/ovirt-hosted-engine-ha")


def slot_has(link, host_id: int, text: str) -> bool:
    stats = link.get_stats_from_storage()
    return host_id in stats and text in stats[host_id]


def in_sandbox(lab, root: Path, name: str):
    """Run the installed daemon in its unit's sandbox where this machine allows it."""
    if not sandbox.available():
        return None
    unit = root / expected.UNITS / f"{name}.service"
    return lambda argv: sandbox.wrap(argv, unit, root, [lab.layout.storage])


def run_installed_agent(lab, root: Path, peer) -> None:
    """Our agent publishes host 2's state through our broker; peers see it."""
    test_slot = peer.get_stats_from_storage()[2]
    agent = InstalledDaemon(lab.hosts[2].layout, root, "ovirt-ha-agent",
                            root / "run/pkg-agent.sock", root / "var/log/installed-agent.out",
                            wrap=in_sandbox(lab, root, "ovirt-ha-agent"))
    try:
        agent.wait_ready(120)
        wait_for(lambda: slot_has(peer, 2, "state=") and
                 peer.get_stats_from_storage()[2] != test_slot, timeout=60)
    finally:
        status = agent.stop()
    assert status == 0, agent.output()[-4000:]


def run_installed_daemons_and_join(lab, root: Path) -> None:
    host1, host2 = lab.hosts[1], lab.hosts[2]
    broker = InstalledDaemon(host2.layout, root, "ovirt-ha-broker",
                             root / "run/pkg-notify.sock", root / "var/log/installed-broker.out",
                             wrap=in_sandbox(lab, root, "ovirt-ha-broker"))
    try:
        broker.wait_ready()
        ours, peer = host2.link(60), host1.link(60)
        ours.lock_host_id(2)
        ours.put_stats_on_storage(2, host_slot(2, ts=4242))
        peer.lock_host_id(1)
        peer.put_stats_on_storage(1, host_slot(1, ts=7777))
        wait_for(lambda: slot_has(peer, 2, "timestamp=4242"), timeout=30)
        wait_for(lambda: slot_has(ours, 1, "timestamp=7777"), timeout=30)
        run_installed_agent(lab, root, peer)
    finally:
        status = broker.stop()
    out = broker.output()
    assert status == 0, out[-4000:]
    assert "cannot use logging configuration" in out  # upstream's, kept


@pytest.mark.timeout(240)
def test_upgrade_from_upstream_joins_cluster_then_rolls_back(built_deb, cluster, lab_base):
    if REAL_LOG_DIR.exists():
        pytest.skip(f"{REAL_LOG_DIR} exists on this machine: upstream's broker-log.conf "
                    "would make the test broker write there")
    deb, _ = built_deb
    lab = cluster(hosts=2)
    host1, host2 = lab.hosts[1], lab.hosts[2]
    peer_pid = host1.broker_pid
    root = host2.root
    upstream_host.lay_out(root)
    before = upstream_host.snapshot(root, upstream_host.KEPT + upstream_host.BACKUP)
    archive = Path(tempfile.mkdtemp(dir=lab_base)) / "upstream-2.5.2.tar"
    upstream_host.backup(root, archive)

    host2.stop_broker()  # as the upgrade stops upstream's broker
    dpkgroot.install(root, deb)
    kept = upstream_host.snapshot(root, upstream_host.KEPT)
    old = {rel: v for rel, v in before.items() if rel.startswith(upstream_host.KEPT)}
    assert {rel: kept.get(rel) for rel in old} == old
    # ours, offered beside the administrator's (dpkg's "keep your version")
    assert set(kept) - set(old) == {f"/{rel}.dpkg-dist".lstrip("/")
                                    for rel in expected.CONFFILES if "logrotate" not in rel}
    assert "broker.daemon" in (root / expected.LIBEXEC / "ovirt-ha-broker").read_text()
    assert "Type=notify" in (root / "usr/lib/systemd/system/ovirt-ha-broker.service").read_text()

    run_installed_daemons_and_join(lab, root)
    assert host1.broker_pid == peer_pid  # the other host kept running

    dpkgroot.remove(root)
    upstream_host.restore(root, archive)
    restored = upstream_host.snapshot(root, upstream_host.KEPT + upstream_host.BACKUP)
    # runtime copies of what the shared storage holds: our broker refreshed them
    # (vm.conf from the OVF_STORE, the shared hosted-engine.conf from the
    # configuration volume), as upstream's agent does; type and mode are kept
    runtime = {"run/ovirt-hosted-engine-ha/vm.conf",
               "var/lib/ovirt-hosted-engine-ha/hosted-engine.conf"}
    for rel in runtime & set(before):
        assert restored.pop(rel)[:2] == before[rel][:2], rel
    assert restored == {rel: v for rel, v in before.items() if rel not in runtime}
    assert not (root / expected.PACKAGE_DIR).exists()
    assert not (root / "etc/logrotate.d/ovirt-hosted-engine-ha").exists()
    host2.start_broker()  # the old broker, on the restored files
    wait_for(lambda: slot_has(host2.link(60), 1, "timestamp=7777"), timeout=30)
    assert host1.broker_pid == peer_pid
    assert not REAL_LOG_DIR.exists()
