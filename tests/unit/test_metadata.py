"""The metadata codec: golden vectors, interop with upstream's rules, properties."""

import binascii

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ovirt_hosted_engine_ha.lib import exceptions, metadata
from ovirt_hosted_engine_ha.lib.metadata import HostSlot
from tests.clientsupport import upstream_model

# spec/broker.md §6.4 (computed with upstream's lib/metadata.py)
VECTOR_HEADER = (
    '1|1|12345|1|3400|{"vm": "up", "health": "good", "detail": "Up"}'
    '|host1.example.com|0|0|9ac03b79|1|12000'
)
VECTOR = HostSlot(
    host_id=1, host_ts=12345, score=3400,
    engine_status='{"vm": "up", "health": "good", "detail": "Up"}',
    hostname="host1.example.com", maintenance=False, stopped=False,
    conf_on_shared_storage=True, local_conf_timestamp=12000,
)
# spec/agent.md §5.2 example
AGENT_HEADER = (
    '1|1|4823|1|3400|{"vm": "up", "health": "good", "detail": "Up"}'
    '|host1.example.com|0|0|00e57683|1|4790'
)
EXTRA = (
    "metadata_parse_version=1\nmetadata_feature_version=1\n"
    "timestamp=4823 (Mon Nov 24 20:10:00 2025)\nhost-id=1\nscore=3400\n"
    "vm_conf_refresh_time=4790 (Mon Nov 24 20:09:27 2025)\n"
    "conf_on_shared_storage=True\nmaintenance=False\nstate=EngineUp\nstopped=False\n"
)


def slot_bytes(header: str, extra: str = "") -> bytes:
    return header.encode().ljust(512, b"\0") + extra.encode().ljust(3584, b"\0")


def with_crc(tokens: list[str]) -> str:
    zeroed = tokens[:9] + ["00000000"] + tokens[10:]
    tokens[9] = "%08x" % (binascii.crc32("|".join(zeroed).encode()) & 0xFFFFFFFF)
    return "|".join(tokens)


# Golden vectors


def test_spec_vector_parses():
    slot = metadata.parse_host_slot(1, slot_bytes(VECTOR_HEADER))
    assert slot == VECTOR
    assert slot.crc32 == "9ac03b79"
    assert len(VECTOR_HEADER) == 102


def test_spec_vector_builds_byte_for_byte():
    data = metadata.build_host_slot(VECTOR)
    assert data == slot_bytes(VECTOR_HEADER)
    assert len(data) == 4096


def test_spec_vector_dict_is_upstreams():
    assert metadata.parse_host_slot(1, slot_bytes(VECTOR_HEADER)).to_stats() == {
        "host-id": 1, "host-ts": 12345, "score": 3400,
        "engine-status": '{"vm": "up", "health": "good", "detail": "Up"}',
        "hostname": "host1.example.com", "maintenance": False, "stopped": False,
        "crc32": "9ac03b79", "conf_on_shared_storage": True, "local_conf_timestamp": 12000,
    }


def test_dict_key_order_is_upstreams():
    stats = metadata.parse_host_slot(1, slot_bytes(AGENT_HEADER, EXTRA)).to_stats()
    assert list(stats) == [
        "host-id", "host-ts", "score", "engine-status", "hostname", "maintenance",
        "stopped", "crc32", "conf_on_shared_storage", "local_conf_timestamp", "extra"]
    assert stats["crc32"] == "00e57683"
    assert stats["extra"] == EXTRA


def test_agent_payload_is_upstreams_shape():
    slot = metadata.parse_host_slot(1, slot_bytes(AGENT_HEADER, EXTRA))
    payload = metadata.build_host_slot(slot, pad=False)
    expected = upstream_model.agent_blocks(
        1, 4823, 3400, '{"vm": "up", "health": "good", "detail": "Up"}', "host1.example.com",
        False, False, True, 4790, EXTRA.splitlines())
    assert payload == expected
    assert len(payload) == 1024


def test_header_only_payload_is_one_block():
    assert len(metadata.build_host_slot(VECTOR, pad=False)) == 512


