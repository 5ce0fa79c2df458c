"""Start a host's vdsm simulator and turn its knobs.

`SimControl` is what tests use (``cluster.hosts[1].sim``); the CLI's
``ovirt-ha-lab sim`` goes through it too. Every method is one ``Lab.*``
call (vdsm_sim/verbs_lab.py) on a fresh connection.
"""

import os
import sys
from typing import Any

from . import errors, procs, standin
from .layout import HostLayout
from .procs import ProcRecord

READY_TIMEOUT = 10.0


class SimControl:
    def __init__(self, socket_path: str | os.PathLike[str], timeout: float = 10) -> None:
        self.socket_path = os.fspath(socket_path)
        self.timeout = timeout

    def call(self, method: str, /, **params: Any) -> Any:
        """Any simulator verb, e.g. call("Host.getStats")."""
        client = standin.client_module()
        cli = client.connect_path(self.socket_path, timeout=self.timeout)
        try:
            namespace, name = method.split(".", 1)
            return getattr(getattr(cli, namespace), name)(**params)
        finally:
            cli.close()

    def set(self, **knobs: Any) -> dict:
        """Set knobs (vdsm_sim/knobs.py Knobs), e.g. set(bridge_up=False, mem_free=512)."""
        return self.call("Lab.set", **knobs)

    def get(self) -> dict:
        """{"knobs", "faults", "vms", "monitored", "calls", "standins"}."""
        return self.call("Lab.get")

    def knobs(self) -> dict:
        return self.get()["knobs"]

    def calls(self) -> dict[str, int]:
        return self.get()["calls"]

    def reset_calls(self) -> None:
        self.call("Lab.resetCalls")

    def set_verb(self, verb: str, mode: str, seconds: float | None = None,
                 code: int | None = None, message: str | None = None) -> dict:
        """Make `verb` hang, fail or answer late; mode "normal" undoes it."""
        return self.call("Lab.setVerb", verb=verb, mode=mode, seconds=seconds,
                         code=code, message=message)

    def hang(self, verb: str) -> None:
        self.set_verb(verb, "hang")

    def fail(self, verb: str, code: int = 100, message: str | None = None) -> None:
        self.set_verb(verb, "fail", code=code, message=message)

    def delay(self, verb: str, seconds: float) -> None:
        self.set_verb(verb, "delay", seconds=seconds)

    def heal(self, verb: str) -> None:
        self.set_verb(verb, "normal")

    def set_vm(self, vm_id: str, status: str, exit_code: int | None = None,
               exit_reason: int | None = None, exit_message: str | None = None) -> dict:
        """Force a VM status now (the VM is created if unknown)."""
        return self.call("Lab.setVm", vmID=vm_id, status=status, exitCode=exit_code,
                         exitReason=exit_reason, exitMessage=exit_message)

    def remove_vm(self, vm_id: str) -> None:
        self.call("Lab.removeVm", vmID=vm_id)

    def ping(self) -> bool:
        try:
            return bool(self.call("Host.ping2"))
        except Exception:
            return False


def command(host: HostLayout, storage: str, knobs: dict[str, object] | None = None,
            engine_config: str | None = None) -> list[str]:
    """The simulator's command line; with `engine_config` (the lab), real sanlock
    domain monitors and engine VM stand-ins."""
    argv = [sys.executable, "-m", "ovirt_hosted_engine_ha.lab.vdsm_sim",
            "--root", str(host.root), "--storage", storage, "--socket", str(host.sim_socket)]
    if engine_config is not None:
        argv += ["--sanlock", "--engine-config", engine_config]
    for name, value in (knobs or {}).items():
        argv += ["--knob", f"{name}={value}"]
    return argv


def start(host: HostLayout, storage: str, env: dict[str, str],
          knobs: dict[str, object] | None = None, engine_config: str | None = None) -> ProcRecord:
    """Spawn the simulator and wait until it answers Host.ping2."""
    ctl = SimControl(host.sim_socket, timeout=2)
    if ctl.ping():
        raise errors.LabDetailError(
            f"host{host.host_id}: a vdsm simulator already answers on {host.sim_socket}")
    record = procs.spawn(f"host{host.host_id}/vdsm-sim",
                         command(host, storage, knobs, engine_config), env, host.sim_log)
    ready = procs.wait_for(lambda: not procs.running(record) or ctl.ping(), READY_TIMEOUT, 0.02)
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " at start")
    if not ready:
        procs.stop([record], signo=None)
        raise procs.failed(record, f"did not answer Host.ping2 within {READY_TIMEOUT} s")
    return record
