"""The simulator's side of an engine VM stand-in process (lab/engine_vm.py).

`EngineSetup` says which VM id runs as a stand-in and how to start one;
`StandInProcess` starts it in the simulator's own process group (so
stopping or killing the simulator's group takes its VMs along), sends it
commands on stdin and hands each event line it prints, then its exit
status, to callbacks run on a reader thread.
"""

import contextlib
import dataclasses
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..engineconf import EngineConfig

log = logging.getLogger(__name__)

MODULE = "ovirt_hosted_engine_ha.lab.engine_vm"
STOP_WAIT = 5.0


@dataclasses.dataclass(frozen=True)
class EngineSetup:
    config_path: str
    config: EngineConfig
    sim_socket: str          # this simulator, for the stand-in's VM.migrate calls
    log_path: str            # the stand-ins' stderr, appended

    @classmethod
    def load(cls, config_path: str, sim_socket: str, host_root: str) -> "EngineSetup":
        log_path = os.path.join(host_root, "var/log/vdsm/engine-vm.log")
        return cls(config_path, EngineConfig.load(config_path), sim_socket, log_path)

    def command(self, incoming: bool, launch_delay: float, boot_delay: float,
                health: str) -> list[str]:
        argv = [sys.executable, "-m", MODULE, "--config", self.config_path,
                "--sim-socket", self.sim_socket, "--health", health]
        if incoming:
            return argv + ["--incoming"]
        return argv + ["--launch-delay", str(launch_delay), "--boot-delay", str(boot_delay)]


class StandInProcess:
    def __init__(self, argv: list[str], log_path: str, on_event: Callable[[dict], None],
                 on_exit: Callable[[int], None]) -> None:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as err:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=err, env=dict(os.environ))
        self.pid = self._proc.pid
        self._on_event, self._on_exit = on_event, on_exit
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"standin-{self.pid}",
                                         daemon=True)
        self._reader.start()

    def send(self, cmd: str, **fields: object) -> bool:
        """Send one command; False when the process no longer reads them."""
        line = (json.dumps({"cmd": cmd, **fields}) + "\n").encode("utf-8")
        stdin = self._proc.stdin
        assert stdin is not None
        with self._write_lock:
            try:
                stdin.write(line)
                stdin.flush()
                return True
            except (BrokenPipeError, ValueError, OSError):
                return False

    def running(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL and reap (the exit callback still runs, on the reader thread)."""
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()
        self._proc.wait()

    def stop(self, timeout: float = STOP_WAIT) -> None:
        """Ask it to exit (it releases the lease); SIGKILL if it has not after `timeout`."""
        self.send("exit")
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("Engine VM stand-in pid %d did not exit within %.0f s: killing it",
                        self.pid, timeout)
            self.kill()

    def join(self, timeout: float) -> None:
        self._reader.join(timeout)

    def _read(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        for raw in stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                log.warning("Stand-in pid %d printed %r", self.pid, raw[:200])
                continue
            if isinstance(event, dict):
                self._on_event(event)
        code = self._proc.wait()
        with contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        self._on_exit(code)
