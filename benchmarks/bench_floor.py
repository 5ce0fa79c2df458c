"""Issue 15: each broker verb against the transport's and the disk's own floor.

`run(cluster, tmp, quick)` returns the lines of one table. Floors:
(a) a plain single-threaded stdlib SimpleXMLRPCServer on a unix socket
answering fixed values of the real answers' shape (floor.py stdlib);
(a') the same socket answering prebuilt reply bytes (floor.py prebuilt);
(b) the raw durable 4 KiB slot write (O_DIRECT|O_SYNC) on the lab's
storage filesystem: open + pwrite + close as the broker does, and a bare
pwrite on an open file beside it. Every call opens a new connection, as
the real clients do; 1 and 8 client processes.
"""

import mmap
import os
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lean  # noqa: E402
import load  # noqa: E402

from ovirt_hosted_engine_ha.lib import metadata  # noqa: E402
from tests.brokersupport import host_slot  # noqa: E402
from tests.monitorsupport.lab import agent_monitors  # noqa: E402
from tests.monitorsupport.wait import wait_for  # noqa: E402

FLOOR = str(Path(__file__).resolve().parent / "floor.py")
CLIENTS = (1, 8)
PACE = 0.0003  # s between paced raw writes


class Floor:
    """A floor server (floor.py) in a child process."""

    def __init__(self, kind: str, path: str, slots: int) -> None:
        self.path = path
        self.proc = subprocess.Popen([sys.executable, FLOOR, kind, path, str(slots)],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout is None or self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"floor {kind} did not start")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def raw_writes(directory: str, count: int,
               gap: float = 0.0) -> tuple[list[float], list[float]]:
    """Latencies of durable 4 KiB writes: (open+pwrite+close, bare pwrite); with a
    `gap`, each write follows a sleep of that many seconds."""
    path = os.path.join(directory, "raw-slot-write")
    with open(path, "wb") as f:
        # written, not truncated: a write into a hole would time the block
        # allocation too, which the broker's slots (written before) never pay
        f.write(bytes(2001 * 4096))
        f.flush()
        os.fsync(f.fileno())
    flags = os.O_WRONLY | os.O_DIRECT | os.O_SYNC
    reopened, bare = [], []
    with mmap.mmap(-1, 4096) as buf:
        buf.write(b"x" * 4096)
        for i in range(count):
            start = time.perf_counter()
            fd = os.open(path, flags)
            os.pwritev(fd, [buf], (i % 2000 + 1) * 4096)
            os.close(fd)
            reopened.append(time.perf_counter() - start)
            if gap:
                time.sleep(gap)
        fd = os.open(path, flags)
        try:
            for i in range(count):
                start = time.perf_counter()
                os.pwritev(fd, [buf], (i % 2000 + 1) * 4096)
                bare.append(time.perf_counter() - start)
        finally:
            os.close(fd)
    os.unlink(path)
    return reopened, bare


VERBS: list[tuple[str, tuple]] = [
    ("get_stats", ()),
    ("is_host_alive", ()),
    ("status_monitor", ("mem-free",)),
    ("put_stats", (1, xmlrpc.client.Binary(host_slot(1).encode()))),
    ("push_hosts_state", ([1, 2, 3],)),
]


def interleaved(paths: list[str], verb: str, args: tuple, seconds: float, clients: int,
                rounds: int = 3) -> tuple[list[float], list[float]]:
    """Calls/s on each path, measured in turns (the machine's load drifts alike for
    all), and the first path's latencies."""
    counts = [0.0] * len(paths)
    first: list[float] = []
    for _ in range(rounds):
        for i, path in enumerate(paths):
            rate, lat = load.timed_calls(path, verb, args, seconds / rounds, clients)
            counts[i] += rate / rounds
            if i == 0:
                first += lat
    return counts, first


def lean_put_stats(broker: str, prebuilt: str, rawdir: str, seconds: float,
                   rounds: int = 3) -> tuple[list[float], ...]:
    """Latencies of put_stats sent as prebuilt bytes (lean.py) to the broker and to
    floor (a'), and of raw writes (b) back to back and paced, in turns."""
    verb, args = VERBS[3]
    data = lean.request(verb, args)
    ours: list[float] = []
    floor: list[float] = []
    raw: list[float] = []
    paced: list[float] = []
    for _ in range(rounds):
        ours += lean.timed_calls(broker, data, b"<string>ok</string>", seconds / rounds)[1]
        floor += lean.timed_calls(prebuilt, data, b"<string>ok</string>", seconds / rounds)[1]
        raw += raw_writes(rawdir, 300)[0]
        paced += raw_writes(rawdir, 300, PACE)[0]
    return ours, floor, raw, paced


