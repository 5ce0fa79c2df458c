"""The engine health page the engine VM stand-in serves."""

import socket
import threading
import urllib.error
import urllib.request

import pytest

from ovirt_hosted_engine_ha.lab import engine_health
from ovirt_hosted_engine_ha.lab.engineconf import free_port


def get(port: int, timeout: float = 5) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{engine_health.PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def page():
    p = engine_health.HealthPage(free_port())
    p.start()
    yield p
    p.stop()


def test_good_and_bad(page):
    assert get(page.port) == (200, "DB Up!Welcome to Health Status!")
    page.set_mode("bad")
    assert get(page.port) == (500, "DB Down!Welcome to Health Status!")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{page.port}/other", timeout=5)


def test_hang_until_mode_changes(page):
    page.set_mode("hang")
    answers: list[tuple[int, str]] = []
    caller = threading.Thread(target=lambda: answers.append(get(page.port, timeout=30)))
    caller.start()
    caller.join(0.3)
    assert caller.is_alive() and not answers   # still waiting: nothing answered it
    page.set_mode("good")
    caller.join(10)
    assert answers == [(200, "DB Up!Welcome to Health Status!")]


def test_hung_request_ends_when_stopped(page):
    page.set_mode("hang")
    errors: list[Exception] = []

    def call() -> None:
        try:
            get(page.port, timeout=30)
        except Exception as e:
            errors.append(e)

    caller = threading.Thread(target=call)
    caller.start()
    caller.join(0.3)
    page.stop()
    caller.join(10)
    assert not caller.is_alive() and errors


def test_one_listener_at_a_time_and_rebind_after_stop(page):
    other = engine_health.HealthPage(page.port)
    with pytest.raises(OSError):
        other.start()
    get(page.port)              # leaves a connection in TIME_WAIT
    page.stop()
    with socket.socket() as s:  # nothing listens now
        assert s.connect_ex(("127.0.0.1", page.port)) != 0
    other.start()               # SO_REUSEADDR: the address is free at once
    try:
        assert get(page.port)[0] == 200
    finally:
        other.stop()


def test_bad_mode_refused():
    with pytest.raises(ValueError, match="engine health mode must be one of good, bad, hang"):
        engine_health.HealthPage(1, "maybe")
