"""A put_stats writer process for K01 (started with multiprocessing "spawn").

Writes `host_slot(slot, ts=seq)` with seq = 1, 2, 3 ... to one slot, one
call at a time, forever (until `stop`), whatever the broker does: a call
that fails (broker killed, restarting, id not held yet) is counted and the
next call carries the next seq. Shared state, per writer index `i`:
`acked[i]` = the last seq the broker acknowledged, `failed[i]` = failed calls.
"""

import time


def run(socket_path: str, slot: int, i: int, acked, failed, stop) -> None:  # noqa: ANN001
    from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink
    from tests.brokersupport import host_slot

    link = BrokerLink(timeout=10, socket_path=socket_path)
    seq = 0
    while not stop.is_set():
        seq += 1
        try:
            link.put_stats_on_storage(slot, host_slot(slot, ts=seq, score=seq % 3401))
        except Exception:
            with failed.get_lock():
                failed[i] += 1
            time.sleep(0.005)
            continue
        acked[i] = seq
