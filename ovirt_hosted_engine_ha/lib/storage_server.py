"""Connecting the hosted-engine storage domain's server through vdsm.

The connection parameters follow upstream's rules (spec/vdsm.md §2.3);
iSCSI interface discovery through `iscsiadm` is not done: one entry per
portal is sent.
"""

import logging
import os
import uuid

from ..env import constants
from ..env.config import HostedEngineConf
from . import exceptions, vdsm_util

log = logging.getLogger(__name__)

STORAGE_TYPES = {
    constants.DOMAIN_TYPE_NFS: constants.STORAGE_TYPE_NFS,
    constants.DOMAIN_TYPE_NFS3: constants.STORAGE_TYPE_NFS,
    constants.DOMAIN_TYPE_NFS4: constants.STORAGE_TYPE_NFS,
    constants.DOMAIN_TYPE_GLUSTERFS: constants.STORAGE_TYPE_GLUSTERFS,
    constants.DOMAIN_TYPE_ISCSI: constants.STORAGE_TYPE_ISCSI,
    constants.DOMAIN_TYPE_FC: constants.STORAGE_TYPE_FC,
}


def _nfs_protocol(conf: HostedEngineConf) -> str:
    if conf.domain_type == constants.DOMAIN_TYPE_NFS3:
        return "3"
    if conf.domain_type == constants.DOMAIN_TYPE_NFS4:
        return "4"
    if conf.nfs_version:
        return conf.nfs_version.replace("v", "").replace("_", ".")
    return "auto"


def _file_connection(conf: HostedEngineConf) -> dict[str, str]:
    if not conf.storage:
        raise exceptions.MissingConfigKey(conf.path, "storage")
    entry = {
        "connection": os.path.normpath(conf.storage),
        "user": "kvm",
        "id": conf.connection_uuid or str(uuid.uuid4()),
    }
    if conf.domain_type == constants.DOMAIN_TYPE_GLUSTERFS:
        entry["vfs_type"] = "glusterfs"
    else:
        entry["protocol_version"] = _nfs_protocol(conf)
    return entry


def _iscsi_connections(conf: HostedEngineConf) -> list[dict[str, str | None]]:
    portals = [p.strip() for p in (conf.storage or "").split(",") if p.strip()]
    if not portals:
        raise exceptions.MissingConfigKey(conf.path, "storage")

    def split(value: str | None) -> list[str | None]:
        return [v.strip() for v in value.split(",")] if value else [None] * len(portals)

    iqns, tpgts, ports = split(conf.iqn), split(conf.portal), split(conf.port)
    return [
        {"connection": ip, "iqn": iqn, "tpgt": tpgt, "user": conf.user,
         "password": conf.password, "port": port, "id": str(uuid.uuid4())}
        for ip, iqn, tpgt, port in zip(portals, iqns, tpgts, ports, strict=False)
    ]


def connection_params(conf: HostedEngineConf) -> list[dict]:
    if conf.domain_type == constants.DOMAIN_TYPE_FC:
        params: list[dict] = []
    elif conf.domain_type == constants.DOMAIN_TYPE_ISCSI:
        params = _iscsi_connections(conf)
    else:
        params = [_file_connection(conf)]
    if params and conf.mnt_options:
        params[0]["mnt_options"] = conf.mnt_options
    return params


def connect_storage_server(conf: HostedEngineConf) -> None:
    params = connection_params(conf)
    if params:
        result = vdsm_util.call(
            "StoragePool", "connectStorageServer",
            storagepoolID=conf.sp_uuid,
            domainType=STORAGE_TYPES[conf.domain_type],
            connectionParams=params,
        )
        connections = result if isinstance(result, list) else []
        if not any(isinstance(c, dict) and c.get("status") == 0 for c in connections):
            raise exceptions.StorageError(
                f"connectStorageServer failed for {conf.storage}: {result}")
    try:
        vdsm_util.call("StorageDomain", "getStats", storagedomainID=conf.sd_uuid)
    except exceptions.VdsmError as e:
        log.warning("Refreshing storage domain %s failed: %s", conf.sd_uuid, e)
