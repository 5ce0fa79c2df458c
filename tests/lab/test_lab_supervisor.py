"""lab.supervisor: systemd's Restart=on-failure and WatchdogSec= for a notify daemon."""

import sys
import textwrap

import pytest

from ovirt_hosted_engine_ha.lab.supervisor import Supervisor
from tests.monitorsupport.wait import wait_for

# A notify daemon: READY=1, then WATCHDOG=1 every 0.1 s while the file
# "ping" exists; exits with the code written in the file "exit".
DAEMON = textwrap.dedent("""
    import os, socket, sys, time
    here = sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
    assert os.environ["WATCHDOG_USEC"] == "500000"
    while True:
        if os.path.exists(os.path.join(here, "exit")):
            sys.exit(int(open(os.path.join(here, "exit")).read()))
        if os.path.exists(os.path.join(here, "ping")):
            s.sendto(b"WATCHDOG=1", os.environ["NOTIFY_SOCKET"])
        time.sleep(0.1)
""")


@pytest.fixture
def sup(tmp_path):
    (tmp_path / "ping").touch()
    s = Supervisor("d", [sys.executable, "-c", DAEMON, str(tmp_path)], {}, tmp_path / "log",
                   tmp_path / "notify", watchdog_sec=0.5, abort_grace=2)
    s.start()
    s.wait_ready(10)
    yield s
    (tmp_path / "exit").unlink(missing_ok=True)
    s.stop()


def test_watchdog_timeout_aborts_and_restarts(sup, tmp_path):
    first = sup.pid
    (tmp_path / "ping").unlink()
    wait_for(lambda: sup.when("watchdog timeout", first), 10)
    (tmp_path / "ping").touch()
    second = sup.wait_restarted(first, 10)
    assert second != first
    assert any(what == "exited rc -6 (failure: watchdog)" for _, what, _ in sup.events)


def test_failure_restarts_clean_exit_does_not(sup, tmp_path):
    first = sup.pid
    (tmp_path / "exit").write_text("1")
    wait_for(lambda: sup.when("exited rc 1 (failure)", first), 10)
    (tmp_path / "exit").unlink()
    second = sup.wait_restarted(first, 10)
    (tmp_path / "exit").write_text("0")
    wait_for(lambda: sup.when("exited rc 0", second), 10)
    wait_for(lambda: sup.pid is None, 5)
    assert [what for _, what, _ in sup.events].count("started") == 2
