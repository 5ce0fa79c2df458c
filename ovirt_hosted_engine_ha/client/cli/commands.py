"""The subcommands other than vm-status. Each returns an exit code or raises.

Exit codes: 0 done; 1 failed (upstream's code for every failure of these
commands); check-liveliness keeps upstream's 0 up, 1 not up, 2 no
configuration.
"""

import argparse

from ...env import constants, paths
from ...env.config import read_key_values
from ...lib import exceptions
from ..client import HAClient

VDSM_CONNECT_RETRIES = 5  # a command line does not wait a minute for vdsm


class CommandError(exceptions.DetailError):
    """A command cannot do what was asked; the message says why."""

    def __init__(self, detail: str, code: int = 1) -> None:
        super().__init__(detail)
        self.code = code


def _he_conf() -> dict[str, str]:
    path = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    try:
        return read_key_values(path)
    except exceptions.ConfigError as e:
        raise CommandError(f"{e}: you must run deploy first") from None


# set-maintenance


def engine_vm_here(vm_id: str) -> bool:
    """Whether vdsm on this host lists the engine VM."""
    try:
        from ...lib import vdsm_util
    except ImportError as e:
        raise CommandError(f"cannot ask vdsm whether the engine VM runs here: {e}") from None
    try:
        vdsm_util.connect(retries=VDSM_CONNECT_RETRIES)
        vms = vdsm_util.call("Host", "getVMList")
    except exceptions.VdsmError as e:
        raise CommandError(f"cannot ask vdsm whether the engine VM runs here: {e}") from None
    ids = {vm.get("vmId") if isinstance(vm, dict) else vm for vm in vms or []}  # type: ignore
    return vm_id in ids


def set_maintenance(args: argparse.Namespace, client: HAClient) -> int:
    """Upstream's order: LOCAL, GLOBAL, LOCAL_MANUAL, each on or off by mode."""
    vm_id = _he_conf().get("vmid")
    if not vm_id:
        raise CommandError("hosted-engine.conf has no vmid: you must run deploy first")
    mode = args.mode
    if mode == "local" and engine_vm_here(vm_id):
        raise CommandError(
            "Unable to enter local maintenance mode: the engine VM is running on the "
            "current host, please migrate it before entering local maintenance mode.")
    client.set_maintenance_mode(HAClient.MaintenanceMode.LOCAL, mode == "local",
                                timeout=args.timeout)
    client.set_maintenance_mode(HAClient.MaintenanceMode.GLOBAL, mode == "global",
                                timeout=args.timeout)
    client.set_maintenance_mode(HAClient.MaintenanceMode.LOCAL_MANUAL, mode == "local",
                                timeout=args.timeout)
    return 0


# reinitialize-lockspace


def reinitialize_lockspace(args: argparse.Namespace, client: HAClient) -> int:
    if not client.reset_lockspace(force=args.force, timeout=args.timeout):
        raise CommandError("hosted engine is not configured on this host "
                           "(hosted-engine.conf needs host_id and configured=True)")
    return 0


# score


def score(args: argparse.Namespace, client: HAClient) -> int:
    print(client.get_local_host_score(timeout=args.timeout))
    return 0


# check-liveliness


def check_liveliness(args: argparse.Namespace, client: HAClient) -> int:
    from ...lib.engine_liveliness import is_engine_up

    path = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    try:
        fqdn = read_key_values(path).get("fqdn")
    except exceptions.ConfigError as e:
        raise CommandError(f"Error reading the configuration file: {e}", code=2) from None
    if not fqdn:
        raise CommandError(f"{path} has no fqdn: the engine's address is unknown", code=2)
    if is_engine_up(fqdn, timeout=args.http_timeout):
        print("Hosted Engine is up!")
        return 0
    print("Hosted Engine is not up!")
    return 1
