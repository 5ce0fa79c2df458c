"""The global slot (slot 0) codec: bytes, upstream's parser, malformed slots, properties."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovirt_hosted_engine_ha.lib import exceptions, metadata
from ovirt_hosted_engine_ha.lib.metadata import GlobalSlot
from tests.clientsupport import upstream_model


def test_global_slot_bytes():
    assert metadata.build_global_slot(GlobalSlot(True)) == b"maintenance=1".ljust(4096, b"\0")
    assert metadata.build_global_slot(GlobalSlot(False)) == b"maintenance=0".ljust(4096, b"\0")
    assert metadata.build_global_slot(GlobalSlot()) == bytes(4096)


@pytest.mark.parametrize("text,expected", [
    ("maintenance=1", True), ("maintenance=0", False), ("maintenance=True", True),
    ("maintenance=no", False), ("maintenance=yes\nother=3", True), ("", None),
    ("garbage", None), ("other=1", None),
])
def test_global_slot_parses(text, expected):
    data = text.encode().ljust(4096, b"\0")
    assert metadata.parse_global_slot(data) == GlobalSlot(expected)
    assert metadata.parse_global_slot(data).to_stats() == upstream_model.parse_global(
        data.decode())


@pytest.mark.parametrize("data,reason", [
    (b"maintenance=1", "received 13 of 4096 expected bytes"),
    (b"maintenance=x".ljust(4096, b"\0"), "maintenance value 'x' is not a boolean"),
    (b"maintenance=".ljust(4096, b"\0"), "maintenance value '' is not a boolean"),
    (b"maintenance=\xff".ljust(4096, b"\0"), "global flags is not ASCII text"),
])
def test_malformed_global_slot(data, reason):
    with pytest.raises(exceptions.MalformedMetadata) as e:
        metadata.parse_global_slot(data)
    assert str(e.value).startswith("metadata slot 0 is malformed: ")
    assert reason in str(e.value)


@given(st.one_of(st.none(), st.booleans()))
def test_global_roundtrip(maintenance):
    data = metadata.build_global_slot(GlobalSlot(maintenance))
    assert metadata.parse_global_slot(data) == GlobalSlot(maintenance)
    assert upstream_model.parse_global(data.decode()) == GlobalSlot(maintenance).to_stats()


@given(st.binary(min_size=4096, max_size=4096))
@settings(suppress_health_check=[HealthCheck.large_base_example])
def test_global_garbage_never_crashes(data):
    try:
        metadata.parse_global_slot(data)
    except exceptions.MetadataError as e:
        assert str(e).startswith("metadata slot 0 is malformed: ")


@given(st.sampled_from(["maintenance=", "other=", "", "\n"]),
       st.text(max_size=20), st.sampled_from(["", "\n"]))
def test_global_text_never_crashes(key, value, tail):
    data = (key + value + tail).encode().ljust(4096, b"\0")[:4096]
    try:
        parsed = metadata.parse_global_slot(data)
    except exceptions.MalformedMetadata:
        return
    assert metadata.parse_global_slot(metadata.build_global_slot(parsed)) == parsed