def test_upstream_compat_functions():
    assert metadata.create_global_metadata_from_dict({"maintenance": 1}) == \
        upstream_model.build_global({"maintenance": "True"})
    assert metadata.parse_global_metadata_to_dict(None, "maintenance=1".ljust(4096, "\0")) == \
        {"maintenance": True}
    assert metadata.parse_metadata_to_dict("1", slot_bytes(VECTOR_HEADER).decode())["score"] \
        == 3400
    assert "maintenance" in metadata.global_flags


# Older header formats


@pytest.mark.parametrize("tokens,keys", [
    (7, ["host-id", "host-ts", "score", "engine-status", "hostname"]),
    (8, ["host-id", "host-ts", "score", "engine-status", "hostname", "maintenance"]),
    (10, ["host-id", "host-ts", "score", "engine-status", "hostname", "maintenance",
          "stopped", "crc32"]),
])
def test_older_headers_parse(tokens, keys):
    full = VECTOR_HEADER.split("|")[:tokens]
    header = with_crc(full) if tokens >= 10 else "|".join(full)
    slot = metadata.parse_host_slot(1, slot_bytes(header))
    assert list(slot.to_stats()) == keys
    assert slot.to_stats() == upstream_model.parse_host(1, slot_bytes(header).decode())
    assert metadata.build_host_slot(slot) == slot_bytes(header)


def test_newer_writer_extra_tokens_are_kept():
    header = with_crc(VECTOR_HEADER.split("|") + ["future", "7"])
    slot = metadata.parse_host_slot(1, slot_bytes(header))
    assert slot.more_tokens == ("future", "7")
    assert metadata.build_host_slot(slot) == slot_bytes(header)
    assert slot.to_stats() == upstream_model.parse_host(1, slot_bytes(header).decode())


def test_slot_index_wins_over_header_host_id():
    assert metadata.parse_host_slot(7, slot_bytes(VECTOR_HEADER)).host_id == 7


def test_str_input_as_from_brokerlink():
    assert metadata.parse_host_slot(1, slot_bytes(VECTOR_HEADER).decode()) == VECTOR


# Malformed slots: one error class per host, a sentence naming the slot


def corrupt(index: int, value: str) -> str:
    tokens = VECTOR_HEADER.split("|")
    tokens[index] = value
    return with_crc(tokens)


@pytest.mark.parametrize("data,reason", [
    (b"1|1|2", "received 5 of 512 expected bytes"),
    (slot_bytes(VECTOR_HEADER.replace("9ac03b79", "9AC03B79")), "checksum '9AC03B79'"),
    (slot_bytes(VECTOR_HEADER.replace("12345", "12346")), "does not match"),
    (slot_bytes(corrupt(2, "12x45")), "timestamp (field 2) is not an integer: '12x45'"),
    (slot_bytes(corrupt(4, " 3400")), "score (field 4) is not an integer"),
    (slot_bytes(corrupt(7, "yes")), "maintenance (field 7) is not an integer"),
    (slot_bytes(corrupt(11, "")), "local_conf_timestamp (field 11)"),
    (slot_bytes(corrupt(1, "0")), "feature version 0 is older than 1"),
    (slot_bytes(corrupt(1, "x")), "feature version (field 1) is not an integer"),
    (slot_bytes("x|1|2|3|4|5|6"), "does not start with a version number"),
    (slot_bytes("1|1|2|3|4|5"), "the header has 6 fields"),
    (slot_bytes("|".join(VECTOR_HEADER.split("|")[:9])), "the header has 9 fields"),
    (slot_bytes("1a|1|2|3|4|5|6"), "parse version '1a' is not an integer"),
    (b"1|1|\xff|3|4|5|6".ljust(4096, b"\0"), "header is not ASCII text (byte 0xff at 4)"),
    (slot_bytes(VECTOR_HEADER)[:600] + b"\xc3" + bytes(3495),
     "extra text is not ASCII text (byte 0xc3 at 88)"),
    (slot_bytes("1|1|2|3|4|5|h\u00e9"), "header is not ASCII text (byte 0xc3 at 13)"),
    (b"1|1|2|3|4|5|6\0x".ljust(4096, b"\0"), "the header contains a NUL byte"),
])
def test_malformed_host_slot(data, reason):
    with pytest.raises(exceptions.MalformedMetadata) as e:
        metadata.parse_host_slot(2, data)
    assert str(e.value).startswith("metadata slot 2 is malformed: ")
    assert reason in str(e.value)
    assert e.value.slot == 2
    assert isinstance(e.value, exceptions.MetadataError)


