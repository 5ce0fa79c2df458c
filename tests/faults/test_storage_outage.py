"""F16: lockspace and metadata I/O blocked for longer than 8 x io_timeout.

2 hosts with agents, storage through faultfs (file and block domains).
Every read and write of the lockspace and metadata volumes is held; the
sanlock daemons lose their host ids (io timeout 1 in the lab: renewal
fails after 8 s). Then I/O returns: the brokers re-acquire the ids and the
agents publish again. Figure: seconds from I/O return to the first
durable publish (the agent's slot on disk from a cycle that started after
the I/O returned).
"""

import threading
import time

import pytest

from ovirt_hosted_engine_ha.lab import errors, sanlockd
from ovirt_hosted_engine_ha.lib import metadata
from tests.brokersupport import wait_for
from tests.faults.storagesupport import DOMAINS, real_slot, storage_lab

pytestmark = pytest.mark.integration

MIN_OUTAGE = 10.0      # > 8 x io_timeout (1 s in the lab)
LOST_MARK = "was lost from the lockspace"


def held_id(lab, host_id: int) -> int | None:
    try:
        return sanlockd.lockspace_view(lab.hosts[host_id].layout).host_id
    except errors.LabDetailError:
        return None      # the daemon did not answer in time: not known to be held


def published_ts(lab, host_id: int) -> int | None:
    data = real_slot(lab, host_id)
    if metadata.slot_is_empty(data):
        return None
    try:
        return metadata.parse_host_slot(host_id, data).host_ts
    except Exception:
        return None


@pytest.mark.row("F16")
@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.timeout(240)
def test_storage_outage(shared_cluster, row, domain):
    lab = storage_lab(shared_cluster, domain, agents=True)
    hosts = sorted(lab.hosts)
    wait_for(lambda: all(held_id(lab, k) == k and published_ts(lab, k) for k in hosts),
             timeout=60, interval=0.5)
    logs = {k: lab.hosts[k].layout.broker_log for k in hosts}
    marks = {k: logs[k].read_text().count(LOST_MARK) for k in hosts}
    faults = lab.storage_faults
    faults.hang(path=lab.lockspace_path)
    faults.hang(path=lab.metadata_path)
    blocked = time.monotonic()
    try:
        wait_for(lambda: all(held_id(lab, k) is None for k in hosts), timeout=45, interval=0.5)
        lost_after = time.monotonic() - blocked
        time.sleep(max(0.0, MIN_OUTAGE - lost_after))
    finally:
        faults.heal()
    returned = time.monotonic()   # the agents' timestamps are this clock's seconds
    outage = returned - blocked
    reacquired: dict[int, float] = {}
    published: dict[int, float] = {}

    def watch_ids() -> None:     # `sanlock client gets` may take seconds while ids are added
        while len(reacquired) < len(hosts) and time.monotonic() - returned < 90:
            for k in hosts:
                if k not in reacquired and held_id(lab, k) == k:
                    reacquired[k] = time.monotonic() - returned
            time.sleep(0.2)

    watcher = threading.Thread(target=watch_ids, daemon=True)
    watcher.start()

    def republished() -> bool:
        for k in hosts:
            ts = published_ts(lab, k)    # a cycle that started after the I/O returned
            if k not in published and ts is not None and ts >= int(returned):
                published[k] = time.monotonic() - returned
        return len(published) == len(hosts)

    wait_for(republished, timeout=90, interval=0.1)
    watcher.join(90)
    reported = {k: logs[k].read_text().count(LOST_MARK) > marks[k] for k in hosts}
    row.observe(
        f"{domain}: I/O held {outage:.1f} s; ids lost {lost_after:.1f} s in "
        f"(reported by {sum(reported.values())} of {len(hosts)} brokers); after I/O returned: "
        "ids re-acquired in " + ", ".join(f"{reacquired[k]:.1f}" for k in hosts) + " s, "
        "first durable publish after " + ", ".join(f"{published[k]:.1f}" for k in hosts) + " s")
    assert all(reported.values()), reported
    assert all(h.broker_pid and h.agent_pid for h in lab.hosts.values())
