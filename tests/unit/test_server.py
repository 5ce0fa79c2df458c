"""The transport: a real BrokerServer on a real unix socket, small handlers."""

import gzip
import http.client
import os
import shutil
import socket
import tempfile
import threading
import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.broker import server as server_mod
from ovirt_hosted_engine_ha.broker.server import AnotherBrokerRunning, BrokerServer
from ovirt_hosted_engine_ha.broker.wire import Marshalled
from ovirt_hosted_engine_ha.lib import brokerlink, exceptions, unixrpc
from tests.monitorsupport.wait import wait_for


class Ctx:
    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = []


def echo(ctx, value):
    return value


def fail(ctx):
    raise exceptions.StorageError("the disk is on fire")


def crash(ctx):
    raise KeyError("boom")


def slow(ctx):
    ctx.entered.set()
    ctx.release.wait(10)
    ctx.calls.append("slow")
    return "slow done"


def fast(ctx):
    ctx.calls.append("fast")
    return "fast done"


def big(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(b"x" * 20000)})


def aged(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(b"y" * 10)}).with_headers(
        {"X-HA-Metadata-Age": "2.5"})


def badheader(ctx):
    return Marshalled("x").with_headers({"X-Bad": "a\r\nInjected: 1"})


def huge(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(os.urandom(3 * 1024 * 1024))})


HANDLERS = {"badheader": badheader, "aged": aged, "huge": huge, "echo": echo, "fail": fail,
            "crash": crash, "slow": slow, "fast": fast, "big": big}


@pytest.fixture
def served():
    # Traversable by anyone, so that the uid tests reach the socket itself.
    base = tempfile.mkdtemp(prefix="srv-", dir="/tmp")
    os.chmod(base, 0o755)
    path = os.path.join(base, "broker.socket")
    ctx = Ctx()
    srv = BrokerServer(path, HANDLERS, ctx, workers=4)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv, ctx
    finally:
        ctx.release.set()
        srv.shutdown()
        thread.join(10)
        srv.server_close()
        shutil.rmtree(base, ignore_errors=True)


def proxy(srv, timeout=10):
    return unixrpc.UnixXmlRpcClient(srv.socket_path, timeout=timeout)


