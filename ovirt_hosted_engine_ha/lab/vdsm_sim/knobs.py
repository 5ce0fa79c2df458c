"""Test knobs: values the simulator reports and faults injected into verbs.

`Knobs` are plain values (bridge state, free memory, domain health, ...),
changed with `Lab.set`. `Faults` make one verb hang, fail or answer late,
changed with `Lab.setVerb`. Both are read by the verbs on every call, so a
change takes effect at the next call.
"""

import dataclasses
import threading

from . import errors

FAULT_MODES = ("normal", "hang", "fail", "delay")


@dataclasses.dataclass
class Knobs:
    bridge_up: bool = True          # Host.getStats network[bridge].state up/down
    mem_free: int = 16384           # Host.getStats memFree, MiB
    cpu_load: float = 0.05          # Host.getStats cpuLoad
    domain_valid: bool = True       # getStorageRepoStats valid
    domain_delay: float = 0.0005    # getStorageRepoStats delay, seconds
    domain_code: int = 0            # getStorageRepoStats code
    acquire_delay: float = 0.5      # startMonitoringDomain -> acquired true, at the earliest
    vm_launch_delay: float = 0.3    # VM.create: WaitForLaunch -> Powering up, seconds
    vm_boot_delay: float = 1.0      # Powering up -> Up, seconds
    vm_shutdown_delay: float = 1.0  # VM.shutdown: Powering down -> Down, seconds
    recovering: bool = False        # every vdsm verb answers code 99
    connect_status: int = 0         # connectStorageServer status of each connection
    engine_health: str = "good"     # engine VM health page: good, bad or hang


# Knobs taking one of a few words.
CHOICES: dict[str, tuple[str, ...]] = {"engine_health": ("good", "bad", "hang")}


def _check(name: str, value: object, expected: type) -> object:
    if expected is str:
        choices = CHOICES.get(name, ())
        if not isinstance(value, str) or (choices and value not in choices):
            raise errors.InvalidParams(
                f"knob {name} must be one of {', '.join(choices)}, got {value!r}")
        return value
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise errors.InvalidParams(f"knob {name} must be {expected.__name__}, got {value!r}")
    return float(value) if expected is float else value  # type: ignore[arg-type]


def _types() -> dict[str, type]:
    # No `from __future__ import annotations` here: field types are classes.
    return {f.name: f.type for f in dataclasses.fields(Knobs)}  # type: ignore[misc]


def update(knobs: Knobs, values: dict[str, object]) -> None:
    """Set several knobs at once; nothing changes if one name or type is bad."""
    types = _types()
    checked = {}
    for name, value in values.items():
        if name not in types:
            raise errors.InvalidParams(
                f"unknown knob {name!r}; knobs: {', '.join(sorted(types))}")
        checked[name] = _check(name, value, types[name])
    for name, value in checked.items():
        setattr(knobs, name, value)


def parse_value(name: str, text: str) -> object:
    """Turn a command-line ``name=text`` into the knob's type."""
    types = _types()
    if name not in types:
        raise ValueError(f"unknown knob {name!r}; knobs: {', '.join(sorted(types))}")
    kind = types[name]
    if kind is str:
        return text
    if kind is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on", "up"):
            return True
        if lowered in ("0", "false", "no", "off", "down"):
            return False
        raise ValueError(f"knob {name} needs a boolean, got {text!r}")
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"knob {name} needs {kind.__name__}, got {text!r}") from None


@dataclasses.dataclass(frozen=True)
class VerbFault:
    mode: str                 # "hang", "fail" or "delay"
    seconds: float = 0.0      # delay before answering ("delay")
    code: int = 100           # error code ("fail")
    message: str = "General Exception: lab fault"


class Faults:
    """Per-verb faults. A hung call waits until its fault is changed."""

    def __init__(self, stopping: threading.Event) -> None:
        self._faults: dict[str, VerbFault] = {}
        self._cond = threading.Condition()
        self._stopping = stopping

    def set(self, verb: str, fault: VerbFault | None) -> None:
        with self._cond:
            if fault is None:
                self._faults.pop(verb, None)
            else:
                self._faults[verb] = fault
            self._cond.notify_all()

    def wake_all(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def snapshot(self) -> dict[str, dict]:
        with self._cond:
            return {verb: dataclasses.asdict(f) for verb, f in self._faults.items()}

    def apply(self, verb: str) -> None:
        """Hang, sleep or raise as the fault of `verb` says; return at once if none."""
        with self._cond:
            fault = self._faults.get(verb)
            while fault is not None and fault.mode == "hang":
                if self._stopping.is_set():
                    raise errors.InternalError("simulator is stopping")
                self._cond.wait()
                fault = self._faults.get(verb)
        if fault is None:
            return
        if fault.mode == "delay":
            self._stopping.wait(fault.seconds)
        elif fault.mode == "fail":
            raise errors.VdsmError(code=fault.code, message=fault.message)


def make_fault(mode: str, seconds: float | None, code: int | None,
               message: str | None) -> VerbFault | None:
    if mode not in FAULT_MODES:
        raise errors.InvalidParams(f"mode must be one of {', '.join(FAULT_MODES)}, got {mode!r}")
    if mode == "normal":
        return None
    if mode == "delay" and (seconds is None or seconds < 0):
        raise errors.InvalidParams("mode delay needs seconds >= 0")
    return VerbFault(
        mode=mode,
        seconds=float(seconds or 0.0),
        code=100 if code is None else int(code),
        message=message or f"General Exception: lab fault injected ({mode})",
    )
