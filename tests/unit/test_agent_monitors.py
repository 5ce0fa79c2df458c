"""The monitors the agent starts and how their answers are read."""

import pytest

from ovirt_hosted_engine_ha.agent import monitors
from ovirt_hosted_engine_ha.agent.model import EngineStatus


def test_required_monitors_in_upstream_order_with_upstream_options():
    conf = {"gateway": "192.0.2.1", "bridge": "ovirtmgmt", "vdsm_use_ssl": "true",
            "vmid": "vm-1", "sdUUID": "sd-1", "network_test": "dns"}
    specs = monitors.required_monitors(conf)
    assert [(s.field, s.type) for s in specs] == [
        ("network", "network"), ("bridge", "mgmt-bridge"), ("mem-free", "mem-free"),
        ("cpu-load", "cpu-load-no-engine"), ("engine-health", "engine-health"),
        ("storage-domain", "storage-domain")]
    assert specs[0].options == {"addr": "192.0.2.1", "network_test": "dns",
                                "tcp_t_address": None, "tcp_t_port": None}
    assert specs[1].options == {"address": "0", "use_ssl": "true", "bridge_name": "ovirtmgmt"}
    assert specs[2].options == {"address": "0", "use_ssl": "true"}
    assert specs[3].options == {"address": "0", "use_ssl": "true", "vm_uuid": "vm-1"}
    assert specs[4].options == specs[3].options
    assert specs[5].options == {"sd_uuid": "sd-1"}


@pytest.mark.parametrize("field,text,value", [
    ("network", "0.8", 0.8),
    ("network", "None", None),
    ("bridge", "True", True),
    ("bridge", "False", False),
    ("bridge", "None", None),          # upstream: bool("None") is True
    ("mem-free", "15873", 15873.0),
    ("mem-free", "None", None),
    ("cpu-load", "0.0123", 0.0123),
    ("cpu-load", "garbage", None),
    ("storage-domain", "True", True),
    ("storage-domain", "False", False),  # upstream: "False" is truthy, passes
    ("storage-domain", "None", None),
])
def test_convert(field, text, value):
    assert monitors.convert(field, text) == value


def test_convert_engine_health():
    text = '{"vm": "up", "health": "good", "detail": "Up"}'
    status = monitors.convert("engine-health", text)
    assert status == EngineStatus.of("up", "good", "Up")
    assert status.to_json() == text
    assert monitors.convert("engine-health", "None") is None
    assert monitors.convert("engine-health", "null") == \
        EngineStatus.of("unknown", "unknown", "serialization error")
    assert monitors.convert("engine-health", "{not json") == \
        EngineStatus.of("unknown", "unknown", "serialization error")


@pytest.mark.parametrize("status,rank", [
    (EngineStatus.of("unknown", "unknown", "unknown"), 0),
    (EngineStatus.of("down", "bad", "Down"), 1),
    (EngineStatus.of("down_unexpected", "bad", "Down"), 1),
    (EngineStatus.of("down_missing", "bad", "unknown"), 1),
    (EngineStatus.of("up", "bad", "Paused"), 2),
    (EngineStatus.of("up", "bad", "Up"), 3),
    (EngineStatus.of("up", "good", "Up"), 4),
    (EngineStatus.of("up", "strange", "Up"), 0),   # upstream: ValueError, loop ends
])
def test_engine_status_rank(status, rank):
    assert status.rank() == rank


def test_engine_status_keeps_key_order_and_texts():
    status = EngineStatus.from_json('{"health": "bad", "vm": "up", "detail": "Up", "n": 1}')
    assert status.to_json() == '{"health": "bad", "vm": "up", "detail": "Up", "n": "1"}'