def raw_request(path, request: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_socket_mode_is_0600(served):
    srv, _ = served
    assert os.stat(srv.socket_path).st_mode & 0o777 == 0o600


def test_call_round_trip_with_nil_and_i8_free_ints(served):
    srv, _ = served
    assert proxy(srv).echo({"a": None, "b": [1, 2]}) == {"a": None, "b": [1, 2]}


def test_error_becomes_fault_naming_verb_and_cause(served):
    srv, _ = served
    with pytest.raises(xmlrpc.client.Fault) as e:
        proxy(srv).fail()
    assert e.value.faultCode == exceptions.FaultCode.STORAGE
    assert e.value.faultString == "fail: the disk is on fire"


def test_unexpected_error_is_internal_fault(served):
    srv, _ = served
    with pytest.raises(xmlrpc.client.Fault) as e:
        proxy(srv).crash()
    assert e.value.faultCode == exceptions.FaultCode.INTERNAL
    assert "see the broker log" in e.value.faultString


def test_unknown_method_as_upstream(served):
    srv, _ = served
    for name in ("nosuch", "_private"):
        with pytest.raises(xmlrpc.client.Fault) as e:
            getattr(proxy(srv), name)()
        assert e.value.faultCode == 1
        assert e.value.faultString == f"<class 'Exception'>:method \"{name}\" is not supported"


def test_wrong_argument_count_is_fault(served):
    srv, _ = served
    with pytest.raises(xmlrpc.client.Fault) as e:
        proxy(srv).echo(1, 2)
    assert e.value.faultString == "echo: invalid arguments: echo takes 1 argument, got 2"


def test_brokerlink_turns_fault_into_request_error(served):
    srv, _ = served
    link = brokerlink.BrokerLink(timeout=5, socket_path=srv.socket_path)
    with pytest.raises(exceptions.RequestError) as e:
        link._call("fail")
    assert str(e.value) == "fail: the disk is on fire"
    assert e.value.code == exceptions.FaultCode.STORAGE


def test_brokerlink_unreachable_is_oserror_with_errno(tmp_path):
    link = brokerlink.BrokerLink(timeout=1, socket_path=tmp_path / "none.socket")
    with pytest.raises(OSError) as e:
        link.get_stats_from_storage()
    assert isinstance(e.value, exceptions.RequestError)
    assert e.value.errno == 2
    assert "cannot reach the broker" in str(e.value)


def test_slow_call_does_not_block_others(served):
    srv, ctx = served
    result = []
    t = threading.Thread(target=lambda: result.append(proxy(srv).slow()))
    t.start()
    assert ctx.entered.wait(10)
    assert proxy(srv).fast() == "fast done"
    assert ctx.calls == ["fast"]  # answered while "slow" still runs
    ctx.release.set()
    t.join(10)
    assert result == ["slow done"]
    assert ctx.calls == ["fast", "slow"]


def test_silent_client_does_not_block_others(served, monkeypatch):
    srv, _ = served
    with socket.socket(socket.AF_UNIX) as silent:
        silent.connect(srv.socket_path)
        silent.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: 100\r\n\r\n")
        assert proxy(srv).fast() == "fast done"


def test_gzip_answer_when_accepted(served):
    srv, _ = served
    body = xmlrpc.client.dumps((), "big").encode()
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml", "Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    assert resp.getheader("Content-Encoding") == "gzip"
    (value,), _ = xmlrpc.client.loads(gzip.decompress(resp.read()), use_builtin_types=False)
    assert value["1"].data == b"x" * 20000
    # and the stdlib client (which advertises gzip) decodes it
    assert proxy(srv).big()["1"].data == b"x" * 20000


def test_huge_body_refused_from_content_length(served):
    srv, _ = served
    answer = raw_request(srv.socket_path, b"POST /RPC2 HTTP/1.0\r\n"
                         b"Content-Length: 314572800\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 413")


def test_gzip_bomb_refused(served):
    srv, _ = served
    bomb = gzip.compress(b"<" + b"a" * (4 * 1024 * 1024))
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/RPC2", bomb, {"Content-Encoding": "gzip"})
    resp = conn.getresponse()
    assert resp.status == 400
    assert b"expands beyond" in resp.read()


def test_billion_laughs_is_fault(served):
    srv, _ = served
    def entity(i):
        return b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)

    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(entity(i) for i in range(1, 10))
           + b']><methodCall><methodName>&lol9;</methodName></methodCall>')
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/RPC2", lol, {"Content-Type": "text/xml"})
    with pytest.raises(xmlrpc.client.Fault) as e:
        xmlrpc.client.loads(conn.getresponse().read())
    assert "DOCTYPE declaration is not allowed" in e.value.faultString


def test_malformed_xml_is_fault(served):
    srv, _ = served
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/RPC2", b"<methodCall><meth", {"Content-Type": "text/xml"})
    with pytest.raises(xmlrpc.client.Fault, match="malformed request"):
        xmlrpc.client.loads(conn.getresponse().read())


def test_get_and_bad_path_answered_not_crashed(served):
    srv, _ = served
    assert raw_request(srv.socket_path, b"GET / HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 501")
    answer = raw_request(srv.socket_path, b"POST /other HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 404")
    assert proxy(srv).fast() == "fast done"


def test_foreign_uid_refused(served):
    srv, _ = served
    os.chmod(srv.socket_path, 0o666)  # let the kernel pass it, the peer check must refuse
    nobody = 65534
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(nobody)
            os.setuid(nobody)
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(srv.socket_path)
                try:
                    s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
                    answer = s.recv(100)
                except (BrokenPipeError, ConnectionResetError):
                    answer = b""
                os._exit(0 if answer == b"" else 1)
        except Exception:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # closed without an answer
    assert proxy(srv).fast() == "fast done"


def test_nobody_cannot_connect_to_0600_socket(served):
    srv, _ = served
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(srv.socket_path)
            os._exit(1)
        except PermissionError:
            os._exit(0)
        except Exception:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_second_server_refused_while_first_serves(served):
    srv, _ = served
    inode = os.stat(srv.socket_path).st_ino
    with pytest.raises(AnotherBrokerRunning, match="another broker is serving"):
        BrokerServer(srv.socket_path, HANDLERS, Ctx(), workers=1)
    assert os.stat(srv.socket_path).st_ino == inode
    assert proxy(srv).fast() == "fast done"


