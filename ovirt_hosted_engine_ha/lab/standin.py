"""Where the vdsm stand-in lives and how lab processes find it."""

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

STANDIN_DIR = Path(__file__).resolve().parent / "vdsm_standin"
PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # makes the package importable
_MODULE_NAME = "ovirt_hosted_engine_ha.lab._vdsm_client"


def pythonpath(existing: str | None = None) -> str:
    """PYTHONPATH for a lab process: the stand-in first, then the package, then `existing`."""
    parts = [str(STANDIN_DIR), str(PACKAGE_PARENT)]
    parts += [p for p in (existing or "").split(os.pathsep) if p and p not in parts]
    return os.pathsep.join(parts)


def client_module() -> ModuleType:
    """The stand-in `vdsm.client` module, loaded under a private name.

    The lab uses it to talk to the simulators without touching whatever
    `vdsm` the current process imports; a process that already imported
    the stand-in as `vdsm.client` (tests) gets that module, so both raise
    the same exception classes.
    """
    imported = sys.modules.get("vdsm.client")
    client_file = STANDIN_DIR / "vdsm" / "client.py"
    if imported is not None and Path(getattr(imported, "__file__", "")).resolve() == client_file:
        return imported
    module = sys.modules.get(_MODULE_NAME)
    if module is None:
        spec = importlib.util.spec_from_file_location(_MODULE_NAME, client_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[_MODULE_NAME] = module
        spec.loader.exec_module(module)
    return module
