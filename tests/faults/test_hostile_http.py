"""F18 huge bodies, F20 gzip bombs, F21 malformed requests: on a real broker's socket.

Each test watches the broker's resident memory (/proc) and, for F18, the
latency of a get_stats caller running beside the attack.
"""

import gzip
import socket
import threading
import time

import pytest

from ovirt_hosted_engine_ha.lib.unixrpc import UnixXmlRpcClient
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def exchange(path: str, head: bytes, body: bytes = b"") -> bytes:
    """Send `head` then as much of `body` as the broker takes; the whole answer (to EOF)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(head)
        try:
            view = memoryview(body)
            while view:
                sent = s.send(view[:MIB])
                view = view[sent:]
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body: the broker stopped reading
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed with our unread body in its buffer; the answer came first
    return answer


class Caller:
    """get_stats in a loop beside the attack: its latencies."""

    def __init__(self, path: str) -> None:
        self._proxy = UnixXmlRpcClient(path, timeout=10)
        self._stop = threading.Event()
        self.latencies: list[float] = []
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            self._proxy.get_stats()
            self.latencies.append(time.monotonic() - start)

    def stop(self) -> float:
        """p99 in ms."""
        self._stop.set()
        self._thread.join(15)
        ordered = sorted(self.latencies)
        return ordered[int(0.99 * (len(ordered) - 1))] * 1000


def host_of(shared_cluster):
    host = shared_cluster(hosts=1).hosts[1]
    return host, str(host.socket_path), host.broker_pid


@pytest.mark.row("F18")
def test_huge_body_refused_from_content_length(shared_cluster, row):
    host, path, pid = host_of(shared_cluster)
    before = rss_mib(pid)
    caller = Caller(path)
    try:
        sizes = {"10 MiB": 10 * MIB, "300 MiB": 300 * MIB}
        for name, size in sizes.items():
            head = (b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
                    b"Content-Length: %d\r\n\r\n" % size)
            # the 10 MiB body is really sent; the 300 MiB one only announced
            answer = exchange(path, head, b"<" * size if size <= 10 * MIB else b"")
            assert answer.startswith(b"HTTP/1.0 413"), f"{name}: {answer[:200]!r}"
        wait_for(lambda: len(caller.latencies) >= 200, timeout=30)
    finally:
        p99 = caller.stop()
    after = rss_mib(pid)
    assert isinstance(UnixXmlRpcClient(path, timeout=10).get_stats(), dict)
    row.observe(f"10 MiB and 300 MiB bodies answered 413 from Content-Length; broker RSS "
                f"{before:.1f} -> {after:.1f} MiB; get_stats beside: p99 {p99:.1f} ms over "
                f"{len(caller.latencies)} calls")
    assert after - before < 5
    assert p99 < 1000


@pytest.mark.row("F20")
def test_gzip_bomb_refused(shared_cluster, row):
    host, path, pid = host_of(shared_cluster)
    before = rss_mib(pid)
    bomb = gzip.compress(b"\0" * (200 * MIB), compresslevel=9)
    head = (b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(bomb))
    took = []
    rss = []
    for _ in range(5):
        start = time.monotonic()
        answer = exchange(path, head, bomb)
        took.append((time.monotonic() - start) * 1000)
        rss.append(rss_mib(pid))
        assert answer.startswith(b"HTTP/1.0 400"), answer[:200]
        assert b"expands beyond" in answer
    assert isinstance(UnixXmlRpcClient(path, timeout=10).get_stats(), dict)
    row.observe(f"{len(bomb) // 1024} KiB gzip of 200 MiB, 5 times: each answered 400 "
                f"(slowest {max(took):.0f} ms; inflated no further than 1 MiB + 1); broker RSS "
                f"{before:.1f} -> {rss[0]:.1f} after the first -> {rss[-1]:.1f} MiB after "
                "the fifth")
    assert rss[-1] - rss[0] < 2 and rss[-1] - before < 8


def _request(body: bytes, path: bytes = b"/RPC2") -> bytes:
    return (b"POST " + path + b" HTTP/1.0\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


CALL = b"<?xml version='1.0'?><methodCall><methodName>%s</methodName><params>%s</params>" \
       b"</methodCall>"
MALFORMED = {
    "truncated XML": (_request(b"<methodCall><methodName>get_st"), b"<fault>"),
    "not XML-RPC": (_request(b"<html><body>hello</body></html>"), b"<fault>"),
    "non-UTF-8 string": (_request(CALL % (b"status_monitor",
                                          b"<param><value><string>\xff\xfe</string>"
                                          b"</value></param>")), b"<fault>"),
    "unknown method": (_request(CALL % (b"no_such_verb", b"")), b"is not supported"),
    "private method": (_request(CALL % (b"_dispatch", b"")), b"is not supported"),
    "GET": (b"GET /RPC2 HTTP/1.0\r\n\r\n", b"HTTP/1.0 501"),
    "wrong path": (_request(CALL % (b"get_stats", b""), b"/admin"), b"HTTP/1.0 404"),
    "no Content-Length": (b"POST /RPC2 HTTP/1.0\r\n\r\n", b"HTTP/1.0 411"),
    "garbage request line": (b"\x16\x03\x01 hello\r\n\r\n", b"HTTP/1.0 400"),
    "chunked body": (b"POST /RPC2 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     b"HTTP/1.0 501"),
}


@pytest.mark.row("F21")
def test_malformed_requests_answered_and_closed(shared_cluster, row):
    host, path, pid = host_of(shared_cluster)
    before = rss_mib(pid)
    slowest = 0.0
    for name, (request, expected) in MALFORMED.items():
        start = time.monotonic()
        answer = exchange(path, request)  # reads to EOF: the broker closed the connection
        slowest = max(slowest, time.monotonic() - start)
        assert expected in answer, f"{name}: {answer[:300]!r}"
        if expected == b"<fault>" or b"supported" in expected:
            assert answer.startswith(b"HTTP/1.0 200"), name  # a Fault, as XML-RPC answers
    proxy = UnixXmlRpcClient(path, timeout=10)
    assert isinstance(proxy.get_stats(), dict)
    after = rss_mib(pid)
    row.observe(f"{len(MALFORMED)} malformed requests each answered (Fault or 4xx/501) and "
                f"closed, slowest {slowest * 1000:.1f} ms; broker serving after; RSS "
                f"{before:.1f} -> {after:.1f} MiB")
