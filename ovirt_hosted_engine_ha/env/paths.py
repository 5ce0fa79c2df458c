"""Host paths resolved under OVIRT_HA_ROOT.

Every absolute path the package uses goes through `resolve`, so one machine
can hold several simulated hosts, each with its own root (design.md §5).
The root is read at call time: tests may set it per process.
"""

import os
from pathlib import Path

ROOT_ENV = "OVIRT_HA_ROOT"


def root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or "/")


def resolve(path: str | os.PathLike[str]) -> Path:
    """Return `path` (absolute, as on a real host) under the current root."""
    p = Path(path)
    if not p.is_absolute():
        raise ValueError(f"host path must be absolute: {path}")
    return root().joinpath(*p.parts[1:])
