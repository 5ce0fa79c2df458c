"""ovirt-ha-lab fill: simulated hosts' slots a real broker serves and vm-status shows."""

import json
import subprocess
import sys

import pytest

from ovirt_hosted_engine_ha.lab import fill
from ovirt_hosted_engine_ha.lib import metadata
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration


def served(host) -> dict[int, str]:
    return host.link(30).get_stats_from_storage()


def test_fill_advance_and_clear(cluster):
    lab = cluster(hosts=1)
    host = lab.hosts[1]
    host.link(120).lock_host_id(1)
    filler = fill.fill_cluster(lab, 64, restart_brokers=True)
    assert sorted(filler.hosts) == list(range(2, 65))  # host 1 is the lab's own
    stats = wait_for(lambda: (s := served(host)) and len(s) >= 63 and s, timeout=30)
    first = metadata.parse_host_slot(7, stats[7])
    assert first.hostname == "sim7.lab.example" and first.score in (0, 1800, 3400)

    result = subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli",
                             "vm-status", "--json"], env=host.env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert {str(i) for i in range(2, 65)} <= set(shown)

    before = first.host_ts
    fill.follow(filler, period=1.5, rounds=1)  # one agent cycle, timestamps move on
    wait_for(lambda: metadata.parse_host_slot(7, served(host)[7]).host_ts > before, timeout=30)

    filler.clear()
    wait_for(lambda: not set(filler.hosts) & set(served(host)), timeout=30)
