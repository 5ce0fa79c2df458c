import logging

import pytest

from ovirt_hosted_engine_ha.lib.changelog import ChangeLog

LOGGER = "tests.changelog"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def changes(clock):
    return ChangeLog(logging.getLogger(LOGGER), summary_interval=600, clock=clock)


def messages(caplog):
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def test_repeats_are_counted_not_logged(changes, clock, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    assert changes.error("read", "Reading failed: EIO")
    for _ in range(57):
        clock.now += 1
        assert not changes.error("read", "Reading failed: EIO")
    assert changes.clear("read", "Reading works again")
    assert messages(caplog) == [
        ("ERROR", "Reading failed: EIO"),
        ("ERROR", "Reading failed: EIO (repeated 57 times in 57 s)"),
        ("INFO", "Reading works again"),
    ]


def test_a_new_text_is_logged_after_the_summary(changes, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    changes.error("read", "EIO")
    changes.error("read", "EIO")
    changes.error("read", "ENOSPC")
    assert messages(caplog) == [("ERROR", "EIO"), ("ERROR", "EIO (repeated 1 time in 0 s)"),
                                ("ERROR", "ENOSPC")]


def test_keys_are_independent(changes, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    changes.error(1, "slot 1 bad")
    changes.error(2, "slot 2 bad")
    changes.error(1, "slot 1 bad")
    assert changes.active(1) and changes.active(2)
    assert [m for _, m in messages(caplog)] == ["slot 1 bad", "slot 2 bad"]


def test_clear_without_condition_logs_nothing(changes, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    assert not changes.clear("read", "works again")
    assert messages(caplog) == []


def test_long_condition_summarised_periodically(changes, clock, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    changes.warning("x", "still down")
    for _ in range(700):
        clock.now += 1
        changes.warning("x", "still down")
    assert messages(caplog) == [("WARNING", "still down"),
                                ("WARNING", "still down (repeated 600 times in 600 s)")]