def test_stale_socket_replaced(tmp_path):
    path = str(tmp_path / "stale.socket")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()  # file left behind, nobody listening
    srv = BrokerServer(path, HANDLERS, Ctx(), workers=1)
    srv.server_close()
    assert not os.path.exists(path)


def test_http_client_sees_http10(served):
    srv, _ = served
    conn = unixrpc.UnixHTTPConnection(srv.socket_path, 10)
    conn.request("POST", "/", xmlrpc.client.dumps((), "fast").encode())
    resp = conn.getresponse()
    assert resp.version == 10 and resp.status == 200
    assert isinstance(conn, http.client.HTTPConnection)


def test_unix_url_is_upstream_scheme():
    url = unixrpc.socket_url("/var/run/ovirt-hosted-engine-ha/broker.socket")
    assert url == ("http://2F7661722F72756E2F6F766972742D686F737465642D656E67696E652D"
                   "68612F62726F6B65722E736F636B6574")
    assert server_mod.MAX_REQUEST_BYTES == 1024 * 1024


# Issue 12: slow peers, deep nesting, bind failure


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


def stdlib_decode(body: bytes):
    (value,), _ = xmlrpc.client.loads(body, use_builtin_types=False)
    return value


@pytest.mark.parametrize("value", [
    {},
    {"0": xmlrpc.client.Binary(b"")},
    {str(i): xmlrpc.client.Binary(os.urandom(i * 37 % 4097)) for i in range(0, 300, 7)},
])
def test_slot_struct_decoded_as_the_stdlib_does(value):
    body = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()
    fast = unixrpc.decode_slot_struct(body)
    assert fast is not None
    assert {k: v.data for k, v in fast.items()} == \
        {k: v.data for k, v in stdlib_decode(body).items()}
    assert all(type(v) is xmlrpc.client.Binary for v in fast.values())


@pytest.mark.parametrize("value", [
    "ok", [1, 2], {"a": xmlrpc.client.Binary(b"x")}, {"1": "text"},
    {"1": xmlrpc.client.Binary(b"x"), "2": 3}, xmlrpc.client.Fault(4, "no"),
])
def test_other_answers_left_to_the_stdlib(value):
    args = value if isinstance(value, xmlrpc.client.Fault) else (value,)
    body = xmlrpc.client.dumps(args, methodresponse=True, allow_none=True).encode()
    assert unixrpc.decode_slot_struct(body) is None


def call_keeping_headers(srv, verb: str) -> tuple[object, dict[str, str]]:
    transport = unixrpc.UnixTransport(timeout=10)
    client = xmlrpc.client.ServerProxy(unixrpc.socket_url(srv.socket_path), transport=transport)
    return getattr(client, verb)(), transport.last_headers


def test_client_keeps_the_answers_headers(served):
    value, headers = call_keeping_headers(served[0], "big")
    assert value["1"].data == b"x" * 20000
    assert headers["content-encoding"] == "gzip" and headers["content-type"] == "text/xml"


def test_marshalled_headers_are_written(served):
    value, headers = call_keeping_headers(served[0], "aged")
    assert value["1"].data == b"y" * 10
    assert headers["x-ha-metadata-age"] == "2.5"


@pytest.mark.parametrize("member", [
    b"<member>\n<name>1</name>\n<value><base64>\nQUFB&#65;\n</base64></value>\n</member>\n",
    b"<member>\n<name>1</name>\n<value><base64>\nQUFB<!-- x -->\n</base64></value>\n</member>\n",
    b"<member>\n<name>x1</name>\n<value><base64>\nQUFB\n</base64></value>\n</member>\n",
])
def test_slot_struct_with_markup_left_to_the_stdlib(member):
    body = (b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n"
            + member + b"</struct></value>\n</param>\n</params>\n</methodResponse>\n")
    assert unixrpc.decode_slot_struct(body) is None


def test_bad_response_header_becomes_internal_fault(served):
    srv, _ = served
    with pytest.raises(xmlrpc.client.Fault) as e:
        proxy(srv).badheader()
    assert e.value.faultCode == exceptions.FaultCode.INTERNAL


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
