"""A lab storage domain on disk and vdsm's storage verbs over it (the simulator's code)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ovirt_hosted_engine_ha.env import config, paths
from ovirt_hosted_engine_ha.lab import conffiles, storage
from ovirt_hosted_engine_ha.lab.layout import Layout
from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lab.vdsm_sim import errors
from ovirt_hosted_engine_ha.lab.vdsm_sim.domains import Storage
from ovirt_hosted_engine_ha.lib import exceptions


class SimStorageCall:
    """`call(namespace, verb, **kwargs)` answering from the lab's storage directory."""

    def __init__(self, storage_dir: Path) -> None:
        self.storage = Storage(storage_dir)
        self.calls: list[str] = []
        self.failing: set[str] = set()

    def __call__(self, namespace: str, verb: str, **kw: Any) -> Any:
        name = f"{namespace}.{verb}"
        self.calls.append(name)
        if name in self.failing:
            raise exceptions.VdsmError(f"{name} failed (test)")
        st, sd = self.storage, kw.get("storagedomainID", "")
        try:
            if name == "StorageDomain.getImages":
                return st.images(sd)
            if name == "StorageDomain.getVolumes":
                return st.volumes(sd, kw["imageID"])
            if name == "Volume.getInfo":
                return st.volume_info(sd, kw["imageID"], kw["volumeID"])
            if name == "Image.prepare":
                return {"path": st.prepare(sd, kw["imageID"], kw["volumeID"])}
        except errors.VdsmError as e:
            raise exceptions.VdsmError(str(e)) from None
        raise exceptions.VdsmError(f"unknown verb {name}")


@dataclasses.dataclass
class Domain:
    layout: Layout
    ids: LabIds
    conf: config.HostedEngineConf
    call: SimStorageCall

    def volume(self, name: str) -> Path:
        return self.volumes[name]

    volumes: dict[str, Path] = dataclasses.field(default_factory=dict)


def make_domain(tmp_path: Path, monkeypatch: Any) -> Domain:
    """A domain under tmp_path/lab, a host root at tmp_path/host with its hosted-engine.conf.

    The configuration volume is reached through vdsm (Image.prepare), as on a
    host where /run/vdsm/storage has no link yet.
    """
    ids = LabIds()
    layout = Layout(tmp_path / "lab")
    layout.root.mkdir()
    volumes = storage.create(layout, ids, 512)
    root = tmp_path / "host"
    monkeypatch.setenv(paths.ROOT_ENV, str(root))
    conf_path = paths.resolve("/etc/ovirt-hosted-engine/hosted-engine.conf")
    conf_path.parent.mkdir(parents=True)
    conf_path.write_text(conffiles.hosted_engine_conf(ids, 1))
    conf = config.load_hosted_engine_conf(conf_path)
    return Domain(layout, ids, conf, SimStorageCall(layout.storage), volumes)