def test_checksum_checked_before_fields():
    # A bad integer under a bad checksum is reported as a checksum error.
    header = VECTOR_HEADER.replace("12345", "12x45")
    with pytest.raises(exceptions.MalformedMetadata, match="checksum"):
        metadata.parse_host_slot(1, slot_bytes(header))


def test_too_new_is_fatal_and_a_metadata_error():
    with pytest.raises(exceptions.FatalMetadataError) as e:
        metadata.parse_host_slot(4, slot_bytes("2|2|garbage"))
    assert str(e.value) == \
        "metadata slot 4 has parse version 2, newer than the supported version 1"
    assert isinstance(e.value, exceptions.MetadataError)


def test_host_id_outside_range():
    with pytest.raises(exceptions.MalformedMetadata, match="host id must be an integer"):
        metadata.parse_host_slot(0, slot_bytes(VECTOR_HEADER))


# Records that cannot be encoded


@pytest.mark.parametrize("changes,reason", [
    ({"hostname": "a|b"}, "hostname must be text without '|' or NUL"),
    ({"engine_status": "x\0"}, "engine_status must be text"),
    ({"hostname": "h" * 500}, "header is 5"),
    ({"extra": "x" * 3585}, "extra text is 3585 bytes, more than 3584"),
    ({"extra": "x\0"}, "extra must be text not ending with NUL"),
    ({"host_id": 0}, "host id must be an integer in 1..2000"),
    ({"score": True}, "score must be an integer"),
    ({"score": "3400"}, "score must be an integer"),
    ({"maintenance": 1}, "maintenance must be a bool or None"),
    ({"maintenance": None}, "stopped needs every earlier optional field"),
    ({"local_conf_timestamp": None}, "go together"),
    ({"parse_version": 2}, "parse version must be an integer in 0..1"),
    ({"feature_version": 0}, "feature version must be an integer >= 1"),
    ({"more_tokens": ("a|b",)}, "more_tokens[0] must be text"),
    ({"hostname": "h\u00e9"}, "header is not ASCII ('\u00e9' at 65)"),
    ({"extra": "state=\u00e9"}, "extra text is not ASCII ('\u00e9' at 6)"),
])
def test_invalid_record(changes, reason):
    record = HostSlot(**{**VECTOR.__dict__, **changes})
    with pytest.raises(exceptions.InvalidMetadataRecord) as e:
        metadata.build_host_slot(record)
    assert reason in str(e.value)
    assert str(e.value).startswith(f"cannot encode metadata slot {record.host_id}: ")


# The broker's predicate


def test_checksum_predicate():
    ok = slot_bytes(VECTOR_HEADER)
    assert metadata.slot_checksum_ok(1, ok)
    assert metadata.slot_checksum_ok(1, bytes(4096))
    assert metadata.slot_checksum_ok(0, b"\xff" * 4096)
    assert metadata.slot_checksum_ok(1, slot_bytes("1|1|2|3|4|5|6"))
    assert metadata.slot_checksum_ok(1, slot_bytes("3|weird future format"))
    assert not metadata.slot_checksum_ok(1, slot_bytes(VECTOR_HEADER.replace("3400", "3401")))
    assert not metadata.slot_checksum_ok(1, b"\xff" * 4096)
    assert not metadata.slot_checksum_ok(1, slot_bytes("garbage"))
    assert not metadata.slot_checksum_ok(1, slot_bytes("1|1|2"))
    # Torn: a new header sector over an old extra is still a good header.
    assert metadata.slot_checksum_ok(1, ok[:512] + b"old extra".ljust(3584, b"\0"))


