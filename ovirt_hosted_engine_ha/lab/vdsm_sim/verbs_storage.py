"""StorageDomain, StoragePool, Image and Volume namespaces."""

import os
from collections.abc import Callable

from .state import SimState

FILE_STORAGE_TYPES = (1, 7)  # NFS, GlusterFS: the connection must name a domain
MOUNT_FAILED = 477


def get_info(state: SimState, storagedomainID: str) -> dict:
    return state.storage.info(storagedomainID)


def get_stats(state: SimState, storagedomainID: str) -> dict:
    return state.storage.stats(storagedomainID)


def get_images(state: SimState, storagedomainID: str) -> list:
    return state.storage.images(storagedomainID)


def get_volumes(state: SimState, storagedomainID: str, imageID: str,
                storagepoolID: str | None = None) -> list:
    return state.storage.volumes(storagedomainID, imageID)


def volume_get_info(state: SimState, volumeID: str, imageID: str,
                    storagedomainID: str, storagepoolID: str | None = None) -> dict:
    return state.storage.volume_info(storagedomainID, imageID, volumeID)


def connect_storage_server(state: SimState, storagepoolID: str, domainType: int,
                           connectionParams: list) -> list:
    remote = state.storage.remote_paths()
    result = []
    for params in connectionParams:
        status = state.knobs.connect_status
        if status == 0 and int(domainType) in FILE_STORAGE_TYPES:
            connection = os.path.normpath(str(params.get("connection", "")))
            status = 0 if connection in remote else MOUNT_FAILED
        result.append({"id": params.get("id"), "status": status})
    return result


def disconnect_storage_server(state: SimState, storagepoolID: str, domainType: int,
                              connectionParams: list) -> list:
    return [{"id": params.get("id"), "status": 0} for params in connectionParams]


def prepare(state: SimState, storagepoolID: str, storagedomainID: str,
            imageID: str, volumeID: str, allowIllegal: bool = False) -> dict:
    return {"path": state.storage.prepare(storagedomainID, imageID, volumeID)}


def teardown(state: SimState, storagepoolID: str, storagedomainID: str,
             imageID: str, volumeID: str | None = None) -> bool:
    return True


VERBS: dict[str, Callable[..., object]] = {
    "StorageDomain.getInfo": get_info,
    "StorageDomain.getStats": get_stats,
    "StorageDomain.getImages": get_images,
    "StorageDomain.getVolumes": get_volumes,
    "Volume.getInfo": volume_get_info,
    "StoragePool.connectStorageServer": connect_storage_server,
    "StoragePool.disconnectStorageServer": disconnect_storage_server,
    "Image.prepare": prepare,
    "Image.teardown": teardown,
}
