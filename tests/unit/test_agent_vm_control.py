"""Starting and stopping the engine VM against a fake vdsm: verbs, parameters, retries."""

from typing import Any

import pytest

from ovirt_hosted_engine_ha.agent.vm_conf import VmConf
from ovirt_hosted_engine_ha.agent.vm_control import VmControl
from ovirt_hosted_engine_ha.lib import exceptions

VM_ID = "vm-1"
VM = VmConf(VM_ID, 4096, {"vmId": VM_ID, "memSize": "4096"})


class ServerError(exceptions.VdsmError):
    def __init__(self, code: int, message: str = "error") -> None:
        super().__init__(f"code {code}: {message}")
        self.code = code


class FakeVdsm:
    """Answers getStats from `statuses` (None = no such VM), records every call."""

    def __init__(self, statuses: list[str | None], create_status: str = "WaitForLaunch",
                 errors: dict[str, Exception] | None = None) -> None:
        self.statuses = statuses
        self.create_status = create_status
        self.errors = errors or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, namespace: str, verb: str, **kwargs: Any) -> Any:
        cmd = f"{namespace}.{verb}"
        self.calls.append((cmd, kwargs))
        if cmd in self.errors:
            raise self.errors[cmd]
        if cmd == "VM.getStats":
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            if status is None:
                raise ServerError(1, "Virtual machine does not exist")
            return [{"vmId": VM_ID, "status": status}]
        if cmd == "VM.create":
            return {"vmId": VM_ID, "status": self.create_status}
        return True

    def verbs(self) -> list[str]:
        return [cmd for cmd, _ in self.calls]


def control(vdsm: FakeVdsm, sleeps: list[float] | None = None) -> VmControl:
    return VmControl(vdsm, VM_ID, sleep=(sleeps if sleeps is not None else []).append)


def test_start_a_vm_vdsm_does_not_know():
    vdsm = FakeVdsm([None])
    assert control(vdsm).start(VM)
    assert vdsm.verbs() == ["VM.getStats", "VM.getStats", "VM.create"]
    assert vdsm.calls[-1] == ("VM.create", {"vmID": VM_ID, "vmParams": VM.params})


def test_start_destroys_a_stale_down_record_first():
    vdsm = FakeVdsm(["Down", None, None])
    sleeps: list[float] = []
    assert control(vdsm, sleeps).start(VM)
    assert vdsm.verbs() == ["VM.getStats", "VM.destroy", "VM.getStats", "VM.getStats",
                            "VM.create"]
    assert sleeps == [1]


def test_start_when_the_vm_already_runs_is_a_success_without_create():
    vdsm = FakeVdsm(["Up"])
    assert control(vdsm).start(VM)
    assert "VM.create" not in vdsm.verbs()


def test_start_gives_up_after_ten_destroy_rounds():
    vdsm = FakeVdsm(["Down"])
    sleeps: list[float] = []
    assert not control(vdsm, sleeps).start(VM)
    assert vdsm.verbs().count("VM.destroy") == 10
    assert sleeps == [1] * 9
    assert "VM.create" not in vdsm.verbs()


def test_start_fails_when_the_vm_does_not_launch():
    assert not control(FakeVdsm([None], create_status="Down")).start(VM)


def test_start_fails_on_a_vdsm_error():
    vdsm = FakeVdsm([None], errors={"VM.create": ServerError(100, "Unexpected exception")})
    assert not control(vdsm).start(VM)
    vdsm = FakeVdsm([None], errors={"VM.getStats": ServerError(99, "Recovering")})
    assert not control(vdsm).start(VM)


def test_start_uses_the_xml_when_vm_conf_has_one():
    vm = VmConf(VM_ID, 4096, {"xml": "<domain/>"})
    vdsm = FakeVdsm([None])
    control(vdsm).start(vm)
    assert vdsm.calls[-1][1]["vmParams"] == {"xml": "<domain/>"}


def test_shutdown_sends_upstream_parameters():
    vdsm = FakeVdsm([None])
    assert control(vdsm).stop(force=False)
    assert vdsm.calls == [("VM.shutdown", {"vmID": VM_ID, "delay": "120",
                                           "message": "VM is shutting down!"})]


def test_power_off_destroys():
    vdsm = FakeVdsm([None])
    assert control(vdsm).stop(force=True)
    assert vdsm.calls == [("VM.destroy", {"vmID": VM_ID})]


@pytest.mark.parametrize("force,verb", [(False, "VM.shutdown"), (True, "VM.destroy")])
def test_stopping_a_missing_vm_is_a_success(force, verb):
    vdsm = FakeVdsm([None], errors={verb: ServerError(1, "Virtual machine does not exist")})
    assert control(vdsm).stop(force)


@pytest.mark.parametrize("force,verb", [(False, "VM.shutdown"), (True, "VM.destroy")])
def test_stop_fails_on_other_errors(force, verb):
    vdsm = FakeVdsm([None], errors={verb: exceptions.VdsmError("connection refused")})
    assert not control(vdsm).stop(force)
