"""Real dates in the extra text, never 1970."""

import time

import pytest

from ovirt_hosted_engine_ha.client.cli import dates

EXTRA = (
    "metadata_parse_version=1\nmetadata_feature_version=1\n"
    "timestamp=4823 (Mon Nov 24 20:10:00 2025)\nhost-id=1\nscore=3400\n"
    "vm_conf_refresh_time=4790 (Mon Nov 24 20:09:27 2025)\n"
    "conf_on_shared_storage=True\nmaintenance=False\nstate=EngineStop\nstopped=False\n"
    "timeout=Thu Jan  1 01:25:23 1970\n"
)


@pytest.fixture(params=["UTC", "Europe/Prague", "America/New_York"])
def tz(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_upstream_timeout_line_gets_a_real_date(tz):
    # Written by an agent in the same zone: 1970 text is local time of its monotonic 5123 s.
    monotonic = 5123
    fake = time.ctime(monotonic)
    timestamp = time.ctime(time.mktime((2025, 11, 24, 20, 10, 0, 0, 0, -1)))
    extra = (f"timestamp=4823 ({timestamp})\nstate=EngineStop\n"
             f"timeout={fake}\n")
    fixed = dates.fix_dates(extra)
    assert "1970" not in fixed
    assert fixed.endswith(f"timeout={time.ctime(time.mktime(time.strptime(timestamp)) + 300)}\n")


def test_spec_example_in_utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert dates.fix_dates(EXTRA) == EXTRA.replace(
            "Thu Jan  1 01:25:23 1970", "Mon Nov 24 20:15:00 2025")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_without_timestamp_line_shows_monotonic_seconds(tz):
    extra = f"state=EngineStop\ntimeout={time.ctime(5123)}\n"
    assert dates.fix_dates(extra) == \
        "state=EngineStop\ntimeout=5123 s on the writer's monotonic clock\n"


def test_real_dates_are_left_alone():
    text = "timestamp=4823 (Mon Nov 24 20:10:00 2025)\ntimeout=Mon Nov 24 20:15:00 2025\n"
    assert dates.fix_dates(text) == text


def test_garbage_is_left_alone():
    for text in ("", "timestamp=x (y)\n", "timeout=Xyz Abc 99 99:99:99 1970\n"):
        assert dates.fix_dates(text) == text
