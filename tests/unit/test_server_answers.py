"""Answers as clients decode them: the fast slot-struct decoder, headers."""

import os
import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.lib import exceptions, unixrpc
from tests.unit.serversupport import proxy


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
