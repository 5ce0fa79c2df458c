"""F15: host id busy. Lab host 2 is configured with host 1's id (its agent
would ask its broker for id 1) while host 1 holds that id and renews it.

Host 2's sanlock daemon, with its own host name, finds the id's delta lease
written by another host: it waits 8 x io_timeout + 60 s (lab io timeout 1
-> about 70 s), reads the lease again, sees it renewed and refuses with
SANLK_HOSTID_BUSY (-262). `lock_host_id` must end in a lockspace Fault
naming that code, and the same broker must keep answering every other
verb fast while the call waits.
"""

import time

import pytest

from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.exceptions import FaultCode
from tests.brokersupport import inquire
from tests.faults import procsupport
from tests.faults.procsupport import VerbLoad, ms

pytestmark = pytest.mark.integration

HOST_ID = 1


@pytest.mark.row("F15")
@pytest.mark.timeout(300)
def test_lock_host_id_busy(shared_cluster, row):
    lab = shared_cluster(hosts=2)
    one, two = lab.hosts[1], lab.hosts[2]
    one.link(60).lock_host_id(HOST_ID)
    link = two.link(5)
    calls = dict(procsupport.status_verbs(link),
                 push_hosts_state=lambda: link.put_hosts_state_on_storage(2, [1, 2]))
    load = VerbLoad(calls, threads=2, pause=0.02)
    start = time.monotonic()
    try:
        with pytest.raises(exceptions.RequestError) as failure:
            two.link(240).lock_host_id(HOST_ID)
    finally:
        took = time.monotonic() - start
        load.stop()
        one.link(60).release_host_id()
    fault = failure.value
    during = procsupport.p99(load.all_latencies())
    row.observe(f"lock_host_id({HOST_ID}) on host 2: Fault {fault.code} after {took:.0f} s "
                f"({fault}); other verbs on that broker meanwhile: p99 {ms(during)}, max "
                f"{ms(max(load.all_latencies()))}, {load.calls} calls, "
                f"{len(load.failures)} failed")
    assert fault.code == FaultCode.LOCKSPACE
    assert "sanlock -262" in str(fault)
    assert 60 <= took <= 200
    assert inquire(two, HOST_ID, lab.lockspace_path) == "False"
    assert load.failures == []
    assert during < 0.020
