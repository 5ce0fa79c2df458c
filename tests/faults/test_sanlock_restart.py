"""F14: the host's sanlock daemon killed and started again under a writing broker.

The lab's daemons run with ``-w 0`` (no watchdog reset of the machine).
While the daemon is away, and until the broker's status thread has joined
the lockspace again, every own-slot write must be refused (Fault code 6,
the lockspace), nothing written; the id comes back by itself.
"""

import threading
import time

import pytest

from ovirt_hosted_engine_ha.lib import exceptions, metadata
from tests.brokersupport import SLOT, host_slot, inquire, wait_for

pytestmark = pytest.mark.integration

DOWN_SECONDS = 5.0


class Writer(threading.Thread):
    """put_stats of slot 1 with a rising timestamp, as fast as the broker answers."""

    def __init__(self, link) -> None:
        super().__init__(name="slot-writer", daemon=True)
        self.link = link
        self.stop = threading.Event()
        self.results: list[tuple[float, int, int | None]] = []  # (time, ts, fault code)

    def run(self) -> None:
        ts = 1000
        while not self.stop.is_set():
            ts += 1
            try:
                self.link.put_stats_on_storage(1, host_slot(1, ts=ts))
                code = None
            except exceptions.RequestError as e:
                code = e.code
            self.results.append((time.monotonic(), ts, code))
            self.stop.wait(0.1)


def slot_ts(lab) -> int:
    with open(lab.metadata_path, "rb") as f:
        f.seek(SLOT)
        return metadata.parse_host_slot(1, f.read(SLOT)).host_ts


@pytest.mark.row("F14")
@pytest.mark.timeout(240)
def test_sanlock_daemon_killed_and_restarted(cluster, row):
    lab = cluster(hosts=1)
    host = lab.hosts[1]
    host.link(60).lock_host_id(1)
    writer = Writer(host.link(30))
    writer.start()
    try:
        wait_for(lambda: any(code is None for _, _, code in writer.results), timeout=30)
        killed = time.monotonic()
        host.kill_sanlock()
        wait_for(lambda: any(t > killed and code for t, _, code in writer.results), timeout=30)
        on_disk_while_down = slot_ts(lab)
        time.sleep(DOWN_SECONDS)  # the outage itself, not a readiness wait
        assert slot_ts(lab) == on_disk_while_down
        restarted = time.monotonic()
        host.start_sanlock()
        wait_for(lambda: any(t > restarted and code is None for t, _, code in writer.results),
                 timeout=120, interval=0.2)
    finally:
        writer.stop.set()
        writer.join(30)
    back = next(t for t, _, code in writer.results if t > restarted and code is None)
    before = [r for r in writer.results if r[0] < killed and r[2] is None]
    unheld = [r for r in writer.results if killed < r[0] < back]
    last_acked_before = before[-1][1]
    acked_unheld = [r for r in unheld if r[2] is None]
    codes = {code for _, _, code in unheld}
    assert unheld and not acked_unheld
    assert codes == {exceptions.FaultCode.LOCKSPACE}
    assert on_disk_while_down <= last_acked_before + 1  # at most the in-flight write
    assert inquire(host, 1, lab.lockspace_path) == "True"
    log = host.layout.broker_log.read_text()
    tracebacks = log.count("Traceback")
    lockspace_lines = [line for line in log.splitlines()
                       if "Cannot ask sanlock" in line or "was lost from the lockspace" in line]
    assert tracebacks == 0
    assert "Host id 1 was lost from the lockspace; re-acquiring" in log
    assert sum("Cannot ask sanlock" in line and "repeated" not in line
               for line in lockspace_lines) == 1
    row.observe(f"id re-acquired {back - restarted:.1f} s after the daemon restart "
                f"({back - killed:.1f} s after the kill); {len(unheld)} own-slot writes "
                f"refused while unheld (Fault code 6), 0 written; broker log: "
                f"{len(lockspace_lines)} lockspace lines, {tracebacks} tracebacks")