def prepare(cluster) -> int:
    """Slot 0 written, monitor and liveness set on host 1; returns populated slots."""
    link = cluster.hosts[1].link(30)
    link.put_stats_on_storage(0, metadata.build_global_slot(metadata.GlobalSlot(False)).decode())
    link.start_monitor("mem-free", agent_monitors(cluster)["mem-free"])
    link.put_hosts_state_on_storage(1, [1, 2, 3])
    wait_for(lambda: link.get_monitor_status("mem-free") not in ("None", ""), timeout=30)
    # the other hosts' slots appear at this broker's next read cycle
    wait_for(lambda: len(link.get_stats_from_storage()) == 1 + len(cluster.hosts), timeout=30)
    return len(link.get_stats_from_storage())


def run(cluster, tmp: str, quick: bool) -> list[str]:
    seconds = 1.5 if quick else 3.0
    slots = prepare(cluster)
    lines = [f"Verbs on host 1's broker ({slots} populated slots) against the floors, "
             f"{seconds:g} s per figure in 3 turns, a new connection per call:",
             f"{'verb':<17} {'clients':>7} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
             f" {'floor a':>8} {'ratio a':>7} {'floor a`':>8} {'ratio a`':>8}"]
    rawdir = str(cluster.metadata_path.parent)
    reopened, bare = raw_writes(rawdir, 300 if quick else 1000)
    broker = str(cluster.hosts[1].socket_path)
    floors = {kind: Floor(kind, os.path.join(tmp, f"floor-{kind}.sock"), slots)
              for kind in ("stdlib", "prebuilt")}
    put_p50 = put_p99 = 0.0
    alive_p50 = 0.0
    try:
        lean_ours, lean_floor, lean_raw, paced = lean_put_stats(
            broker, floors["prebuilt"].path, rawdir, seconds)
        for verb, args in VERBS:
            for clients in CLIENTS:
                rates, lat = interleaved([broker, floors["stdlib"].path,
                                          floors["prebuilt"].path], verb, args, seconds, clients)
                rate, floor_a, floor_b = rates
                p50, p99 = load.p50(lat), load.percentile(lat, 99)
                if verb == "put_stats" and clients == 1:
                    put_p50, put_p99 = p50, p99
                if verb == "is_host_alive" and clients == 1:
                    alive_p50 = p50
                lines.append(f"{verb:<17} {clients:>7} {rate:>8.0f} {ms(p50):>7} {ms(p99):>7}"
                             f" {floor_a:>8.0f} {rate / floor_a:>7.2f} {floor_b:>8.0f}"
                             f" {rate / floor_b:>8.2f}")
    finally:
        for floor in floors.values():
            floor.close()
    raw50, raw99 = load.p50(reopened), load.percentile(reopened, 99)
    lean50, lean99 = load.p50(lean_ours), load.percentile(lean_ours, 99)
    lraw50, lraw99 = load.p50(lean_raw), load.percentile(lean_raw, 99)
    floor50 = load.p50(lean_floor)
    lines += [
        f"floor (b) raw durable 4 KiB write on {rawdir} (O_DIRECT|O_SYNC): open+pwrite+close"
        f" p50 {ms(raw50)} / p99 {ms(raw99)} ms; bare pwrite p50"
        f" {ms(load.p50(bare))} / p99 {ms(load.percentile(bare, 99))} ms",
        f"put_stats (1 client) minus the raw write: p50 +{ms(put_p50 - raw50)} ms"
        f" (target +0.150), p99 +{ms(put_p99 - raw99)} ms (target +0.500); of the p50 gap,"
        f" {ms(alive_p50)} ms is a whole call of the cheapest verb (is_host_alive p50)",
        "put_stats, 1 lean client (prebuilt request bytes, the same as the stdlib client's,"
        " a new connection per call; no client-side marshalling or answer parsing), in 3"
        " turns with floor (a') answering the same client and raw writes (b):",
        f"  ours p50 {ms(lean50)} / p99 {ms(lean99)} ms; floor (a') p50 {ms(floor50)} / p99"
        f" {ms(load.percentile(lean_floor, 99))} ms (transport only); raw write (b) p50"
        f" {ms(lraw50)} / p99 {ms(lraw99)} ms",
        f"  ours minus the raw write: p50 +{ms(lean50 - lraw50)} / p99 +{ms(lean99 - lraw99)} ms"
        " (the server's cost over the write, transport included; the stdlib client adds its"
        f" own marshalling on top); minus the raw write and (a'): p50"
        f" +{ms(lean50 - lraw50 - floor50)} ms (the broker's own work beyond write and"
        " transport)",
        f"  raw write (b) paced, {PACE * 1000:g} ms asleep before each (about the gap between"
        f" one client's put_stats writes): p50 {ms(load.p50(paced))} /"
        f" p99 {ms(load.percentile(paced, 99))} ms; ours minus it: p50"
        f" +{ms(lean50 - load.p50(paced))} / p99 +{ms(lean99 - load.percentile(paced, 99))} ms",
        "put_stats with 8 clients: every client writes host 1's slot (the only id this broker"
        " holds), so concurrent writes coalesce; each call still waits for a durable write.",
    ]
    return lines
