"""Storage and liveness verbs through real brokers, real sanlock, real files."""

import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.lib import exceptions, metadata, unixrpc
from tests.brokersupport import SLOT, host_slot, inquire, read_volume, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    cluster = shared_cluster(hosts=2)
    for host_id, host in cluster.hosts.items():
        host.link(60).lock_host_id(host_id)
    return cluster


def test_prepared_links_point_at_volumes(lab):
    ha_agent = lab.domain_dir / "ha_agent"
    assert (ha_agent / "hosted-engine.metadata").resolve() == lab.metadata_path.resolve()
    assert (ha_agent / "hosted-engine.lockspace").resolve() == lab.lockspace_path.resolve()


def test_two_hosts_write_and_read_each_others_slots(lab):
    one, two = lab.hosts[1].link(), lab.hosts[2].link()
    one.put_stats_on_storage(1, host_slot(1, ts=111))
    two.put_stats_on_storage(2, host_slot(2, ts=222))
    # durable on return: the bytes are on the volume now
    volume = read_volume(lab.metadata_path)
    assert volume[SLOT:2 * SLOT] == host_slot(1, ts=111).encode().ljust(SLOT, b"\0")
    assert volume[2 * SLOT:3 * SLOT] == host_slot(2, ts=222).encode().ljust(SLOT, b"\0")
    # read-your-writes: the writer serves the slot as the volume holds it, at once
    assert one.get_stats_from_storage()[1] == host_slot(1, ts=111).ljust(SLOT, "\0")
    # the other host reads it from storage within its read cycles
    seen = wait_for(lambda: two.get_stats_from_storage().get(1), timeout=30)
    assert seen.rstrip("\0") == host_slot(1, ts=111).rstrip("\0")
    parsed = metadata.parse_host_slot(1, seen)
    assert parsed.host_ts == 111 and parsed.hostname == "host1.lab"


def test_global_slot_written_and_seen_by_all(lab):
    lab.hosts[2].link().put_stats_on_storage(0, "maintenance=1")
    assert read_volume(lab.metadata_path)[:SLOT] == b"maintenance=1".ljust(SLOT, b"\0")
    wait_for(lambda: lab.hosts[1].link().get_stats_from_storage().get(0, "").startswith(
        "maintenance=1"), timeout=30)
    lab.hosts[2].link().put_stats_on_storage(0, "maintenance=0")


def test_cleaned_slot_disappears_everywhere(lab):
    one, two = lab.hosts[1].link(), lab.hosts[2].link()
    one.put_stats_on_storage(1, host_slot(1, ts=5))
    wait_for(lambda: 1 in two.get_stats_from_storage(), timeout=30)
    one.put_stats_on_storage(1, "")
    assert 1 not in one.get_stats_from_storage()
    wait_for(lambda: 1 not in two.get_stats_from_storage(), timeout=30)
    one.put_stats_on_storage(1, host_slot(1, ts=6))


def test_short_global_slot_identical_on_both_brokers(lab):
    """The writer and a fresh reader serve the same 4096 bytes (and global maintenance)."""
    one = unixrpc.UnixXmlRpcClient(lab.hosts[1].socket_path, 10)
    two = unixrpc.UnixXmlRpcClient(lab.hosts[2].socket_path, 10)
    one.put_stats(0, xmlrpc.client.Binary(b"maintenance=1"))
    wait_for(lambda: two.get_stats().get("0", xmlrpc.client.Binary(b"")).data.startswith(
        b"maintenance=1"), timeout=30)
    first, second = one.get_stats()["0"].data, two.get_stats()["0"].data
    assert first == second == b"maintenance=1".ljust(SLOT, b"\0")
    for host in lab.hosts.values():
        assert metadata.parse_global_slot(host.link().get_stats_from_storage()[0]).maintenance
    one.put_stats(0, xmlrpc.client.Binary(b"maintenance=0"))
    wait_for(lambda: two.get_stats()["0"].data.startswith(b"maintenance=0"), timeout=30)


def test_get_stats_tells_the_metadata_age(lab):
    slots, age = lab.hosts[1].link().get_stats_and_age()
    assert age is not None and 0 <= age < 30  # read within the last cycles
    assert 0 in slots or 1 in slots


