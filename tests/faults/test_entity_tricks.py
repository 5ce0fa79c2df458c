"""F19: XML entity tricks on the real socket: refused at once, nothing expanded."""

import time

import pytest

from ovirt_hosted_engine_ha.lib.unixrpc import UnixXmlRpcClient
from tests.rawhttp import exchange

pytestmark = pytest.mark.integration

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
              for i in range(1, 10))
    + ']><methodCall><methodName>get_stats</methodName><params><param><value>'
      '<string>&lol9;</string></value></param></params></methodCall>')
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<methodCall><methodName>get_stats</methodName><params><param><value>'
            '<string>&e;</string></value></param></params></methodCall>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "' + "A" * 50_000 + '">]>'
             '<methodCall><methodName>get_stats</methodName><params><param><value><string>'
             + "&a;" * 10_000 + '</string></value></param></params></methodCall>')
BODIES = {"billion laughs": BILLION_LAUGHS, "external entity": EXTERNAL,
          "quadratic blowup": QUADRATIC}


def post(path: str, body: bytes) -> bytes:
    head = (f"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return exchange(path, head + body, timeout=10)


@pytest.mark.row("F19")
def test_entity_tricks_refused(shared_cluster, row):
    host = shared_cluster(hosts=1).hosts[1]
    path = str(host.socket_path)
    slowest = 0.0
    for name, text in BODIES.items():
        start = time.monotonic()
        answer = post(path, text.encode())
        took = time.monotonic() - start
        slowest = max(slowest, took)
        assert b"<fault>" in answer, f"{name}: {answer[:300]!r}"
        assert b"lollol" not in answer and b"root:" not in answer, name
    # the broker still serves
    assert isinstance(UnixXmlRpcClient(path, timeout=10).get_stats(), dict)
    row.observe(f"{len(BODIES)} documents refused as Faults, slowest {slowest * 1000:.1f} ms; "
                "broker serving after")
    assert slowest < 0.05
