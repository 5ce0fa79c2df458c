"""Metadata staleness end to end: broker header and log, BrokerLink, HAClient, vm-status.

The metadata volume is moved away (reads fail), with the stale bound
shortened to 3 s through OVIRT_HA_METADATA_STALE_SECS.
"""

import json
import subprocess
import sys

import pytest

from ovirt_hosted_engine_ha.client.client import HAClient
from tests.brokersupport import host_slot, wait_for

pytestmark = pytest.mark.integration

STALE_SECS = "3"


def vm_status(host, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli",
                           "vm-status", *args], env=host.env, capture_output=True, text=True,
                          timeout=60, check=True).stdout


def test_stale_metadata_is_told_to_clients_and_logged_once(cluster, monkeypatch):
    monkeypatch.setenv("OVIRT_HA_METADATA_STALE_SECS", STALE_SECS)
    lab = cluster(hosts=1)
    host = lab.hosts[1]
    link = host.link(30)
    link.lock_host_id(1)
    link.put_stats_on_storage(1, host_slot(1))
    assert link.get_stats_and_age()[1] < 3
    assert "Metadata is stale" not in vm_status(host)
    moved = lab.metadata_path.with_name("moved-away")
    lab.metadata_path.rename(moved)
    try:
        wait_for(lambda: link.get_stats_and_age()[1] > 4, timeout=60)
        slots, age = link.get_stats_and_age()
        assert 1 in slots  # the last good data is still served
        client = HAClient(socket_path=str(host.socket_path))
        client.get_all_stats(timeout=10)
        assert client.metadata_stale()
        text = vm_status(host)
        assert text.startswith("!! Metadata is stale: the broker's last good read of the "
                               "shared storage was ")
        as_json = json.loads(vm_status(host, "--json"))
        assert as_json["metadata_stale"] is True and as_json["metadata_age"] > 3
        assert "1" in as_json
    finally:
        moved.rename(lab.metadata_path)
    wait_for(lambda: link.get_stats_and_age()[1] < 3, timeout=60)
    assert "Metadata is stale" not in vm_status(host)
    log = host.layout.broker_log.read_text()
    stale_lines = [line for line in log.splitlines()
                   if "Metadata is stale" in line and "repeated" not in line]
    assert len(stale_lines) == 1
    assert "Metadata fresh again" in log
    assert log.count("Reading metadata failed") <= 2  # the condition, then its summary
