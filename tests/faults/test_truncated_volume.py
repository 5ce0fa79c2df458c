"""F07: the metadata file truncated under running brokers."""

import os
import time

import pytest

from ovirt_hosted_engine_ha.lab import procs
from ovirt_hosted_engine_ha.lib import exceptions
from tests.brokersupport import host_slot, wait_for

pytestmark = pytest.mark.integration

TRUNCATED = 100 * 1024  # slots 0..24 remain
READ_CYCLE = 30


@pytest.mark.row("F07")
def test_truncated_metadata_file(cluster, row):
    lab = cluster(hosts=2)
    one, two = lab.hosts[1].link(60), lab.hosts[2].link(60)
    one.lock_host_id(1)
    two.lock_host_id(2)
    one.put_stats_on_storage(1, host_slot(1))
    one.put_stats_on_storage(40, host_slot(40))  # a slot beyond the cut
    assert 40 in one.get_stats_from_storage()
    os.truncate(lab.metadata_path, TRUNCATED)
    cut = time.monotonic()
    wait_for(lambda: 40 not in one.get_stats_from_storage(), timeout=READ_CYCLE, interval=0.2)
    gone_after = time.monotonic() - cut
    refused = 0
    for link, slot in ((one, 40), (one, 30), (two, 25), (two, 2000)):
        with pytest.raises(exceptions.RequestError) as e:
            link.put_stats_on_storage(slot, host_slot(1))
        assert e.value.code == exceptions.FaultCode.STORAGE
        assert "would grow" in str(e.value)
        refused += 1
    size = lab.metadata_path.stat().st_size
    assert size == TRUNCATED
    # the slots before the cut still work, and both brokers serve
    one.put_stats_on_storage(1, host_slot(1, ts=200))
    two.put_stats_on_storage(2, host_slot(2, ts=200))
    wait_for(lambda: 2 in one.get_stats_from_storage() and 1 in two.get_stats_from_storage(),
             timeout=READ_CYCLE)
    assert all(procs.running(h.process("broker")) for h in lab.hosts.values())
    row.observe(f"slot past EOF gone from get_stats after {gone_after:.1f} s; writes past EOF "
                f"refused {refused}/{refused} (Fault code 4); file size {size} bytes "
                f"(unchanged); slots before the cut served and written; brokers up")
