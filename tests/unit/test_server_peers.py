"""The transport against slow, silent, deep or half-finished peers."""

import socket
import threading
import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.broker import server as server_mod
from ovirt_hosted_engine_ha.broker.server import BrokerServer
from ovirt_hosted_engine_ha.lib import exceptions, unixrpc
from tests.monitorsupport.wait import wait_for
from tests.unit.serversupport import HANDLERS, Ctx, proxy


def dribble(path: str, stop: threading.Event, interval: float, closed: list,
            started: list | None = None) -> None:
    """A peer that sends a request one byte every `interval` seconds."""
    body = xmlrpc.client.dumps((), "fast").encode()
    request = b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        for i in range(len(request)):
            if stop.wait(interval):
                return
            try:
                s.sendall(request[i:i + 1])
            except OSError:
                closed.append(True)
                return
            if i == 0 and started is not None:
                started.append(True)


def test_slow_peers_do_not_starve_others(served):
    srv, _ = served  # 4 workers; 20 peers each sending one byte every 0.3 s
    stop = threading.Event()
    closed: list = []
    started: list = []
    peers = [threading.Thread(target=dribble, args=(srv.socket_path, stop, 0.3, closed, started))
             for _ in range(20)]
    for p in peers:
        p.start()
    try:
        wait_for(lambda: len(started) == len(peers), timeout=10)
        for _ in range(5):
            assert proxy(srv, timeout=5).fast() == "fast done"
    finally:
        stop.set()
        for p in peers:
            p.join(10)


def test_request_has_one_total_deadline(tmp_path):
    path = str(tmp_path / "deadline.socket")
    srv = BrokerServer(path, HANDLERS, Ctx(), workers=2, request_timeout=1.0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        stop = threading.Event()
        closed: list = []
        peer = threading.Thread(target=dribble, args=(path, stop, 0.2, closed))
        peer.start()
        # each byte comes well within any per-recv timeout; the total deadline must end it
        wait_for(lambda: closed, timeout=8)  # cut off, though every byte came in time
        stop.set()
        peer.join(10)
    finally:
        srv.shutdown()
        thread.join(10)
        srv.server_close()


def nested(depth: int) -> bytes:
    value = "<value><array><data>" * depth + "</data></array></value>" * depth
    return (b"<?xml version='1.0'?><methodCall><methodName>fast</methodName><params><param>"
            + value.encode() + b"</param></params></methodCall>")


def test_deeply_nested_request_gets_fault(served):
    srv, _ = served
    body = nested(20_000)
    assert len(body) < server_mod.MAX_REQUEST_BYTES
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
    with pytest.raises(xmlrpc.client.Fault) as e:
        xmlrpc.client.loads(conn.getresponse().read())
    assert e.value.faultCode == exceptions.FaultCode.INVALID_ARGUMENT
    assert proxy(srv).fast() == "fast done"


def test_bind_failure_is_a_clear_error(tmp_path):
    path = str(tmp_path / "missing-dir" / "broker.socket")
    with pytest.raises(exceptions.Error, match="cannot listen on .*missing-dir"):
        BrokerServer(path, HANDLERS, Ctx(), workers=2)


def test_request_finished_after_a_pause_is_answered(served):
    srv, _ = served
    body = xmlrpc.client.dumps(("x",), "echo").encode()
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(srv.socket_path)
        s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
        wait_for(lambda: len(srv.lane) == 1)  # the worker passed it on
        s.sendall(body[10:])
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 200")
    assert xmlrpc.client.loads(answer.partition(b"\r\n\r\n")[2])[0] == ("x",)


def test_peers_not_reading_their_answer_hold_no_worker(served):
    srv, _ = served  # 4 workers, 8 peers asking for 3 MiB and reading nothing
    body = xmlrpc.client.dumps((), "huge").encode()
    peers = []
    try:
        for _ in range(8):
            s = socket.socket(socket.AF_UNIX)
            s.connect(srv.socket_path)
            s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            peers.append(s)
        wait_for(lambda: len(srv.lane) == 8, timeout=20)
        assert proxy(srv, timeout=5).fast() == "fast done"
    finally:
        for s in peers:
            s.close()


# The client's fast decoding of get_stats-shaped answers


def test_incomplete_request_answered_408_at_the_deadline(tmp_path):
    path = str(tmp_path / "late.socket")
    srv = BrokerServer(path, HANDLERS, Ctx(), workers=1, request_timeout=0.5)
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(path)
            s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: 10\r\n\r\n<meth")
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.0 408")
    finally:
        srv.shutdown()
        srv.server_close()
