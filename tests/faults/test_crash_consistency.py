"""K01: 200 kill -9 of the broker in the middle of put_stats storms.

Writer processes (one per slot, `slotwriter_proc`) hammer put_stats
through the socket for the whole test, across every restart. Each cycle:
start the broker (READY=1), take the host id, let every writer get at least
one acknowledgement, wait a random moment, SIGKILL the broker, then read the
volume with O_DIRECT as any other host would:
- torn: a slot whose checksum fails, or whose 4096 bytes are not exactly
  the image of one complete payload;
- lost: a slot holding a sequence number older than the last one its
  writer saw acknowledged (newer is fine: a write may land and the broker
  die before answering).
"""

import multiprocessing
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from ovirt_hosted_engine_ha.lab.notify import NotifyListener
from ovirt_hosted_engine_ha.lib import directio, metadata
from tests.brokersupport import SLOT, host_slot
from tests.faults import slotwriter_proc
from tests.faults.procsupport import BROKER
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

KILLS = int(os.environ.get("OVIRT_HA_K01_KILLS", "200"))
SLOTS = (1, 2, 3, 4)
HOST_ID = 1


def expected_image(slot: int, seq: int) -> bytes:
    return host_slot(slot, ts=seq, score=seq % 3401).encode().ljust(SLOT, b"\0")


def check_volume(path: str, acked: list[int]) -> tuple[list[str], list[str], list[int]]:
    """(torn, lost, seqs on disk) for the writers' slots."""
    volume = directio.read(path, 0, (max(SLOTS) + 1) * SLOT)
    torn, lost, seqs = [], [], []
    for i, slot in enumerate(SLOTS):
        image = volume[slot * SLOT:(slot + 1) * SLOT]
        if not image[0]:
            seqs.append(0)
        elif not metadata.slot_checksum_ok(slot, image):
            torn.append(f"slot {slot}: checksum")
            seqs.append(-1)
            continue
        else:
            seq = metadata.parse_host_slot(slot, image).host_ts
            seqs.append(seq)
            if image != expected_image(slot, seq):
                torn.append(f"slot {slot}: bytes of seq {seq} differ")
        if seqs[-1] < acked[i]:
            lost.append(f"slot {slot}: disk seq {seqs[-1]} < acked {acked[i]}")
    return torn, lost, seqs


def grew(counters, before: list[int]) -> Callable[[], bool]:
    """True once every shared counter is above its value in `before`."""
    return lambda: all(now > then for now, then in zip(counters, before, strict=True))


def proc_running(proc: subprocess.Popen) -> Callable[[], bool]:
    return lambda: proc.poll() is None


@pytest.mark.row("K01")
@pytest.mark.timeout(600)
def test_kill9_in_put_stats_storms(shared_cluster, tmp_path, row):
    lab = shared_cluster(hosts=1)
    host = lab.hosts[1]
    host.stop_broker()
    ctx = multiprocessing.get_context("spawn")
    acked = ctx.Array("q", len(SLOTS), lock=False)
    failed = ctx.Array("q", len(SLOTS))
    stop = ctx.Event()
    writers = [ctx.Process(target=slotwriter_proc.run, daemon=True,
                           args=(str(host.socket_path), slot, i, acked, failed, stop))
               for i, slot in enumerate(SLOTS)]
    for w in writers:
        w.start()
    listener = NotifyListener(tmp_path / "notify")
    env = dict(host.env, NOTIFY_SOCKET=listener.path)
    log = open(tmp_path / "broker.log", "w")
    torn: list[str] = []
    lost: list[str] = []
    ready: list[float] = []
    rng = random.Random(12)
    acks_at_kill = 0
    link = host.link(30)
    started = time.monotonic()
    proc = None
    try:
        for cycle in range(KILLS):
            listener.reset()
            spawned = time.monotonic()
            proc = subprocess.Popen(BROKER, env=env, stdout=log, stderr=subprocess.STDOUT)
            assert listener.wait_ready(proc_running(proc), 30), \
                f"cycle {cycle}: no READY=1 (rc {proc.poll()}), see {log.name}"
            ready.append(time.monotonic() - spawned)
            link.lock_host_id(HOST_ID)
            before = list(acked)
            wait_for(grew(acked, before), 30, 0.002)
            time.sleep(rng.uniform(0.0, 0.1))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            acks_at_kill += sum(acked) - sum(before)
            # every writer's call in flight at the kill has ended (failed) before
            # `acked` is compared with the disk
            fails = list(failed)
            wait_for(grew(failed, fails), 30, 0.002)
            t, lo, _ = check_volume(lab.metadata_path, list(acked))
            torn += [f"cycle {cycle}: {x}" for x in t]
            lost += [f"cycle {cycle}: {x}" for x in lo]
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        stop.set()
        for w in writers:
            w.join(15)
            if w.is_alive():
                w.kill()
        listener.close()
        log.close()
        host.start_broker()
    took = time.monotonic() - started
    ready.sort()
    row.observe(f"{KILLS} kill -9 in {took:.0f} s with {len(SLOTS)} writer processes; "
                f"{acks_at_kill} acked writes checked; torn {len(torn)}, acked-but-lost "
                f"{len(lost)}; READY median {ready[len(ready) // 2]:.2f} s, max {ready[-1]:.2f} s")
    assert torn == []
    assert lost == []
