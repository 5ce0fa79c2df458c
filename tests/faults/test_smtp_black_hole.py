"""F27: notifications to an SMTP server that accepts and never answers.

broker.conf (from the lab's configuration volume, as in production) points
at a local TCP server that accepts and stays silent. Three `notify` calls
run at once (one more than the broker's mail workers) while other callers
load the status verbs: each `notify` must end within the broker's per-mail
deadline, and the other verbs must stay fast.
"""

import threading
import time
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.env import constants
from tests.faults import procsupport
from tests.faults.procsupport import VerbLoad, ms
from tests.monitorsupport import servers
from tests.monitorsupport.lab import replace_conf_volume_member

pytestmark = pytest.mark.integration

STATE = "state_transition"
SMTP_TIMEOUT = 5  # broker.conf smtp-timeout: seconds per SMTP socket operation
CALLS = constants.NOTIFY_WORKERS + 1


def broker_conf(port: int) -> str:
    return (f"[email]\nsmtp-server = 127.0.0.1\nsmtp-port = {port}\n"
            f"smtp-timeout = {SMTP_TIMEOUT}\nsource-email = ha@lab.example\n"
            f"destination-emails = admin@lab.example\n\n[notify]\n{STATE} = .*\n")


@pytest.fixture
def lab(shared_cluster):
    c = shared_cluster(hosts=1)
    volume = c.conf_volume_path.read_bytes()
    local = Path(c.hosts[1].root, "var/lib/ovirt-hosted-engine-ha/broker.conf")
    saved = local.read_bytes() if local.exists() else None
    yield c
    c.conf_volume_path.write_bytes(volume)
    if saved is None:
        local.unlink(missing_ok=True)
    else:
        local.write_bytes(saved)


@pytest.mark.row("F27")
def test_black_hole_smtp_bounded(lab, row):
    host = lab.hosts[1]
    link = host.link(timeout=120)
    link.start_monitor("network", {"network_test": "none"})
    with servers.BlackHole() as hole:
        replace_conf_volume_member(lab, "broker.conf", broker_conf(hole.port))
        # a baseline of the other verbs before the mail hangs
        calls = dict(procsupport.status_verbs(host.link(5)),
                     status_monitor=lambda: host.link(5).get_monitor_status("network"))
        baseline = VerbLoad(calls, threads=2, pause=0.01)
        time.sleep(3)
        baseline.stop()
        results: list[tuple[float, object]] = []

        def mail(i: int) -> None:
            start = time.monotonic()
            try:
                answer: object = link.notify(STATE, f"EngineUp-EngineStop{i}", hostname="h1")
            except Exception as e:
                answer = e
            results.append((time.monotonic() - start, answer))

        load = VerbLoad(calls, threads=2, pause=0.01)
        mailers = [threading.Thread(target=mail, args=(i,)) for i in range(CALLS)]
        for t in mailers:
            t.start()
        assert hole.accepted.wait(30)
        for t in mailers:
            t.join(constants.NOTIFY_DEADLINE_SECS + 30)
        load.stop()
    link.stop_monitor("network")
    durations = [d for d, _ in results]
    answers = sorted({str(a) for _, a in results})
    during, before = procsupport.p99(load.all_latencies()), procsupport.p99(
        baseline.all_latencies())
    row.observe(f"{CALLS} notify calls answered {answers} after "
                f"{', '.join(f'{d:.1f}' for d in sorted(durations))} s (deadline "
                f"{constants.NOTIFY_DEADLINE_SECS} s); other verbs p99 {ms(during)} over "
                f"{load.calls} calls ({len(load.failures)} failed) vs {ms(before)} before")
    assert len(results) == CALLS
    assert answers == ["ignored"]
    assert max(durations) <= constants.NOTIFY_DEADLINE_SECS + 2
    assert load.failures == []
    assert during < 0.020
