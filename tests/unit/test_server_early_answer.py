"""A put_stats whose storage write hangs in the server worker itself: the
caller gets the storage-timeout Fault from the watchdog, other calls go on."""

import threading
import time
import xmlrpc.client

import pytest

from ovirt_hosted_engine_ha.broker import slot_writer
from ovirt_hosted_engine_ha.broker.slot_writer import SlotWriter
from ovirt_hosted_engine_ha.lib import exceptions, unixrpc
from tests.monitorsupport.wait import wait_for
from tests.unit.serversupport import serving

TIMEOUT = 0.5


class HangingStorage:
    def __init__(self):
        self.release = threading.Event()
        self.entered = threading.Event()
        self.writes = []
        self.threads = []

    def write(self, slot, payload):
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        self.release.wait(30)
        self.writes.append((slot, payload))


def put_stats(writer, host_id, data):
    writer.put(host_id, data.data)
    return "ok"


def echo(writer, value):
    return value


@pytest.fixture
def served(monkeypatch):
    monkeypatch.setattr(slot_writer, "WATCH_INTERVAL", 0.05)
    storage = HangingStorage()
    writer = SlotWriter(storage.write, lambda slot: None, lambda s, p: None, TIMEOUT)
    writer.start()
    with serving({"put_stats": put_stats, "echo": echo}, writer, workers=2) as (srv, _):
        wait_for(lambda: writer._asleep, timeout=5)
        try:
            yield srv.socket_path, storage
        finally:
            storage.release.set()
    writer.stop(5)


def test_hung_write_in_worker_answered_with_timeout_fault(served):
    path, storage = served
    proxy = unixrpc.UnixXmlRpcClient(path, timeout=10)
    start = time.monotonic()
    with pytest.raises(xmlrpc.client.Fault) as e:
        proxy.put_stats(1, xmlrpc.client.Binary(b"first"))
    took = time.monotonic() - start
    assert e.value.faultCode == exceptions.FaultCode.STORAGE_TIMEOUT
    assert e.value.faultString == (f"put_stats: writing slot 1 did not finish within "
                                   f"{TIMEOUT:g} s")
    assert took < 5  # the worker is still in the hung write
    assert storage.entered.is_set() and storage.writes == []
    # one worker holds the hung write; the other serves, a later put times out queued
    assert proxy.echo("still serving") == "still serving"
    with pytest.raises(xmlrpc.client.Fault, match="did not finish within"):
        proxy.put_stats(1, xmlrpc.client.Binary(b"second"))
    storage.release.set()
    wait_for(lambda: len(storage.writes) == 2, timeout=5)
    assert storage.writes == [(1, b"first"), (1, b"second")]
    assert storage.threads[0].startswith("Worker-") and storage.threads[1] == "SlotWriter"
    assert proxy.put_stats(1, xmlrpc.client.Binary(b"third")) == "ok"
