"""ovirt-ha-agent: read the configuration, loop on `Agent.step()`, stop cleanly.

Start-up: logging, hosted-engine.conf and agent.conf (a host that is not
configured, or a broken file, ends the process with status 1 and one line
naming the cause), then the loop. READY=1 after the first cycle,
WATCHDOG=1 from the loop while systemd asks for it, and during the long
broker calls (keepalive.py). SIGTERM or SIGINT: the
current cycle finishes, the agent publishes AgentStopped if it holds the
host id, releases the host id, sends STOPPING=1 and exits 0. Nothing else
ends the process: failed calls are retried every cycle (loop.py).

`--cleanup [--force-cleanup] [--host-id N]` empties a host's metadata slot
instead (cleanup.py) and exits 0 when cleaned, 1 when refused or failed,
254 when the broker is not running and 255 when the host is not configured
(upstream's -2 and -1).

Lab only: OVIRT_HA_AGENT_TIME_SCALE=k runs the agent's clock k times
faster than real time (its 10 s cycle takes 10/k s); the broker's monitors
and sanlock keep real time, so this speeds up the agent's timers only.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import sys
from collections.abc import Callable

from .. import PACKAGE_NAME, PACKAGE_VERSION
from ..env import constants as env_constants
from ..lib import exceptions, logsetup, sdnotify
from ..lib.brokerlink import BrokerLink
from . import config, constants
from .cleanup import NOT_CONFIGURED, Cleaner, Request
from .clock import ScaledClock
from .host_env import HostEnv
from .keepalive import FedBrokerLink
from .loop import Agent

log = logging.getLogger(__name__)

FULL_PROG_NAME = f"{PACKAGE_NAME} agent {PACKAGE_VERSION}"


class Stopper:
    """Remembers a stop request from a signal; `wait` returns early when one comes."""

    def __init__(self) -> None:
        self.requested = False
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.request()

    def request(self) -> None:
        self.requested = True
        try:
            os.write(self._write, b"x")
        except BlockingIOError:
            pass

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if a stop was requested."""
        if not self.requested and seconds > 0:
            try:
                select.select([self._read], [], [], seconds)
            except InterruptedError:
                pass
        return self.requested

    def close(self) -> None:
        os.close(self._read)
        os.close(self._write)


def time_scale() -> float:
    text = os.environ.get(constants.TIME_SCALE_ENV)
    try:
        scale = float(text) if text else 1.0
    except ValueError:
        scale = 0.0
    if scale < 1.0:
        log.warning("Ignoring %s=%r: expected a number >= 1", constants.TIME_SCALE_ENV, text)
        return 1.0
    return scale


def run(agent: Agent, clock: ScaledClock, stopper: Stopper,
        notify: Callable[..., object] = sdnotify.notify,
        watchdog: float | None = None) -> None:
    """Cycle until a stop is requested, then stop the agent."""
    ready = False
    while not stopper.requested:
        started = clock()
        try:
            delay = agent.step()
        except Exception as e:
            log.exception("Unexpected error in the monitoring cycle")
            agent.failures.failed("internal", e)
            delay = constants.WAIT
        if not ready:
            notify("READY=1", "STATUS=monitoring")
            ready = True
        if watchdog:
            notify("WATCHDOG=1")
        remaining = clock.real_seconds(max(0.0, delay - (clock() - started)))
        while remaining > 0 and not stopper.requested:
            chunk = min(remaining, watchdog) if watchdog else remaining
            if stopper.wait(chunk):
                break
            remaining -= chunk
            if watchdog:
                notify("WATCHDOG=1")
    log.info("Stop requested: finishing")
    agent.stop()
    notify("STOPPING=1")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ovirt-ha-agent", description=FULL_PROG_NAME)
    parser.add_argument("--version", action="version", version=FULL_PROG_NAME)
    parser.add_argument("--host-id", type=int, help="override host_id of hosted-engine.conf")
    parser.add_argument("--cleanup", action="store_true",
                        help="empty the host's metadata slot instead of monitoring")
    parser.add_argument("--force-cleanup", action="store_true",
                        help="with --cleanup: clean even if the host looks alive")
    return parser.parse_args(argv)


def cleanup(args: argparse.Namespace) -> int:
    """The clean-up action (cleanup.py); the process status."""
    try:
        conf, agent_conf = config.load(args.host_id)
    except exceptions.Error as e:
        log.error("Agent cannot clean up: %s", e)
        return NOT_CONFIGURED
    cleaner = Cleaner(BrokerLink(), conf.sd_uuid)
    rc = cleaner.run(Request(agent_conf.host_id, force=args.force_cleanup))
    log.info("Clean-up finished")
    return rc


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logsetup.setup(env_constants.AGENT_LOG_CONF_FILE)
    log.info("%s started", FULL_PROG_NAME)
    if args.cleanup:
        return cleanup(args)
    stopper = Stopper()
    stopper.install()
    try:
        conf, agent_conf = config.load(args.host_id)
    except exceptions.Error as e:
        log.error("Agent cannot start: %s", e)
        return 1
    clock = ScaledClock(time_scale())
    watchdog = sdnotify.watchdog_interval()
    env = HostEnv(conf, FedBrokerLink(watchdog), clock, agent_conf.vm_uuid)
    agent = Agent(env, agent_conf)
    log.info("Monitoring as host %d (%s)", agent_conf.host_id, agent_conf.hostname)
    try:
        run(agent, clock, stopper, watchdog=watchdog)
    finally:
        stopper.close()
    log.info("Agent stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
