"""The published slot: upstream's bytes, parsed by lib/metadata and by upstream's rules."""

import dataclasses
import time

from ovirt_hosted_engine_ha.agent import publish
from ovirt_hosted_engine_ha.agent.states import (
    AgentStopped,
    EngineStop,
    EngineUp,
    LocalMaintenance,
)
from ovirt_hosted_engine_ha.lib import metadata
from tests.agentsupport.builders import GOOD, history
from tests.clientsupport import upstream_model

IDENT = publish.Identity(host_id=3, hostname="host3.example.com", conf_on_shared_storage=True)
STAMP = publish.VmConfStamp(refreshed=40, epoch=1_700_000_000)
EPOCH = 1_700_000_000


def data(t: int = 100):
    d = history(t, GOOD)
    return d.replace(history=(dataclasses.replace(d.history[0], time_epoch=EPOCH),)
                     + d.history[1:])


def test_slot_is_what_upstream_sends():
    state = EngineUp(data())
    text = publish.build_slot(IDENT, state, 3400, state.data.stats, STAMP)
    expected_extra = [
        "metadata_parse_version=1",
        "metadata_feature_version=1",
        f"timestamp=100 ({time.ctime(EPOCH + 100)})",
        "host-id=3",
        "score=3400",
        f"vm_conf_refresh_time=40 ({time.ctime(EPOCH + 40)})",
        "conf_on_shared_storage=True",
        "maintenance=False",
        "state=EngineUp",
        "stopped=False",
    ]
    expected = upstream_model.agent_blocks(
        3, 100, 3400, '{"vm": "up", "health": "good", "detail": "Up"}', "host3.example.com",
        maintenance=False, stopped=False, conf_shared=True, conf_ts=40,
        extra_lines=expected_extra)
    assert text.encode("ascii") == expected
    assert len(text) % 512 == 0


def test_slot_parses_with_our_codec_and_upstream_rules():
    state = EngineUp(data())
    text = publish.build_slot(IDENT, state, 3400, state.data.stats, STAMP)
    slot = metadata.parse_host_slot(3, text)
    assert (slot.host_ts, slot.score, slot.hostname, slot.maintenance, slot.stopped) == \
        (100, 3400, "host3.example.com", False, False)
    assert slot.engine_status == '{"vm": "up", "health": "good", "detail": "Up"}'
    assert (slot.conf_on_shared_storage, slot.local_conf_timestamp) == (True, 40)
    upstream = upstream_model.parse_host(3, upstream_model.broker_pad(text.encode()).decode())
    assert upstream["score"] == 3400 and upstream["host-ts"] == 100
    assert upstream["crc32"] == slot.crc32


def test_local_maintenance_and_stopped_flags():
    d = data()
    text = publish.build_slot(IDENT, LocalMaintenance(d), 0, d.stats, STAMP)
    slot = metadata.parse_host_slot(3, text)
    assert (slot.maintenance, slot.stopped, slot.score) == (True, False, 0)
    assert "maintenance=True\nstate=LocalMaintenance\nstopped=False\n" in slot.extra
    text = publish.build_slot(IDENT, AgentStopped(d), 0, d.stats, STAMP)
    slot = metadata.parse_host_slot(3, text)
    assert (slot.maintenance, slot.stopped) == (False, True)
    assert "state=AgentStopped\nstopped=True\n" in slot.extra


def test_timeout_line_shows_a_real_date():
    d = data().replace(timeout_start=90)
    text = publish.build_slot(IDENT, EngineStop(d), 3400, d.stats, STAMP)
    deadline = time.ctime(EPOCH + 90 + 300)
    assert f"stopped=False\ntimeout={deadline}\n" in metadata.parse_host_slot(3, text).extra


def test_without_a_collection():
    text = publish.build_slot(IDENT, AgentStopped(history(0).replace(history=())), 0, None,
                              publish.VmConfStamp(), now=55, epoch=EPOCH)
    slot = metadata.parse_host_slot(3, text)
    assert slot.host_ts == 55 and slot.stopped
    assert slot.engine_status == '{"vm": "unknown", "health": "unknown", "detail": "unknown"}'
