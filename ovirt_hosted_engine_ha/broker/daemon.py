"""ovirt-ha-broker: build everything from hosted-engine.conf, serve, stop.

Start-up, in order, with no fixed sleeps: logging; the single-instance lock;
the configuration; storage (vdsm connects the storage server and prepares
the volumes); the first metadata read; the socket; READY=1. Any failure
ends the process with status 1 and one line naming the cause, so that
systemd's Restart=on-failure tries again. SIGTERM/SIGINT: stop serving,
stop the monitors, release the host id, remove the socket, exit 0.
"""

import fcntl
import logging
import os
import pyexpat
import signal
import sys
import threading
import time
from collections.abc import Callable

from .. import PACKAGE_NAME, PACKAGE_VERSION
from ..env import config, constants, paths
from ..lib import directio, exceptions, logsetup, sdnotify
from . import handlers, services
from .server import BrokerServer
from .status_broker import StatusBroker
from .storage_broker import StorageBroker

log = logging.getLogger(__name__)

FULL_PROG_NAME = f"{PACKAGE_NAME} broker {PACKAGE_VERSION}"
MIN_EXPAT = (2, 4, 0)
SHUTDOWN_TIMEOUT = 5.0


def check_expat() -> None:
    if pyexpat.version_info < MIN_EXPAT:
        raise exceptions.DetailError(
            f"expat {pyexpat.EXPAT_VERSION} is too old: entity amplification limits need "
            f"{'.'.join(map(str, MIN_EXPAT))} or later")


def hold_instance_lock() -> int:
    """flock the broker's lock file for the life of the process."""
    path = paths.resolve(constants.BROKER_LOCK_FILE)
    os.makedirs(path.parent, mode=0o755, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise exceptions.DetailError(f"another broker holds {path}") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def check_metadata_filesystem(path: str) -> None:
    """Refuse a metadata volume on a memory filesystem; a block device is real storage."""
    if directio.is_block_device(path):
        return
    fstype = directio.filesystem_type(path)
    if fstype in directio.MEMORY_FILESYSTEMS:
        raise exceptions.DirectIONotSupported(
            f"metadata volume {path} is on {fstype}, which does not do direct I/O; "
            "use disk-backed storage")


class Watchdog:
    """WATCHDOG=1 from the serving loop, only while storage reads progress.

    Without a systemd watchdog the health check still runs every few
    seconds, so stale metadata is logged even when no client asks.
    """

    CHECK_INTERVAL = 5.0

    def __init__(self, healthy: Callable[[], bool]) -> None:
        self._healthy = healthy
        self._interval = sdnotify.watchdog_interval()
        self._last = 0.0
        self._reported = False

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < (self._interval or self.CHECK_INTERVAL):
            return
        self._last = now
        if self._interval is None:
            self._healthy()
            return
        if self._healthy():
            sdnotify.notify("WATCHDOG=1")
            self._reported = False
        elif not self._reported:
            log.error("Metadata reads are stale; withholding the watchdog keep-alive")
            self._reported = True


def serve(conf: config.HostedEngineConf) -> None:
    storage = StorageBroker.connect(conf)
    check_metadata_filesystem(storage.metadata_path)
    status = StatusBroker(storage)
    status.start()
    ctx = services.build_context(conf, status)
    server = None
    try:
        server = BrokerServer(str(paths.resolve(constants.BROKER_SOCKET_FILE)),
                              handlers.HANDLERS, ctx,
                              on_serving_loop=Watchdog(lambda: not status.reader.stale()))
        install_signal_handlers(server)
        sdnotify.notify("READY=1", f"STATUS=serving on {server.socket_path}")
        log.info("Serving on %s", server.socket_path)
        server.serve_forever(poll_interval=0.5)
        log.info("Shutting down")
        sdnotify.notify("STOPPING=1")
    finally:
        services.stop(ctx, SHUTDOWN_TIMEOUT)
        if server is not None:
            server.server_close()
        status.stop(SHUTDOWN_TIMEOUT)


def install_signal_handlers(server: BrokerServer) -> None:
    def quit(signum: int, frame: object) -> None:
        log.info("Received signal %d", signum)
        threading.Thread(target=server.shutdown, name="Shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, quit)
    signal.signal(signal.SIGINT, quit)


def main(argv: list[str] | None = None) -> int:
    logsetup.setup(constants.BROKER_LOG_CONF_FILE)
    log.info("%s started", FULL_PROG_NAME)
    try:
        check_expat()
        lock_fd = hold_instance_lock()
        conf = config.load_hosted_engine_conf()
        serve(conf)
    except exceptions.Error as e:
        log.error("Broker failed: %s", e)
        return 1
    except Exception:
        log.exception("Broker failed unexpectedly")
        return 1
    os.close(lock_fd)
    log.info("Stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
