"""F26: the storage-domain monitor reports "False" through the real socket.

A lab host with its agent; `degrade storage` makes the host's vdsm
simulator report the hosted-engine domain invalid (repoStats valid=False,
as vdsm does when the domain's monitor fails). The broker's
storage-domain monitor answers "False" over the socket, and the agent must
treat that as invalid storage: it says so in its log and stops publishing
its slot (upstream's truthiness test passed the string "False"). After
`restore` it publishes again.
"""

import time

import pytest

from ovirt_hosted_engine_ha.lab import agentproc
from ovirt_hosted_engine_ha.lib import metadata
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

CYCLE = 10  # the agent's loop period (seconds)
INVALID = "reports the hosted-engine storage domain invalid"


def host_ts(host) -> int | None:
    data = host.link().get_stats_from_storage().get(host.id)
    return metadata.parse_host_slot(host.id, data).host_ts if data else None


@pytest.mark.row("F26")
@pytest.mark.timeout(240)
def test_storage_domain_false_makes_agent_stop_publishing(shared_cluster, row):
    if not agentproc.available():
        pytest.skip(f"the HA agent is not installed ({agentproc.MAIN})")
    lab = shared_cluster(hosts=1, start_agents=True)
    host = lab.hosts[1]
    link = host.link()
    log = host.layout.agent_log
    # publishing, with the monitor's verdict "True"
    first = wait_for(lambda: host_ts(host), 60, 0.5)
    wait_for(lambda: (host_ts(host) or 0) > first, 3 * CYCLE, 0.5)
    assert link.get_monitor_status("storage-domain") == "True"
    logged_before = log.read_text(errors="replace").count(INVALID)

    start = time.monotonic()
    host.degrade("storage")
    try:
        wait_for(lambda: link.get_monitor_status("storage-domain") == "False", 60, 0.2)
        to_false = time.monotonic() - start
        wait_for(lambda: log.read_text(errors="replace").count(INVALID) > logged_before,
                 3 * CYCLE, 0.2)
        to_agent = time.monotonic() - start
        frozen = host_ts(host)
        time.sleep(CYCLE + 3)
        still = host_ts(host)
    finally:
        host.restore()
    restored = time.monotonic()
    wait_for(lambda: (host_ts(host) or 0) > (still or 0), 3 * CYCLE, 0.5)
    resumed = time.monotonic() - restored
    row.observe(f"monitor answered \"False\" {to_false:.1f} s after the domain went invalid; "
                f"agent logged invalid storage after {to_agent:.1f} s and stopped publishing "
                f"(slot timestamp {frozen} unchanged for {CYCLE + 3} s); publishing again "
                f"{resumed:.1f} s after restore")
    assert still == frozen
