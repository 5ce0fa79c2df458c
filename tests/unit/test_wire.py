import gzip
import xmlrpc.client
from xml.parsers.expat import ExpatError

import pytest

from ovirt_hosted_engine_ha.broker import wire


def test_loads_round_trip():
    body = xmlrpc.client.dumps((1, xmlrpc.client.Binary(b"x"), None, {"a": None}), "put_stats",
                               allow_none=True).encode()
    params, method = wire.loads(body)
    assert method == "put_stats"
    assert params[0] == 1 and params[1].data == b"x" and params[2] is None
    assert params[3] == {"a": None}


def test_loads_accepts_i8():
    body = (b"<?xml version='1.0'?><methodCall><methodName>lock_host_id</methodName>"
            b"<params><param><value><i8>3</i8></value></param></params></methodCall>")
    assert wire.loads(body) == ((3,), "lock_host_id")


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
    b"<methodCall><methodName>&b;</methodName></methodCall>",
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd">'
    b"<methodCall><methodName>get_stats</methodName></methodCall>",
])
def test_loads_refuses_doctype_and_entities(body):
    with pytest.raises(wire.UnsafeXml, match="DOCTYPE declaration is not allowed"):
        wire.loads(body)


def test_loads_malformed():
    with pytest.raises(ExpatError):
        wire.loads(b"<methodCall><methodName>x</methodName>")


def test_marshalled_gzip_made_once():
    m = wire.Marshalled({"1": xmlrpc.client.Binary(b"a" * 5000)})
    first = m.gzipped()
    assert m.gzipped() is first
    assert gzip.decompress(first) == m.body
    (value,), _ = xmlrpc.client.loads(m.body)
    assert value["1"].data == b"a" * 5000
