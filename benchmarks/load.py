"""Load generators for the broker benchmarks: real clients on the real socket.

Every call opens a new connection, as upstream's client does.
"""

import multiprocessing
import socket
import statistics
import threading
import time
import xmlrpc.client

from ovirt_hosted_engine_ha.lib import unixrpc


def _worker(path: str, verb: str, args: tuple, seconds: float, out) -> None:
    proxy = unixrpc.UnixXmlRpcClient(path, timeout=30)
    method = getattr(proxy, verb)
    calls = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        method(*args)
        calls += 1
    out.put(calls)


def calls_per_second(path: str, verb: str, args: tuple = (), seconds: float = 5.0,
                     clients: int = 2) -> float:
    """Calls/s answered with `clients` client processes calling in a loop."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(path, verb, args, seconds, out))
             for _ in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / (time.monotonic() - start)


def latencies(path: str, verb: str, seconds: float) -> list[float]:
    proxy = unixrpc.UnixXmlRpcClient(path, timeout=30)
    method = getattr(proxy, verb)
    result = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t = time.monotonic()
        method()
        result.append(time.monotonic() - t)
    return result


def stalled_caller(path: str, stall: float, started: threading.Event) -> None:
    """A caller that sends half a request, stalls `stall` seconds, then finishes it."""
    body = xmlrpc.client.dumps((), "get_stats").encode()
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + body[: len(body) // 2])
        started.set()
        time.sleep(stall)  # the stall under test, not a readiness wait
        s.sendall(body[len(body) // 2:])
        s.recv(65536)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def p50(values: list[float]) -> float:
    return statistics.median(values)


def _count_worker(path: str, verb: str, count: int) -> None:
    method = getattr(unixrpc.UnixXmlRpcClient(path, timeout=30), verb)
    for _ in range(count):
        method()


def calls_n(path: str, verb: str, per_client: int, clients: int = 2) -> None:
    procs = [multiprocessing.Process(target=_count_worker, args=(path, verb, per_client))
             for _ in range(clients)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()


def _timed_worker(path: str, verb: str, args: tuple, seconds: float, out) -> None:
    proxy = unixrpc.UnixXmlRpcClient(path, timeout=30)
    method = getattr(proxy, verb)
    result = []
    clock = time.perf_counter
    deadline = clock() + seconds
    try:
        while (start := clock()) < deadline:
            method(*args)
            result.append(clock() - start)
    finally:
        out.put(result)  # what was measured, even when a call failed


def timed_calls(path: str, verb: str, args: tuple = (), seconds: float = 3.0,
                clients: int = 1) -> tuple[float, list[float]]:
    """(calls/s, every call's latency) with `clients` processes calling in a loop,
    a new connection per call."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_timed_worker,
                                     args=(path, verb, args, seconds, out))
             for _ in range(clients)]
    for p in procs:
        p.start()
    samples = [out.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = [s for worker in samples for s in worker]
    return len(latencies) / seconds, latencies
