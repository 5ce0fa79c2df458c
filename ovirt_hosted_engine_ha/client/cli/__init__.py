"""ovirt-ha-client: the hosted-engine HA client command.

    ovirt-ha-client vm-status [--json]
    ovirt-ha-client set-maintenance --mode global|local|none
    ovirt-ha-client reinitialize-lockspace [--force]
    ovirt-ha-client check-liveliness
    ovirt-ha-client score

Every path is resolved under OVIRT_HA_ROOT (default /). Errors are one line
on stderr (with --json also a JSON object ``{"exception": ...}`` on
stdout) and exit 1; usage errors exit 2; check-liveliness keeps upstream's
codes (0 up, 1 not up, 2 no configuration).
"""

import argparse
import json
import logging
import sys
from collections.abc import Callable

from ...env import constants, paths
from ...lib import exceptions
from ..client import HAClient
from . import commands, vm_status

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0  # seconds per broker call; upstream's command waits forever
HEALTH_TIMEOUT = 20.0

STORAGE_FAULTS = (exceptions.FaultCode.STORAGE, exceptions.FaultCode.STORAGE_TIMEOUT)


def _vm_status(args: argparse.Namespace, client: HAClient) -> int:
    if not client.is_deployed():
        path = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
        raise commands.CommandError(f"{path} not found: you must run deploy first")
    hosts, global_maintenance = vm_status.gather(client, args.timeout)
    if args.json:
        print(vm_status.render_json(hosts, global_maintenance, client.metadata_age))
    else:
        text = vm_status.render_text(hosts, global_maintenance)
        sys.stdout.write(vm_status.stale_warning(client.metadata_age) + text)
    return 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace, HAClient], int], str]] = {
    "vm-status": (_vm_status, "show the status of every hosted-engine host"),
    "set-maintenance": (commands.set_maintenance, "set the maintenance mode"),
    "reinitialize-lockspace": (commands.reinitialize_lockspace,
                               "re-initialize the sanlock lockspace of the HA hosts"),
    "check-liveliness": (commands.check_liveliness,
                         "check that the engine answers on its health page"),
    "score": (commands.score, "print this host's published score (0 if not up to date)"),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ovirt-ha-client", description="Hosted-engine high availability client.")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="log to stderr (-v info, -vv debug)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"timeout of each broker call (default {DEFAULT_TIMEOUT:g})")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:])
    status = sub.choices["vm-status"]
    status.add_argument("--json", action="store_true", help="print one line of JSON")
    maintenance = sub.choices["set-maintenance"]
    maintenance.add_argument(
        "--mode", required=True, choices=("global", "local", "none"),
        help="global: no agent starts or stops the engine VM; local: this host leaves "
             "the cluster (refused while the engine VM runs here); none: both off")
    lockspace = sub.choices["reinitialize-lockspace"]
    lockspace.add_argument(
        "--force", action="store_true",
        help="skip the safety checks (global maintenance, every agent stopped)")
    liveliness = sub.choices["check-liveliness"]
    liveliness.add_argument("--http-timeout", type=float, default=HEALTH_TIMEOUT,
                            metavar="SECONDS", help=argparse.SUPPRESS)
    return p


def describe(error: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an error of a command."""
    if isinstance(error, exceptions.BrokerConnectionError):
        return (f"Cannot connect to the HA daemon: {error}. "
                "Please check that ovirt-ha-broker is running, and its logs."), 1
    if isinstance(error, exceptions.RequestError) and error.code in STORAGE_FAULTS:
        return (f"The HA daemon cannot access the shared storage: {error}. "
                "Please make sure your storage is reachable."), 1
    if isinstance(error, exceptions.RequestError):
        return f"The HA daemon failed: {error}", 1
    if isinstance(error, vm_status.NoHosts):
        return f"No status to show: {error}.", 1
    if isinstance(error, commands.CommandError):
        return str(error), error.code
    if isinstance(error, exceptions.Error):
        return str(error), 1
    if isinstance(error, OSError):
        return str(error), 1
    return f"internal error ({type(error).__name__}: {error}); run with -v for details", 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    level = {0: logging.CRITICAL, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    handler = COMMANDS[args.command][0]
    try:
        return handler(args, HAClient(log=True))
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        log.debug("%s failed", args.command, exc_info=True)
        message, code = describe(e)
        if getattr(args, "json", False):
            print(json.dumps({"exception": message}))
        print(f"ovirt-ha-client {args.command}: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
