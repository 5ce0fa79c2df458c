"""`network`: the fraction of successful reachability probes (spec/monitors.md §2.1).

Each measurement runs `count` probes, `delay` seconds apart, and publishes
successes / count as a float ("1.0", "0.6", ...). `1.0` is published at
start, as upstream. Probes:

- ping: ``ping -c 1 -W <timeout> [-6] <addr>``
- dns:  ``dig +tries=1 +time=<timeout> +tcp`` against the host's resolvers
  (ours also takes `dns_server` / `dns_port` to ask one server instead)
- tcp:  ``nc -w <timeout> -z <tcp_t_address> <tcp_t_port>``
- none: no probe, always 1.0

A probe tool that cannot run (missing) fails the measurement: value 0.0,
logged once. Each probe process is also bounded on our side (timeout + a
grace) and killed when it overruns.
"""

import logging
import subprocess

from ...env import constants
from ...lib import exceptions
from . import base
from . import options as opt

log = logging.getLogger(__name__)

TESTS = ("ping", "dns", "tcp", "none")
# Seconds a probe process may run beyond its own timeout before it is killed.
PROCESS_GRACE = 5
MAX_COUNT = 100


class Submonitor(base.Submonitor):
    TYPE = "network"
    FAILURE_VALUE = 0.0

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        name = self.TYPE
        self.test = opt.choice(options, name, "network_test", TESTS, "ping")
        self.timeout = opt.integer(options, name, "timeout", constants.NETWORK_TIMEOUT, 1, 3600)
        self.count = opt.integer(options, name, "count", constants.NETWORK_COUNT, 1, MAX_COUNT)
        self.delay = opt.number(options, name, "delay", constants.NETWORK_DELAY, 0.0, 60.0)
        self.addr = opt.address(options, name, "addr", required_=self.test == "ping")
        tcp = self.test == "tcp"
        if tcp and (opt.text(options, name, "tcp_t_address") is None
                    or opt.text(options, name, "tcp_t_port") is None):
            raise exceptions.InvalidArgument(
                f"{name} options", "tcp test requires tcp_t_address and tcp_t_port")
        self.tcp_address = opt.address(options, name, "tcp_t_address", required_=tcp)
        self.tcp_port = opt.integer(options, name, "tcp_t_port", 0, 1, 65535) if tcp else 0
        self.dns_server = opt.address(options, name, "dns_server", required_=False)
        self.dns_port = opt.integer(options, name, "dns_port", 53, 1, 65535)
        self._proc: subprocess.Popen[bytes] | None = None
        super().__init__(options, ctx)

    def initial_value(self) -> object:
        return 1.0

    def command(self) -> list[str] | None:
        """The probe command line; None for the `none` test."""
        timeout = str(self.timeout)
        if self.test == "ping":
            assert self.addr is not None
            family = ["-6"] if ":" in self.addr else []
            return ["ping", "-c", "1", "-W", timeout, *family, self.addr]
        if self.test == "dns":
            server = [f"@{self.dns_server}", "-p", str(self.dns_port)] if self.dns_server else []
            return ["dig", *server, "+tries=1", f"+time={timeout}", "+tcp"]
        if self.test == "tcp":
            assert self.tcp_address is not None
            return ["nc", "-w", timeout, "-z", self.tcp_address, str(self.tcp_port)]
        return None

    def measure(self) -> object:
        command = self.command()
        if command is None:
            return 1.0
        successes = 0
        for attempt in range(self.count):
            if attempt and self.sleep(self.delay):
                return base.KEEP
            if self._probe(command):
                successes += 1
        if successes < self.count:
            log.debug("Network test %s failed (%d out of %d)", self.test,
                        self.count - successes, self.count)
        return successes / self.count

    def request_stop(self) -> None:
        super().request_stop()
        proc = self._proc
        if proc is not None:
            proc.kill()   # a probe in flight ends now, not after its timeout

    def _probe(self, command: list[str]) -> bool:
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT) as proc:
            self._proc = proc
            try:
                if self.stopping:
                    proc.kill()
                output, _ = proc.communicate(timeout=self.timeout + PROCESS_GRACE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                log.debug("Network probe %s overran its timeout", command[0])
                return False
            finally:
                self._proc = None
        if proc.returncode != 0:
            log.debug("Network probe %s exited with %d: %s", command[0], proc.returncode,
                      output.decode("utf-8", "replace").strip()[-200:])
        return proc.returncode == 0
