"""broker.testhooks: inert without OVIRT_HA_TEST_HOOKS; park and raise with it."""

import threading

import pytest

from ovirt_hosted_engine_ha.broker import testhooks


def test_inert_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(testhooks.ENV, raising=False)
    (tmp_path / testhooks.STORAGE_THREAD).write_text("raise")
    testhooks.storage_thread()


def test_raise_and_park(monkeypatch, tmp_path):
    monkeypatch.setenv(testhooks.ENV, str(tmp_path))
    hook = tmp_path / testhooks.STORAGE_THREAD
    testhooks.storage_thread()  # no file: nothing
    hook.write_text("raise\n")
    with pytest.raises(testhooks.InjectedFault):
        testhooks.storage_thread()
    hook.write_text("park")
    done = threading.Event()
    thread = threading.Thread(target=lambda: (testhooks.storage_thread(), done.set()))
    thread.start()
    assert not done.wait(0.5)
    hook.unlink()
    assert done.wait(5)
    thread.join()