def test_slot_is_empty():
    assert metadata.slot_is_empty(bytes(4096))
    assert metadata.slot_is_empty("")
    assert not metadata.slot_is_empty(slot_bytes(VECTOR_HEADER))


# Properties

ascii_chars = st.characters(max_codepoint=127)
token_text = st.text(st.characters(max_codepoint=127, blacklist_characters="|\0"), max_size=40)
ints = st.integers(min_value=-(2**63), max_value=2**63)


@st.composite
def host_slots(draw) -> HostSlot:
    layout = draw(st.sampled_from(metadata.KNOWN_TOKEN_COUNTS))
    record = HostSlot(
        host_id=draw(st.integers(1, 2000)),
        host_ts=draw(ints),
        score=draw(ints),
        engine_status=draw(token_text),
        hostname=draw(token_text),
        maintenance=draw(st.booleans()) if layout >= 8 else None,
        stopped=draw(st.booleans()) if layout >= 10 else None,
        conf_on_shared_storage=draw(st.booleans()) if layout >= 12 else None,
        local_conf_timestamp=draw(ints) if layout >= 12 else None,
        extra=draw(st.text(ascii_chars, max_size=1000).map(lambda s: s.rstrip("\0"))),
        parse_version=draw(st.integers(0, 1)),
        feature_version=draw(st.integers(1, 10**6)),
        more_tokens=tuple(draw(st.lists(token_text, max_size=3))) if layout >= 12 else (),
    )
    return record


def encodable(record: HostSlot) -> bytes:
    try:
        return metadata.build_host_slot(record)
    except exceptions.InvalidMetadataRecord:
        assume(False)
        raise


@given(host_slots())
@example(VECTOR)
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_parse_build_roundtrip(record):
    data = encodable(record)
    assert len(data) == 4096
    assert metadata.parse_host_slot(record.host_id, data) == record
    assert metadata.parse_host_slot(record.host_id, data.decode()) == record
    assert metadata.slot_checksum_ok(record.host_id, data)


@given(host_slots())
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_upstream_rules_accept_what_we_build(record):
    data = encodable(record)
    assert upstream_model.parse_host(record.host_id, data.decode()) == record.to_stats()


@given(st.integers(1, 2000), st.integers(0, 10**9), st.integers(0, 3400), token_text,
       token_text, st.booleans(), st.booleans(),
       st.booleans(), st.integers(0, 10**9), st.lists(token_text.map(lambda s: s.replace(
           "\n", "")), max_size=10))
def test_we_accept_what_upstreams_agent_builds(host_id, ts, score, status, hostname, maint,
                                              stopped, conf, conf_ts, lines):
    payload = upstream_model.agent_blocks(
        host_id, ts, score, status, hostname,
        maint, stopped, conf, conf_ts, lines)
    assume(len(payload) <= 4096)
    stored = upstream_model.broker_pad(payload)
    ours = metadata.parse_host_slot(host_id, stored)
    assert ours.to_stats() == upstream_model.parse_host(host_id, stored.decode())
    assert metadata.parse_host_slot(host_id, payload) == ours
    assert metadata.build_host_slot(ours) == stored


def check_never_crashes(host_id: int, data: bytes) -> None:
    try:
        record = metadata.parse_host_slot(host_id, data)
    except exceptions.MetadataError as e:
        assert str(e).startswith(f"metadata slot {host_id} ")
        return
    # Whatever parses is a valid record: it encodes and decodes to itself.
    assert metadata.parse_host_slot(host_id, metadata.build_host_slot(record)) == record


@given(st.integers(1, 2000), st.binary(max_size=4096))
def test_garbage_never_crashes(host_id, data):
    check_never_crashes(host_id, data.ljust(4096, b"\0") if len(data) > 100 else data)


@given(st.data())
def test_mutated_slots_never_crash(data):
    slot = bytearray(slot_bytes(AGENT_HEADER, EXTRA))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, 700))
        slot[position] = data.draw(st.integers(0, 255))
    check_never_crashes(1, bytes(slot))
    metadata.slot_checksum_ok(1, bytes(slot))
