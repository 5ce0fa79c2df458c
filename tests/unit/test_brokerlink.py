"""BrokerLink and HAClient against a broker double: one bad slot, the metadata age."""

import pytest

from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lib import exceptions, metadata
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink
from tests.clientsupport import hostfiles
from tests.clientsupport.hostfiles import host_slot

host_root = hostfiles.host_root
broker = hostfiles.broker


def test_brokerlink_decodes_each_slot_alone(broker, caplog):
    broker.put_host(host_slot(1))
    broker.slots[2] = b"1|1|\xff\xfe garbage".ljust(4096, b"\0")
    broker.put_host(host_slot(3))
    link = BrokerLink(socket_path=broker.socket_path)
    for _ in range(3):
        slots = link.get_stats_from_storage()
    assert sorted(slots) == [1, 2, 3]
    assert metadata.parse_host_slot(1, slots[1]).score == 3400
    assert metadata.parse_host_slot(3, slots[3]).score == 3400
    with pytest.raises(exceptions.MalformedMetadata, match="slot 2"):
        metadata.parse_host_slot(2, slots[2])
    warnings = [r for r in caplog.records if "slot 2 is not UTF-8" in r.getMessage()]
    assert len(warnings) == 1


def test_metadata_age_from_our_broker(broker, monkeypatch):
    monkeypatch.delenv("OVIRT_HA_METADATA_STALE_SECS", raising=False)
    broker.put_host(host_slot(1))
    link = BrokerLink(socket_path=broker.socket_path)
    client = HAClient()
    assert link.get_stats_and_age()[1] is None  # an upstream broker sends no age
    client.get_all_stats()
    assert client.metadata_age is None and not client.metadata_stale()
    broker.metadata_age = 12.5
    slots, age = link.get_stats_and_age()
    assert age == 12.5 and 1 in slots
    client.get_all_stats()
    assert client.metadata_age == 12.5 and not client.metadata_stale()
    broker.metadata_age = 31.0
    client.get_all_stats()
    assert client.metadata_stale()
    monkeypatch.setenv("OVIRT_HA_METADATA_STALE_SECS", "5")
    broker.metadata_age = 6.0
    client.get_all_stats()
    assert client.metadata_stale()
