"""Storage server disconnection through vdsm (the connection is lib.storage_server's)."""

import logging

from ..env.config import HostedEngineConf
from ..lib import exceptions, storage_server, vdsm_util

log = logging.getLogger(__name__)


def disconnect_storage_server(conf: HostedEngineConf) -> None:
    """Ask vdsm to disconnect the connections `connect_storage_server` made."""
    params = storage_server.connection_params(conf)
    if not params:
        return
    result = vdsm_util.call(
        "StoragePool", "disconnectStorageServer",
        storagepoolID=conf.sp_uuid,
        domainType=storage_server.STORAGE_TYPES[conf.domain_type],
        connectionParams=params,
    )
    entries = result if isinstance(result, list) else []
    if not any(isinstance(c, dict) and c.get("status") == 0 for c in entries):
        raise exceptions.StorageError(
            f"disconnectStorageServer failed for {conf.storage}: {result}")
    log.info("Disconnected storage server %s", conf.storage)
