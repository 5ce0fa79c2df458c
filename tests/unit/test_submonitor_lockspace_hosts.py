"""lockspace-hosts: sanlock's view of the peers' host-id leases, as JSON."""

import json

import pytest
import sanlock

from ovirt_hosted_engine_ha.broker.submonitors import base, lockspace_hosts
from tests.monitorsupport.fakes import SD_UUID, FakeVdsm

ENGINE = b"hosted-engine"
DOMAIN = SD_UUID.encode()


def entry(host_id, flags):
    return {"host_id": host_id, "generation": 1, "timestamp": 100, "io_timeout": 1,
            "flags": flags}


def monitor(views):
    def hosts_of(name):
        view = views.get(name)
        if view is None:
            raise sanlock.SanlockException(2, "Sanlock get hosts failure", "No such file")
        return view
    ctx = base.Context(conf=None, vdsm=FakeVdsm(), lockspace_hosts=hosts_of)
    return lockspace_hosts.Submonitor({"sd_uuid": SD_UUID}, ctx)


def test_states_of_every_known_host():
    mon = monitor({ENGINE: [entry(1, 3), entry(2, 4), entry(3, 5), entry(4, 2), entry(5, 1)]})
    assert json.loads(mon.measure()) == {
        "1": "live", "2": "fail", "3": "dead", "4": "free", "5": "unknown"}


def test_dead_only_when_the_domain_lockspace_agrees():
    mon = monitor({ENGINE: [entry(2, 5), entry(3, 5)], DOMAIN: [entry(2, 4), entry(3, 5)]})
    assert json.loads(mon.measure()) == {"2": "fail", "3": "dead"}


def test_not_joined_is_no_view():
    assert monitor({}).measure() is None


def test_a_lockspace_being_left_is_not_joined(monkeypatch):
    monkeypatch.setattr(sanlock, "get_lockspaces", lambda: [
        {"lockspace": ENGINE, "host_id": 1, "path": "p", "offset": 0, "flags": 2}])
    with pytest.raises(lockspace_hosts.NotJoined):
        lockspace_hosts.sanlock_hosts(ENGINE)
