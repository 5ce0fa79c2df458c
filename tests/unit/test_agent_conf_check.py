"""The "configuration up to date" check follows hosted-engine.conf at every score."""

import logging
import os

from ovirt_hosted_engine_ha.agent.conf_check import ConfUpToDate
from ovirt_hosted_engine_ha.env import constants

CURRENT = f"sdUUID=x\nspUUID={constants.BLANK_UUID}\n"
OLD = "sdUUID=x\nspUUID=5849b030-626e-47cb-ad90-3ce782d831b3\n"


def write(path, text, mtime_ns):
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_change_reaches_the_next_call(tmp_path):
    path = tmp_path / "hosted-engine.conf"
    write(path, CURRENT, 1_000_000_000)
    check = ConfUpToDate(path, initial=True)
    assert check()
    write(path, OLD, 2_000_000_000)
    assert not check()
    write(path, CURRENT, 3_000_000_000)
    assert check()


def test_missing_spuuid_is_not_up_to_date(tmp_path):
    path = tmp_path / "hosted-engine.conf"
    path.write_text("sdUUID=x\n")
    assert not ConfUpToDate(path, initial=True)()


def test_an_unreadable_file_keeps_the_last_answer_logged_once(tmp_path, caplog):
    path = tmp_path / "hosted-engine.conf"
    write(path, OLD, 1_000_000_000)
    check = ConfUpToDate(path, initial=True)
    assert not check()
    path.unlink()
    with caplog.at_level(logging.WARNING):
        assert not check()
        assert not check()
    assert len(caplog.records) == 1
    assert "keeping False" in caplog.records[0].getMessage()
