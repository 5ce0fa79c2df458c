"""Helpers for the lab's tests: polling with a deadline, a storage domain."""

import dataclasses
from pathlib import Path
from typing import TypeVar

from ovirt_hosted_engine_ha.lab import storage
from ovirt_hosted_engine_ha.lab.layout import Layout
from ovirt_hosted_engine_ha.lab.record import LabIds
from tests.monitorsupport.wait import wait_for  # noqa: F401  (re-exported)

T = TypeVar("T")



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
