"""F08, F13: one slot damaged or cleared on disk, read by real brokers and clients."""

import json
import subprocess
import sys
import time

import pytest

from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lib import directio, metadata, metadata_host
from tests.brokersupport import SLOT, hold_ids_and_publish, host_slot, wait_for

pytestmark = pytest.mark.integration

READ_CYCLE = 30  # a broker re-reads the slots every 10 s; slack for a loaded machine


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return hold_ids_and_publish(shared_cluster(hosts=2), alive=[1, 2])


def write_on_disk(lab, slot: int, image: bytes) -> None:
    """What another host (or a bit flip) leaves on the shared volume."""
    directio.write(str(lab.metadata_path), slot * SLOT, image.ljust(SLOT, b"\0"))


def bad_crc(host_id: int) -> bytes:
    image = metadata.build_host_slot(metadata.parse_host_slot(host_id, host_slot(host_id)))
    return image.replace(b"|3400|", b"|3401|", 1)


def non_integer_field(host_id: int) -> bytes:
    header = metadata.build_host_slot(metadata.parse_host_slot(host_id, host_slot(host_id)))
    tokens = header[:metadata.HEADER_BYTES].rstrip(b"\0").decode().split("|")
    tokens[4] = "34x0"  # the score, with a checksum that matches
    tokens[metadata.CRC_INDEX] = metadata_host._crc(tokens)
    return "|".join(tokens).encode()


def vm_status(host, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli",
                             "vm-status", *args], env=host.env, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout


@pytest.mark.row("F08")
def test_bad_crc_and_non_integer_field_flag_that_host_only(lab, row):
    write_on_disk(lab, 3, bad_crc(3))
    write_on_disk(lab, 4, non_integer_field(4))
    try:
        # slots 3 and 4 belong to no live host: a broker sees them at a full scan
        for host_id, host in lab.hosts.items():
            host.stop_broker()
            host.start_broker()
            host.link(60).lock_host_id(host_id)  # a stopping broker gives its id up
        views = {}
        for host_id, host in lab.hosts.items():
            client = HAClient(socket_path=str(host.socket_path))
            stats = client.get_all_stats(timeout=10)
            views[host_id] = stats
            assert sorted(stats) == [0, 1, 2, 3, 4] or sorted(stats) == [1, 2, 3, 4]
            assert stats[1]["score"] == 3400 and stats[2]["score"] == 3400
            assert "metadata-error" not in stats[1] and "metadata-error" not in stats[2]
            assert "checksum" in stats[3]["metadata-error"]
            assert "score (field 4) is not an integer" in stats[4]["metadata-error"]
        text = vm_status(lab.hosts[1])
        for expected in ("(id: 1)", "(id: 2)", "(id: 3)", "(id: 4)", "Metadata error"):
            assert expected in text
        as_json = json.loads(vm_status(lab.hosts[2], "--json"))
        assert {"1", "2", "3", "4"} <= set(as_json)
        parsed = sum("metadata-error" not in s for h, s in views[1].items() if h)
        flagged = sum("metadata-error" in s for h, s in views[1].items() if h)
        row.observe(f"hosts parsed {parsed}, flagged {flagged} (bad CRC, non-integer score), "
                    f"present in get_all_stats {len([h for h in views[1] if h])}/4 and in "
                    f"vm-status 4/4 on both hosts")
    finally:
        for slot in (3, 4):
            write_on_disk(lab, slot, b"")


@pytest.mark.row("F13")
def test_slot_cleared_on_disk_disappears_everywhere(lab, row):
    lab.hosts[2].link().put_stats_on_storage(2, host_slot(2, ts=1300))
    for host in lab.hosts.values():
        wait_for(lambda h=host: h.link().get_stats_from_storage().get(2, "").startswith(
            host_slot(2, ts=1300)[:20]), timeout=READ_CYCLE)
    cleared = time.monotonic()
    write_on_disk(lab, 2, b"")  # hosted-engine --clean-metadata from another host
    gone = {}
    for host_id, host in lab.hosts.items():
        wait_for(lambda h=host: 2 not in h.link().get_stats_from_storage(), timeout=READ_CYCLE,
                 interval=0.2)
        gone[host_id] = time.monotonic() - cleared
    row.observe("slot 2 gone from get_stats after " +
                ", ".join(f"{s:.1f} s on host {h}" for h, s in gone.items()) +
                " (read cycle 10 s)")
    assert max(gone.values()) <= READ_CYCLE
    lab.hosts[2].link().put_stats_on_storage(2, host_slot(2))
