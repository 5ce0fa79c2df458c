"""In-test stand-ins for vdsm access (`VdsmAccess`): fixed answers, errors, hangs, events."""

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ovirt_hosted_engine_ha.env import config
from ovirt_hosted_engine_ha.lib import exceptions

SD_UUID = "11111111-2222-3333-4444-555555555555"
VM_UUID = "66666666-7777-8888-9999-000000000000"
IMG_UUID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
VOL_UUID = "ffffffff-eeee-dddd-cccc-bbbbbbbbbbbb"


class ServerError(exceptions.VdsmError):
    """vdsm answered with an error code (like lib.vdsm_util.VdsmServerError)."""

    def __init__(self, cmd: str, code: int, message: str = "error") -> None:
        super().__init__(f"{cmd} failed with code {code}: {message}")
        self.code = code


class FakeClient:
    """The part of a vdsm client the event listener uses."""

    def __init__(self) -> None:
        self.queues: dict[int, queue.Queue] = {}
        self.subscribed = threading.Event()
        self._next = 0
        self._lock = threading.Lock()

    def subscribe(self, name: str, q: queue.Queue) -> int:
        with self._lock:
            self._next += 1
            self.queues[self._next] = q
        self.subscribed.set()
        return self._next

    def unsubscribe(self, sub_id: int) -> None:
        with self._lock:
            q = self.queues.pop(sub_id, None)
        if q is not None:
            q.put(None)

    def emit(self, name: str, params: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self.queues.values())
        for q in targets:
            q.put((name, params))


class FakeVdsm:
    """Answers `call(ns, verb, **kw)` from `handlers["Ns.verb"]` (a value or a callable)."""

    def __init__(self, **handlers: Any) -> None:
        self.handlers: dict[str, Any] = {k.replace("_", "."): v for k, v in handlers.items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.client = FakeClient()
        self.release = threading.Event()   # hung calls return when set
        self.hanging: set[str] = set()
        self._lock = threading.Lock()

    def set(self, verb: str, answer: Any) -> None:
        self.handlers[verb] = answer

    def fail(self, verb: str, code: int | None = None) -> None:
        """Make `verb` fail: vdsm error `code`, or a connection failure when None."""
        def raise_() -> None:
            if code is None:
                raise exceptions.VdsmError(f"could not connect to vdsm for {verb}")
            raise ServerError(verb, code)
        self.handlers[verb] = lambda **kw: raise_()

    def hang(self, verb: str) -> None:
        self.hanging.add(verb)

    def call(self, namespace: str, verb: str, **kwargs: Any) -> Any:
        name = f"{namespace}.{verb}"
        with self._lock:
            self.calls.append((name, kwargs))
        if name in self.hanging:
            self.release.wait()
        answer = self.handlers.get(name)
        if answer is None:
            raise ServerError(name, -32601, "method not found")
        return answer(**kwargs) if callable(answer) else answer

    def connect(self) -> FakeClient:
        return self.client

    def count(self, name: str) -> int:
        with self._lock:
            return sum(1 for n, _ in self.calls if n == name)


def vm_stats(status: str = "Up", status_time: int = 4_300_000_000, **extra: Any
             ) -> Callable[..., list[dict[str, Any]]]:
    stats = {"vmId": VM_UUID, "status": status, "statusTime": str(status_time), **extra}
    return lambda **kw: [dict(stats)]


def make_conf(tmp_path: Path, **values: str) -> config.HostedEngineConf:
    """A hosted-engine.conf view with extra raw `values` (e.g. fqdn)."""
    conf_ref = None
    if values.pop("with_conf_volume", None):
        conf_ref = config.VolumeRef(IMG_UUID, VOL_UUID)
    return config.HostedEngineConf(
        path=tmp_path / "hosted-engine.conf", sd_uuid=SD_UUID,
        sp_uuid="00000000-0000-0000-0000-000000000000", domain_type="nfs",
        metadata=config.VolumeRef(IMG_UUID, VOL_UUID),
        lockspace=config.VolumeRef(IMG_UUID, VOL_UUID),
        conf=conf_ref, host_id=1, values=dict(values))