def test_liveness_pushed_list(lab):
    link = lab.hosts[1].link()
    link.put_hosts_state_on_storage(1, [2])
    assert link.is_host_alive(1) and link.is_host_alive(2)
    assert not link.is_host_alive(3)
    assert unixrpc.UnixXmlRpcClient(lab.hosts[1].socket_path, 5).is_host_alive() == [1, 2]
    assert lab.hosts[2].link().is_host_alive(1) is False  # per broker, nothing shared


BAD_CALLS = [
    ("put_stats", ("1", xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (-1, xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (2001, xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (10**6, xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (True, xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (1.0, xmlrpc.client.Binary(b"x")), "invalid host_id"),
    ("put_stats", (1, "text"), "must be base64 data"),
    ("put_stats", (1, xmlrpc.client.Binary(b"x" * 4097)), "at most 4096 bytes"),
    ("put_stats", (1, xmlrpc.client.Binary(b"x" * 8192)), "at most 4096 bytes"),
    ("put_stats", (1, xmlrpc.client.Binary(b"ok\xff\xfe")), "UTF-8"),
    ("put_stats", (1, xmlrpc.client.Binary("hé".encode())), "must be ASCII"),
    ("put_stats", (1,), "takes 2 arguments"),
    ("push_hosts_state", ("1|2",), "must be an array"),
    ("push_hosts_state", ([1, 0],), "alive_hosts[1]"),
    ("lock_host_id", (0,), "invalid host_id"),
    ("lock_host_id", (2001,), "invalid host_id"),
    ("lock_host_id", (None,), "invalid host_id"),
    ("start_domain_monitor", (None,), "invalid host_id"),
    ("start_monitor", ("network", "addr=1"), "must be a struct"),
    ("start_monitor", ("nosuch", {}), "nosuch"),
    ("notify", ("state_transition", 5, {}), "must be a string"),
]


@pytest.mark.parametrize("verb,args,message", BAD_CALLS,
                         ids=[f"{v}-{i}" for i, (v, _, _) in enumerate(BAD_CALLS)])
def test_bad_input_is_fault_and_changes_nothing(lab, verb, args, message):
    proxy = unixrpc.UnixXmlRpcClient(lab.hosts[1].socket_path, 10)
    link = lab.hosts[1].link()
    before_volume = read_volume(lab.metadata_path)
    before_stats = link.get_stats_from_storage()
    with pytest.raises(xmlrpc.client.Fault) as e:
        getattr(proxy, verb)(*args)
    assert e.value.faultString.startswith(f"{verb}: ")
    assert message in e.value.faultString
    assert read_volume(lab.metadata_path) == before_volume
    after_stats = link.get_stats_from_storage()  # other slots may catch up with storage
    assert after_stats.keys() == before_stats.keys()
    assert after_stats.get(1) == before_stats.get(1)
    assert lab.metadata_path.stat().st_size == 1024**3


def test_brokerlink_raises_request_error_with_code(lab):
    with pytest.raises(exceptions.RequestError) as e:
        lab.hosts[1].link().lock_host_id(3)
    assert e.value.code == exceptions.FaultCode.LOCKSPACE
    assert "host id 1 is held by this broker" in str(e.value)
    assert inquire(lab.hosts[1], 1, lab.lockspace_path) == "True"


def test_vanished_metadata_volume_is_fault_then_recovers(lab):
    link = lab.hosts[1].link()
    link.put_stats_on_storage(1, host_slot(1, ts=70))
    moved = lab.metadata_path.with_name("moved-away")
    lab.metadata_path.rename(moved)
    try:
        with pytest.raises(exceptions.RequestError) as e:
            link.put_stats_on_storage(1, host_slot(1, ts=71))
        assert e.value.code == exceptions.FaultCode.STORAGE
        assert "No such file or directory" in str(e.value)
        # callers are still served the last good data
        assert link.get_stats_from_storage()[1] == host_slot(1, ts=70).ljust(SLOT, "\0")
    finally:
        moved.rename(lab.metadata_path)
    link.put_stats_on_storage(1, host_slot(1, ts=72))
    assert read_volume(lab.metadata_path)[SLOT:2 * SLOT].startswith(host_slot(1, ts=72).encode())
