"""One slot of invalid bytes on the shared volume: agents and clients keep going.

Before: a broker that read such a slot (at its start-up full scan) served it
as read, BrokerLink decoded every slot at once, and the agent on that host
stopped publishing, cycle after cycle. Now the broker never serves a slot
that does not decode, and every other slot is served as usual.
"""

import pytest

from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lab import procs
from ovirt_hosted_engine_ha.lib import directio, metadata, unixrpc
from tests.brokersupport import SLOT, read_volume, wait_for

pytestmark = pytest.mark.integration

GARBAGE = b"1|1|\xff\xfe\x80 not text \xc3\x28".ljust(SLOT, b"\0")


def host_ts(lab, host_id: int) -> int:
    volume = read_volume(lab.metadata_path)
    return metadata.parse_host_slot(host_id, volume[host_id * SLOT:(host_id + 1) * SLOT]).host_ts


@pytest.mark.timeout(400)
def test_agents_keep_publishing_beside_an_undecodable_slot(cluster):
    lab = cluster(hosts=2, start_agents=True)
    for host_id in (1, 2):
        wait_for(lambda h=host_id: not metadata.slot_is_empty(
            read_volume(lab.metadata_path)[h * SLOT:(h + 1) * SLOT]), timeout=120, interval=1)
    directio.write(str(lab.metadata_path), 3 * SLOT, GARBAGE)
    # a broker started now reads every slot, the garbage included
    host2 = lab.hosts[2]
    host2.stop_broker()
    host2.start_broker()
    served = unixrpc.UnixXmlRpcClient(host2.socket_path, 10).get_stats()
    assert "3" not in served
    assert "Slot 3 does not decode" in host2.layout.broker_log.read_text()
    # both agents go on publishing, cycle after cycle
    for host_id in (1, 2):
        start = host_ts(lab, host_id)
        wait_for(lambda h=host_id, s=start: host_ts(lab, h) >= s + 2 * 10, timeout=150,
                 interval=1)
    for host in lab.hosts.values():
        assert procs.running(host.process("agent"))
        assert "Unexpected error in the monitoring cycle" not in host.layout.agent_log.read_text()
    # clients through the broker that read the garbage see both hosts
    stats = HAClient(socket_path=str(host2.socket_path)).get_all_stats(timeout=10)
    assert {1, 2} <= set(stats) and 3 not in stats
    assert all("metadata-error" not in stats[h] for h in (1, 2))
    assert host2.link().get_stats_from_storage().keys() >= {1, 2}
