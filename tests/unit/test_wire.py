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


def _put_stats_bodies():
    """put_stats documents as the stdlib client sends them, good and bad."""
    slot = ("1|1|100|1|3400|" + "x" * 1400).encode()
    dumps = xmlrpc.client.dumps
    made = [dumps((host, xmlrpc.client.Binary(data)), "put_stats", allow_none=True).encode()
            for host, data in [(1, slot), (0, b""), (2000, slot), (-1, slot), (2001, b"a"),
                               (1, b"\xff\xfe" * 900), (1, b"x" * 5000)]]
    good = made[0]
    b64 = good.split(b"<base64>\n")[1].split(b"</base64>")[0]
    return made + [
        good.replace(b"<int>", b"<i8>").replace(b"</int>", b"</i8>"),
        good.replace(b"<int>", b"<i4>").replace(b"</int>", b"</i4>"),
        good.replace(b"<int>1</int>", b"<int>0001</int>"),
        good.replace(b"<int>1</int>", b"<int>-0</int>"),
        good.replace(b"<int>1</int>", b"<int>4294967296</int>"),
        good.replace(b"<int>1</int>", b"<int>99999999999</int>"),
        good.replace(b"<int>1</int>", b"<int>1</i8>"),          # mismatched tag
        good.replace(b"<int>1</int>", b"<string>1</string>"),  # wrong type
        good.replace(b"<int>1</int>", b"<int>1x</int>"),
        good.replace(b"<int>1</int>", b"<int></int>"),
        good.replace(b"<value><base64>", b"<value><string>")
            .replace(b"</base64></value>", b"</string></value>"),
        good.replace(b"put_stats", b"get_stats"),
        good.replace(b"\n", b"\r\n"),
        good.replace(b"\n<param>\n<value><int>", b"\n<param>\n<value> <int>"),
        good.replace(b"</methodCall>\n", b"</methodCall>\n<x/>"),
        good.replace(b"</methodCall>\n", b"</methodCall>"),
        good.replace(b"<?xml version='1.0'?>\n", b""),
        good.replace(b"<?xml version='1.0'?>", b'<?xml version="1.0" encoding="latin-1"?>'),
        good.replace(b"</param>\n</params>", b"</param>\n<param>\n<value><int>1</int></value>"
                                             b"\n</param>\n</params>"),
        good.replace(b64, b64[:-1]),  # bad padding
        good.replace(b64, b64[:-2] + b"=A"),  # data after the padding
        good.replace(b64, b"A"),  # too short
        good.replace(b64, b64 + b"&amp;"),  # an entity inside
        good.replace(b64, b64.replace(b"\n", b"")),  # one long line
        good.replace(b64, b""),
    ]


def _outcome(parse, body):
    try:
        params, method = parse(body)
    except Exception as e:
        return ("raised", type(e), str(e))
    return ("parsed", method, [(type(p), p.data if isinstance(p, xmlrpc.client.Binary) else p)
                               for p in params])


@pytest.mark.parametrize("body", _put_stats_bodies())
def test_put_stats_fast_parse_same_as_full_parser(body):
    assert _outcome(wire.loads, body) == _outcome(wire._parse, body)


def test_stdlib_put_stats_skips_expat(monkeypatch):
    body = xmlrpc.client.dumps((3, xmlrpc.client.Binary(b"3|x" * 500)), "put_stats").encode()

    def no_expat(data):
        raise AssertionError("the full parser was used")
    monkeypatch.setattr(wire, "_parse", no_expat)
    params, method = wire.loads(body)
    assert method == "put_stats" and params[0] == 3
    assert isinstance(params[1], xmlrpc.client.Binary) and params[1].data == b"3|x" * 500
    with pytest.raises(AssertionError, match="full parser"):
        wire.loads(body.replace(b"<int>3</int>", b"<string>3</string>"))
