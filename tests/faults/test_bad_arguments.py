"""F22-F24: hostile arguments on a real broker: a Fault, nothing on disk, broker up."""

import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.unixrpc import UnixXmlRpcClient
from tests.brokersupport import SLOT, hold_ids_and_publish, host_slot, read_volume
from tests.faults.test_entity_tricks import post

pytestmark = pytest.mark.integration

Binary = xmlrpc.client.Binary


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return hold_ids_and_publish(shared_cluster(hosts=2))


def proxy(lab, host_id=1):
    return UnixXmlRpcClient(lab.hosts[host_id].socket_path, 10)


def fault_of(call, *args) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as e:
        call(*args)
    return e.value


def raw_call(path: str, verb: str, params_xml: str) -> bytes:
    """A methodCall written by hand (values no client library would send)."""
    return post(path, (f"<?xml version='1.0'?><methodCall><methodName>{verb}</methodName>"
                       f"<params>{params_xml}</params></methodCall>").encode())


def stats_keys(lab) -> dict[int, set[str]]:
    return {h: set(proxy(lab, h).get_stats()) for h in lab.hosts}


WRONG_TYPES = [
    ("put_stats", ("x", Binary(b"a"))),
    ("put_stats", (1, "str")),
    ("put_stats", (None, Binary(b"a"))),
    ("put_stats", (True, Binary(b"a"))),
    ("put_stats", (1.0, Binary(b"a"))),
    ("put_stats", ([1], Binary(b"a"))),
    ("put_stats", (1, {"data": "x"})),
    ("start_domain_monitor", (None,)),
    ("lock_host_id", ("1",)),
    ("push_hosts_state", ("1,2",)),
    ("start_monitor", (5, {})),
    ("notify", ("state_transition", None, {})),
]


@pytest.mark.row("F22")
def test_wrong_argument_types(lab, row):
    before, keys = read_volume(lab.metadata_path), stats_keys(lab)
    codes = set()
    for verb, args in WRONG_TYPES:
        fault = fault_of(getattr(proxy(lab), verb), *args)
        assert fault.faultCode == exceptions.FaultCode.INVALID_ARGUMENT, (verb, args, fault)
        assert fault.faultString.startswith(f"{verb}: invalid ")
        codes.add(fault.faultCode)
    after = read_volume(lab.metadata_path)
    changed = sum(after[i:i + SLOT] != before[i:i + SLOT] for i in range(0, len(after), SLOT))
    assert changed == 0
    assert stats_keys(lab) == keys
    row.observe(f"{len(WRONG_TYPES)} calls -> Fault code {sorted(codes)}; "
                f"slots changed on disk {changed}; cache keys unchanged; broker up")


@pytest.mark.row("F23")
def test_host_id_out_of_range(lab, row):
    size = lab.metadata_path.stat().st_size
    before = read_volume(lab.metadata_path)
    refused = 0
    for host_id in (-1, 2001, 10**6):
        fault = fault_of(proxy(lab).put_stats, host_id, Binary(b"a"))
        assert fault.faultCode == exceptions.FaultCode.INVALID_ARGUMENT
        assert "must be an integer in 0..2000" in fault.faultString
        refused += 1
    for big in (2**70, -(2**70), 2**31):  # beyond what a client library marshals
        answer = raw_call(str(lab.hosts[1].socket_path), "put_stats",
                          f"<param><value><int>{big}</int></value></param>"
                          f"<param><value><base64>YQ==</base64></value></param>")
        assert b"<fault>" in answer and b"must be an integer in 0..2000" in answer, answer
        refused += 1
    max_hosts = 2000 if lab.sector == 512 else 250
    for host_id in (0, max_hosts + 1, 2**31 - 1):
        fault = fault_of(proxy(lab, 2).lock_host_id, host_id)
        assert fault.faultCode == exceptions.FaultCode.INVALID_ARGUMENT
        assert f"must be an integer in 1..{max_hosts}" in fault.faultString
        refused += 1
    delta = lab.metadata_path.stat().st_size - size
    assert delta == 0 and read_volume(lab.metadata_path) == before
    assert isinstance(proxy(lab).get_stats(), dict) and isinstance(proxy(lab, 2).get_stats(), dict)
    row.observe(f"{refused} out-of-range ids -> Fault code 2; metadata file size delta "
                f"{delta} bytes; both brokers up")


PAYLOADS = [
    (b"", True, "0 bytes (clears the slot)"),
    (b"a" * SLOT, True, "4096 bytes"),
    (b"a" * 4097, False, "4097 bytes"),
    (b"a" * 5000, False, "5000 bytes"),
    (b"a" * 8192, False, "8192 bytes"),
    (b"score=\xff\xfe", False, "non-UTF-8"),
    ("hostname=hé.lab".encode(), False, "non-ASCII UTF-8"),
]


@pytest.mark.row("F24")
def test_payload_size_and_encoding(lab, row):
    link = proxy(lab)
    accepted, refused, neighbour_changes = 0, 0, 0
    for payload, ok, what in PAYLOADS:
        before = read_volume(lab.metadata_path)
        if ok:
            assert link.put_stats(1, Binary(payload)) == "ok", what
            assert read_volume(lab.metadata_path)[SLOT:2 * SLOT] == payload.ljust(SLOT, b"\0")
            accepted += 1
        else:
            fault = fault_of(link.put_stats, 1, Binary(payload))
            assert fault.faultCode == exceptions.FaultCode.INVALID_ARGUMENT, what
            assert read_volume(lab.metadata_path) == before, what
            refused += 1
        after = read_volume(lab.metadata_path)
        neighbour_changes += (after[:SLOT] != before[:SLOT]) + \
            (after[2 * SLOT:3 * SLOT] != before[2 * SLOT:3 * SLOT])
    assert neighbour_changes == 0
    lab.hosts[1].link().put_stats_on_storage(1, host_slot(1))
    row.observe(f"{accepted} accepted (0, 4096 bytes), {refused} refused with Fault code 2 "
                f"(4097, 5000, 8192 bytes, non-UTF-8, non-ASCII); neighbour slots changed "
                f"{neighbour_changes}")
