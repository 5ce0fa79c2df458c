import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.broker import validate
from ovirt_hosted_engine_ha.lib.exceptions import InvalidArgument


@pytest.mark.parametrize("value", [1, 7, 2000])
def test_host_id_accepts_range(value):
    assert validate.host_id(value) == value


@pytest.mark.parametrize("value", [0, -1, 2001, 10**6, 2**70, True, 1.0, "1", None])
def test_host_id_rejects(value):
    with pytest.raises(InvalidArgument) as e:
        validate.host_id(value)
    assert str(e.value).startswith("invalid host_id: must be an integer in 1..2000, got ")


def test_host_id_global_slot_allowed_only_when_asked():
    assert validate.host_id(0, allow_global=True) == 0
    with pytest.raises(InvalidArgument):
        validate.host_id(0)


def test_host_id_message():
    with pytest.raises(InvalidArgument) as e:
        validate.host_id(2001, allow_global=True)
    assert str(e.value) == "invalid host_id: must be an integer in 0..2000, got 2001"


def test_host_id_maximum_from_lockspace():
    with pytest.raises(InvalidArgument, match="1..250"):
        validate.host_id(251, maximum=250)


@pytest.mark.parametrize("size", [0, 1, 4096])
def test_payload_sizes_accepted(size):
    assert validate.slot_payload(xmlrpc.client.Binary(b"a" * size)) == b"a" * size


def test_payload_too_large():
    with pytest.raises(InvalidArgument) as e:
        validate.slot_payload(xmlrpc.client.Binary(b"a" * 4097))
    assert str(e.value) == "invalid data: must be at most 4096 bytes, got 4097"


def test_payload_not_utf8():
    with pytest.raises(InvalidArgument, match="UTF-8.*offset 3"):
        validate.slot_payload(xmlrpc.client.Binary(b"abc\xff"))


def test_payload_not_ascii():
    with pytest.raises(InvalidArgument) as e:
        validate.slot_payload(xmlrpc.client.Binary("hostname=hé.lab".encode()))
    assert str(e.value) == "invalid data: must be ASCII text, non-ASCII character at offset 10"
    assert e.value.fault_code == 2


def test_payload_must_be_binary():
    with pytest.raises(InvalidArgument, match="must be base64 data, got str"):
        validate.slot_payload("text")


def test_host_list():
    assert validate.host_list([1, 2, 3]) == [1, 2, 3]
    with pytest.raises(InvalidArgument, match=r"alive_hosts\[1\]"):
        validate.host_list([1, 0])
    with pytest.raises(InvalidArgument, match="array"):
        validate.host_list("1|2")
    with pytest.raises(InvalidArgument, match="2002 entries"):
        validate.host_list([1] * 2002)


def test_options_strings_and_nil():
    opts = {"addr": "127.0.0.1", "tcp_t_address": None, "count": 5}
    assert validate.options(opts) == {"addr": "127.0.0.1", "tcp_t_address": None, "count": "5"}


@pytest.mark.parametrize("value", [[], "x", {"a": [1]}, {"a": {"b": "c"}}])
def test_options_rejects(value):
    with pytest.raises(InvalidArgument):
        validate.options(value)


def test_text_bounded():
    with pytest.raises(InvalidArgument, match="at most 1024"):
        validate.text("x" * 1025, "detail")
