"""A campaign's record on disk, so its verdict can be checked again later.

``DIR/campaign-<seed>.json``: the settings, the catalogue, the draw, each
fault as it happened, every sample and the lease journal. `load` rebuilds
the Result; `ovirt-ha-lab campaign --check FILE` prints its report again
(the invariants are recomputed from the record, not copied from it).
"""

import dataclasses
import json
import os
from pathlib import Path

from .invariants import Episode
from .plan import PlannedFault
from .result import Result
from .runner import Settings
from .sampler import Sample

VERSION = 1


def path_for(settings: Settings) -> Path:
    return Path(settings.root) / f"campaign-{settings.seed}.json"


def save(result: Result, path: str | os.PathLike[str]) -> None:
    doc = {
        "version": VERSION,
        "settings": dataclasses.asdict(result.settings),
        "kinds": result.kinds,
        "storage": result.storage,
        "plan": [dataclasses.asdict(p) for p in result.plan],
        "episodes": [dataclasses.asdict(e) for e in result.episodes],
        "samples": [[s.t, s.vms, s.slots, s.db_up] for s in result.samples],
        "first_up": result.first_up,
        "lease_events": result.lease_events,
    }
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(path)


def _ints(d: dict) -> dict:
    return {int(k): v for k, v in d.items()}


def load(path: str | os.PathLike[str]) -> Result:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("version") != VERSION:
        raise ValueError(f"{path}: not a campaign record of version {VERSION}")
    samples = [Sample(t, _ints(vms), _ints(slots), up) for t, vms, slots, up in doc["samples"]]
    return Result(Settings(**doc["settings"]), doc["kinds"], doc["storage"],
                  [PlannedFault(**p) for p in doc["plan"]],
                  [Episode(**e) for e in doc["episodes"]], samples, doc["first_up"],
                  doc["lease_events"])
