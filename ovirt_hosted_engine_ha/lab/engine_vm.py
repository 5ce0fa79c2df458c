"""The engine VM stand-in: one process per engine VM a vdsm simulator runs.

    python -m ovirt_hosted_engine_ha.lab.engine_vm --config DIR/engine.json \\
        --sim-socket PATH [--incoming] [--launch-delay S] [--boot-delay S] [--health MODE]

Started by the simulator on ``VM.create`` (or ``VM.migrationCreate`` with
``--incoming``) with the host's environment, in the simulator's process
group. It holds the engine VM's sanlock lease (vmlease.py) and, while Up,
serves the engine health page (engine_health.py) and plays ovirt-engine
(engine_role.py). Normal start: wait `launch delay`, acquire the lease
(vdsm: Powering up), wait `boot delay`, serve the page (Up). Incoming: wait
for "resume", then acquire and serve at once.

It talks with its simulator over stdin/stdout, one JSON object per line:

    commands  {"cmd": "health", "mode": "good|bad|hang"}
              {"cmd": "shutdown", "delay": S}   stop serving after S s, release, exit 0
              {"cmd": "release"}                migration source: stop serving, release
              {"cmd": "resume"}                 acquire and serve (again)
              {"cmd": "exit"}                   release if held, exit 0
    events    {"event": "acquired", "version": N, "host": K}
              {"event": "up"}
              {"event": "released"}
              {"event": "failed", "message": "Failed to acquire lock: ..."}  then exit 1

End of stdin (the simulator is gone) counts as "exit". If the host's
sanlock daemon goes away, the process exits at once with status 1 (on a
real host, sanlock would have the VM killed).
"""

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
from pathlib import Path

from . import engine_health
from .engine_role import EngineRole
from .engineconf import EngineConfig
from .layout import Layout
from .simctl import SimControl
from .vmlease import LeaseError, VmLease

log = logging.getLogger("ovirt_hosted_engine_ha.lab.engine_vm")


class Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class StandIn:
    def __init__(self, conf: EngineConfig, sim_socket: str, health: str) -> None:
        self.conf = conf
        self.sim_socket = sim_socket
        self.lease = VmLease(conf)
        self.page = engine_health.HealthPage(conf.port, health)
        self.commands: queue.Queue[dict | None] = queue.Queue()
        self.up = False
        self.migrating = False
        self._out_lock = threading.Lock()
        self.role = EngineRole(own_host=lambda: self.lease.host, migrate=self._migrate,
                               can_migrate=lambda: self.up and not self.migrating)
        self._role_started = False

    # Plumbing

    def emit(self, event: str, **fields: object) -> None:
        with self._out_lock:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()

    def read_commands(self) -> None:
        for line in sys.stdin:
            try:
                command = json.loads(line)
            except ValueError:
                log.warning("Ignoring a bad command line %r", line[:200])
                continue
            self.commands.put(command if isinstance(command, dict) else {})
        self.commands.put(None)

    def _lost(self) -> None:
        log.error("The sanlock daemon closed our registration: the VM dies")
        self.emit("failed", message="Lost connection with the sanlock daemon")
        os._exit(1)

    # Life cycle

    def run(self, incoming: bool, launch_delay: float, boot_delay: float) -> int:
        threading.Thread(target=self.read_commands, name="commands", daemon=True).start()
        try:
            self.lease.watch(self._lost)
            if incoming:
                while not self._handle(self._next(None), starting=True):
                    pass
            else:
                self._sleep(launch_delay)
            self._start(0.0 if incoming else boot_delay)
            while True:
                self._handle(self._next(None))
        except Exit as e:
            return e.code

    def _start(self, boot_delay: float) -> None:
        try:
            version = self.lease.acquire()
        except LeaseError as e:
            log.warning("%s", e)
            self.emit("failed", message=str(e))
            raise Exit(1) from None
        self.emit("acquired", version=version, host=self.lease.host)
        self._sleep(boot_delay)
        try:
            self.page.start()
        except OSError as e:
            self.lease.release("engine address in use")
            self.emit("failed", message=f"engine address 127.0.0.1:{self.conf.port} "
                                        f"is in use: {e}")
            raise Exit(1) from None
        self.up, self.migrating = True, False
        self.emit("up")
        if not self._role_started:
            self.role.start()
            self._role_started = True

    def _stop(self, why: str) -> None:
        self.up = False
        self.role.stop()
        self.page.stop()
        self.lease.release(why)

    def _next(self, timeout: float | None) -> dict | None:
        return self.commands.get(timeout=timeout)

    def _sleep(self, seconds: float) -> None:
        """Wait, handling the commands that may come meanwhile (health, shutdown, exit)."""
        deadline = time.monotonic() + max(0.0, seconds)
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                command = self._next(remaining)
            except queue.Empty:
                return
            self._handle(command, starting=True)

    def _handle(self, command: dict | None, starting: bool = False) -> bool:
        """Act on one command; True for "resume" (what an incoming VM waits for)."""
        name = None if command is None else command.get("cmd")
        if name is None:
            log.info("The simulator went away: stopping")
            self._stop("simulator gone")
            raise Exit(0)
        if name == "health":
            self.page.set_mode(str(command.get("mode")))  # type: ignore[union-attr]
        elif name == "shutdown":
            self.up = False
            self._sleep(float(command.get("delay", 0)))  # type: ignore[union-attr]
            self._stop("shutdown")
            raise Exit(0)
        elif name == "exit":
            self._stop("exit")
            raise Exit(0)
        elif name == "release" and not starting:
            self.migrating, self.up = True, False
            self.page.stop()
            self.lease.release("migration")
            self.emit("released")
        elif name == "resume":
            if starting:
                return True
            if not self.lease.held:
                self._start(0.0)
        else:
            log.warning("Ignoring command %r", command)
        return False

    def _migrate(self, host_id: int) -> None:
        dst = Layout(Path(self.conf.lab_root)).host(host_id).sim_socket
        SimControl(self.sim_socket).call("VM.migrate", vmID=self.conf.vm_id,
                                         params={"dst": str(dst), "dstHostId": host_id})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ovirt_hosted_engine_ha.lab.engine_vm")
    p.add_argument("--config", required=True, help="the lab's engine.json")
    p.add_argument("--sim-socket", required=True, help="this host's vdsm simulator")
    p.add_argument("--incoming", action="store_true", help="migration destination")
    p.add_argument("--launch-delay", type=float, default=0.0)
    p.add_argument("--boot-delay", type=float, default=0.0)
    p.add_argument("--health", default="good", choices=engine_health.MODES)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s engine-vm[{os.getpid()}] %(levelname)s %(message)s")
    conf = EngineConfig.load(args.config)
    standin = StandIn(conf, args.sim_socket, args.health)
    log.info("Engine VM %s starting%s", conf.vm_id, " (incoming migration)" if args.incoming
             else "")
    code = standin.run(args.incoming, args.launch_delay, args.boot_delay)
    log.info("Engine VM %s exits with status %d", conf.vm_id, code)
    return code


if __name__ == "__main__":
    sys.exit(main())
