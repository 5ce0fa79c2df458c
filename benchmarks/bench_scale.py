"""Issue 15: get_stats with 4, 64, 250 and 2000 populated slots.

The lab's metadata volume is filled with simulated hosts' slots
(`lab.fill`), host 3's broker is restarted so that its first full scan
sees them, and the reply is timed from the request to its last byte
(client decoding excluded) beside floor (a') answering prebuilt bytes of
the same shape and size, and floor (a) (stdlib, marshalling every call).
The stdlib client's decode time of the answer is printed beside (plain
and gzip), and our client's (unixrpc's fast path for a struct of base64).
"""

import gzip
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import load  # noqa: E402
from bench_floor import Floor, ms  # noqa: E402

from ovirt_hosted_engine_ha.lab import fill  # noqa: E402
from ovirt_hosted_engine_ha.lib import unixrpc  # noqa: E402
from tests.monitorsupport.wait import wait_for  # noqa: E402
from tests.rawhttp import exchange  # noqa: E402

SIZES = (4, 64, 250, 2000)
CALLS = {4: 300, 64: 210, 250: 90, 2000: 30}


def request(gzip_ok: bool) -> bytes:
    """What the stdlib client sends for get_stats (gzip accepted or not)."""
    body = xmlrpc.client.dumps((), "get_stats").encode()
    accept = b"Accept-Encoding: gzip\r\n" if gzip_ok else b""
    return (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n" + accept
            + b"Content-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def fetch(path: str, data: bytes) -> tuple[float, bytes]:
    start = time.perf_counter()
    answer = exchange(path, data, timeout=None)
    return time.perf_counter() - start, answer


def decode(answer: bytes) -> tuple[float, int]:
    """Seconds the stdlib client needs to decode `answer`, and the slots in it."""
    start = time.perf_counter()
    head, _, body = answer.partition(b"\r\n\r\n")
    if b"content-encoding: gzip" in head.lower():
        body = gzip.decompress(body)
    (value,), _ = xmlrpc.client.loads(body, use_builtin_types=False)
    return time.perf_counter() - start, len(value)


def decode_ours(answer: bytes) -> float:
    """Seconds our client (unixrpc's fast path) needs for the same answer."""
    start = time.perf_counter()
    _, _, body = answer.partition(b"\r\n\r\n")
    if unixrpc.decode_slot_struct(body) is None:
        raise AssertionError("get_stats answer not in the stdlib marshaller's layout")
    return time.perf_counter() - start


def timed(path: str, data: bytes, calls: int) -> tuple[list[float], bytes]:
    times, answer = [], b""
    for _ in range(calls):
        took, answer = fetch(path, data)
        times.append(took)
    return times, answer


def vm_status_seconds(host, runs: int = 3) -> list[float]:
    """Wall time of `ovirt-ha-client vm-status` (a new process, as an administrator runs it)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli", "vm-status"],
                       env=host.env, check=True, capture_output=True, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def restart(host) -> None:
    host.stop_broker()
    host.start_broker()


def run(cluster, tmp: str, quick: bool) -> list[str]:
    host = cluster.hosts[3]
    path = str(host.socket_path)
    real = list(cluster.hosts)
    lines = ["get_stats at scale (host 3's broker; reply = request to last byte, client decode"
             " excluded; a` = prebuilt bytes, a = stdlib marshalling each call):",
             f"{'slots':>5} {'bytes':>9} {'ours p50':>9} {'gzip p50':>9} {'gz bytes':>9}"
             f" {'a` p50':>8} {'ours/a`':>7} {'a p50':>8} {'decode':>8} {'decode gz':>9}"
             f" {'our decode':>10}"]
    p50s: dict[int, float] = {}
    status_times: list[float] = []
    filler = None
    try:
        for size in SIZES:
            filler = fill.Filler(cluster.metadata_path, fill.simulated_ids(size - 1, real))
            filler.write_all()
            restart(host)
            wait_for(lambda n=size: len(host.link(60).get_stats_from_storage()) == n,
                     timeout=60)
            calls = max(10, CALLS[size] // (2 if quick else 1))
            floors = {kind: Floor(kind, f"{tmp}/scale-{kind}.sock", size)
                      for kind in ("prebuilt", "stdlib")}
            ours: list[float] = []
            prebuilt: list[float] = []
            zipped_times: list[float] = []
            try:
                for _ in range(3):  # in turns: the machine's load drifts alike for both
                    more, plain = timed(path, request(False), calls // 3)
                    ours += more
                    prebuilt += timed(floors["prebuilt"].path, request(False), calls // 3)[0]
                    more, zipped = timed(path, request(True), calls // 3)
                    zipped_times += more
                stdlib, _ = timed(floors["stdlib"].path, request(False), max(5, calls // 4))
            finally:
                for floor in floors.values():
                    floor.close()
            decode_plain, count = decode(plain)
            decode_zipped, _ = decode(zipped)
            p50s[size] = load.p50(ours)
            if size == SIZES[-1]:
                status_times = vm_status_seconds(host)
            lines.append(
                f"{count:>5} {len(plain):>9} {ms(p50s[size]):>9} {ms(load.p50(zipped_times)):>9}"
                f" {len(zipped):>9} {ms(load.p50(prebuilt)):>8}"
                f" {p50s[size] / load.p50(prebuilt):>7.2f} {ms(load.p50(stdlib)):>8}"
                f" {ms(decode_plain):>8} {ms(decode_zipped):>9} {ms(decode_ours(plain)):>10}")
    finally:
        if filler is not None:
            filler.clear()
        restart(host)
        host.link(60).lock_host_id(host.id)
    per_slot = [(a, b, (p50s[b] - p50s[a]) / (b - a) * 1e6)
                for a, b in zip(SIZES, SIZES[1:], strict=False) if a in p50s and b in p50s]
    lines.append("cost per extra slot (ours, p50): "
                 + ", ".join(f"{a}->{b}: {us:.2f} us" for a, b, us in per_slot))
    lines.append(f"ovirt-ha-client vm-status on {SIZES[-1]} hosts (process start to exit, 3 runs): "
                 + ", ".join(f"{t:.2f} s" for t in status_times) + " (target < 0.5 s)")
    return lines
