"""One VM record as vdsm presents it: status, exit fields, stats (spec/vdsm.md §4.2)."""

import dataclasses
import time

from .standin_vm import StandInProcess

UP, DOWN = "Up", "Down"
WAIT_FOR_LAUNCH, POWERING_UP, POWERING_DOWN = "WaitForLaunch", "Powering up", "Powering down"
MIGRATION_SOURCE, MIGRATION_DESTINATION = "Migration Source", "Migration Destination"
GENERIC_ERROR, LOST_QEMU, MIGRATION_SUCCEEDED, ADMIN_SHUTDOWN = 1, 2, 4, 6
ADMIN_SHUTDOWN_MESSAGE = "Admin shut down from the engine"
LOST_QEMU_MESSAGE = "Lost connection with qemu process"
MIGRATION_SUCCEEDED_MESSAGE = "Migration succeeded"


def event_time() -> int:
    """vdsm's event clock: milliseconds, offset by 2**31 - 1 (spec/vdsm.md §1.6)."""
    return 2**31 - 1 + int(time.monotonic() * 1000)


@dataclasses.dataclass
class Vm:
    vm_id: str
    params: dict
    status: str
    started: float
    exit_code: int = 0
    exit_reason: int = 0
    exit_message: str = ""
    plan: list[tuple[float, str]] = dataclasses.field(default_factory=list)
    runner: StandInProcess | None = None
    ending: tuple[int, int, str] | None = None   # exit record once the stand-in exits
    released: bool = False                       # migration source gave the lease back
    outcome: str | None = None                   # incoming: "up" or "failed"

    def down_fields(self) -> dict[str, object]:
        return {"vmId": self.vm_id, "exitCode": self.exit_code,
                "exitMessage": self.exit_message, "exitReason": self.exit_reason,
                "timeOffset": "0"}

    def stats(self) -> dict[str, object]:
        common: dict[str, object] = {"vmId": self.vm_id, "status": self.status,
                                     "statusTime": str(event_time())}
        if self.status == DOWN:
            return {**common, **self.down_fields()}
        up = self.status in (UP, MIGRATION_SOURCE, POWERING_DOWN)
        elapsed = time.monotonic() - self.started
        return {
            **common,
            "vmName": str(self.params.get("vmName", "HostedEngine")),
            "elapsedTime": str(int(elapsed)),
            "cpuUser": "1.25" if up else "0.00",
            "cpuSys": "0.50" if up else "0.00",
            "cpuUsage": str(int(elapsed * 1e9 * 0.0175)) if up else "0",
            "cpuActual": up,
            "memUsage": "20" if up else "0",
            "monitorResponse": "0",
            "timeOffset": "0",
            "displayInfo": [],
            **({"pid": str(self.runner.pid)} if self.runner is not None else {}),
        }

    def event_fields(self) -> dict[str, object]:
        return {"status": self.status, **(self.down_fields() if self.status == DOWN else {})}

    def end(self, code: int, reason: int, message: str) -> None:
        self.status, self.plan = DOWN, []
        self.exit_code, self.exit_reason, self.exit_message = code, reason, message
