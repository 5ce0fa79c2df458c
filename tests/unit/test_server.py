"""The transport: a real BrokerServer on a real unix socket, small handlers."""

import gzip
import http.client
import os
import socket
import threading
import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.broker import server as server_mod
from ovirt_hosted_engine_ha.broker.server import AnotherBrokerRunning, BrokerServer
from ovirt_hosted_engine_ha.lib import brokerlink, exceptions, unixrpc
from tests.unit.serversupport import HANDLERS, Ctx, proxy, raw_request


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
