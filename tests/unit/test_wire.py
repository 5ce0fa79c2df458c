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


def test_small_immutable_requests_parsed_once():
    body = xmlrpc.client.dumps(("mem-free",), "status_monitor").encode()
    first = wire.loads(body)
    assert wire.loads(bytes(body)) is first
    listed = xmlrpc.client.dumps(([1, 2],), "push_hosts_state").encode()
    assert wire.loads(listed) is not wire.loads(listed)  # a list could be changed: parsed anew


def test_deep_nesting_refused():
    body = (b"<methodCall><methodName>x</methodName><params><param>"
            + b"<value><array><data>" * 65 + b"</data></array></value>" * 65
            + b"</param></params></methodCall>")
    with pytest.raises(wire.InvalidArgument, match="nested deeper than 64"):
        wire.loads(body)


def test_marshalled_copy_with_headers_shares_gzip():
    m = wire.Marshalled({"1": xmlrpc.client.Binary(b"a" * 5000)})
    copy = m.with_headers({"X-HA-Metadata-Age": "1.0"})
    assert copy.body is m.body and copy.gzipped() is m.gzipped()
    assert m.headers == {} and copy.headers == {"X-HA-Metadata-Age": "1.0"}
