"""F02, F06: the broker's storage thread fails or stalls, under a
supervisor that does what systemd does for the unit (lab/supervisor.py:
Type=notify, WatchdogSec=, Restart=on-failure).

The fault comes from the broker's test hook (broker/testhooks.py, active
only with OVIRT_HA_TEST_HOOKS): `raise` makes each metadata read fail with
an unexpected internal error, `park` stops the thread before its next read.
"""

import os
import time

import pytest

from ovirt_hosted_engine_ha.broker import testhooks
from ovirt_hosted_engine_ha.lab.supervisor import Supervisor
from ovirt_hosted_engine_ha.lib import directio
from tests.brokersupport import SLOT, host_slot
from tests.faults import procsupport
from tests.faults.procsupport import BROKER, VerbLoad, ms
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

WATCHDOG_SEC = 4.0
STALE_SECS = 3
MARKER_SLOT = 7


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return shared_cluster(hosts=1)


@pytest.fixture
def supervise(lab, tmp_path):
    """start(extra_env) -> host 1's broker run by a Supervisor with the test hooks on."""
    host = lab.hosts[1]
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    hook = hooks / testhooks.STORAGE_THREAD
    log = tmp_path / "broker.log"
    started: list[Supervisor] = []

    def start(**extra_env: str) -> Supervisor:
        host.stop_broker()
        write_marker(lab, 1)  # known to the broker from its first (full) read on
        env = dict(host.env, OVIRT_HA_TEST_HOOKS=str(hooks), **extra_env)
        sup = Supervisor("broker", BROKER, env, log, tmp_path / "notify",
                         watchdog_sec=WATCHDOG_SEC)
        started.append(sup)
        sup.start()
        sup.wait_ready()
        return sup

    yield host, start, hook, log
    hook.unlink(missing_ok=True)
    rcs = [sup.stop() for sup in started]
    directio.write(str(lab.metadata_path), MARKER_SLOT * SLOT, bytes(SLOT))
    host.start_broker()
    assert rcs == [0] * len(rcs)


def write_marker(lab, ts: int) -> None:
    """A slot written on the volume behind the broker's back, as another host would."""
    directio.write(str(lab.metadata_path), MARKER_SLOT * SLOT,
                   host_slot(MARKER_SLOT, ts=ts).encode().ljust(SLOT, b"\0"))


def serves_marker(host, ts: int) -> bool:
    data = host.link(5).get_stats_from_storage().get(MARKER_SLOT)
    return data is not None and f"timestamp={ts}" in data


@pytest.mark.row("F02")
@pytest.mark.timeout(120)
def test_internal_error_in_storage_thread(lab, supervise, row):
    host, start_broker, hook, log = supervise
    sup = start_broker()
    pid = sup.pid
    wait_for(lambda: serves_marker(host, 1), 30, 0.1)
    load = VerbLoad(procsupport.status_verbs(host.link(5)), threads=1, pause=0.02)
    try:
        hook.write_text("raise")
        start = time.monotonic()
        wait_for(lambda: "Reading metadata failed unexpectedly" in log.read_text(), 30, 0.1)
        write_marker(lab, 2)
        time.sleep(1)
        hook.unlink()
        cleared = time.monotonic()
        wait_for(lambda: serves_marker(host, 2), 30, 0.1)
        fresh = time.monotonic() - cleared
    finally:
        load.stop()
    exits = [what for _, what, _ in sup.events if what.startswith("exited")]
    outcome = ("recovered in process (same pid, no exit)" if sup.pid == pid and not exits
               else f"{exits} then restarted")
    row.observe(f"{outcome}; injected error logged {cleared - start - 1:.1f} s after the "
                f"fault began; fresh data served again {fresh:.1f} s after it ended; other "
                f"verbs meanwhile: {len(load.failures)} failed of {load.calls}, p99 "
                f"{ms(procsupport.p99(load.all_latencies()))}")
    assert sup.pid == pid or all("failure" in e for e in exits)
    assert load.failures == []
    assert "InjectedFault" in log.read_text()


@pytest.mark.row("F06")
@pytest.mark.timeout(180)
def test_parked_storage_thread_restarted_by_watchdog(lab, supervise, row):
    host, start_broker, hook, log = supervise
    # a short stale bound where the broker supports one (30 s otherwise)
    sup = start_broker(OVIRT_HA_METADATA_STALE_SECS=str(STALE_SECS))
    pid = sup.pid
    wait_for(lambda: sup.listener.watchdogs > 0, 10, 0.05)
    hook.write_text("park")
    start = time.monotonic()
    wait_for(lambda: sup.when("watchdog timeout", pid), 30 * 3 + WATCHDOG_SEC + 30, 0.1)
    # the restarted broker must not park again: the stall is over
    hook.unlink()
    new_pid = sup.wait_restarted(pid, 60)
    assert new_pid != pid
    killed = sup.when("watchdog timeout", pid) - start
    ready = sup.when("ready", new_pid) - start
    stale = sup.when("watchdog timeout", pid) - WATCHDOG_SEC - start
    assert isinstance(host.link(5).get_stats_from_storage(), dict)
    exit_event = next(what for _, what, p in sup.events if p == pid and what.startswith("exited"))
    row.observe(f"pings stopped {stale:.1f} s after the thread parked (metadata stale), "
                f"watchdog ({WATCHDOG_SEC:.0f} s) fired at {killed:.1f} s, {exit_event}; "
                f"restarted and READY {ready:.1f} s after the stall began")
    assert "Storage thread parked" in log.read_text()
    assert os.path.exists(host.socket_path)
