"""Helpers for the lab's tests: polling with a deadline, a storage domain."""

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ovirt_hosted_engine_ha.lab import storage
from ovirt_hosted_engine_ha.lab.layout import Layout
from ovirt_hosted_engine_ha.lab.record import LabIds

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll until `predicate()` is truthy and return its value; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclasses.dataclass
class Domain:
    layout: Layout
    ids: LabIds
    sector: int
    volumes: dict[str, Path]


def make_domain(root: Path, sector: int = 512) -> Domain:
    layout = Layout(root)
    ids = LabIds()
    return Domain(layout, ids, sector, storage.create(layout, ids, sector))
