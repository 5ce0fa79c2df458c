import time

from ovirt_hosted_engine_ha.lib.pause import pause


def test_pause_waits_at_least_the_time_asked():
    start = time.monotonic()
    pause(0.05)
    assert time.monotonic() - start >= 0.05


def test_pause_of_a_negative_time_returns():
    pause(-1)
