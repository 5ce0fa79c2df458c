"""The faultfs daemon: mount the passthrough over a directory, serve control.

    python -m ovirt_hosted_engine_ha.lab.faultfs.daemon DIR --control SOCK

Opens DIR, then mounts over it (``fuse.faultfs``): from then on every
process sees DIR through this daemon, which reaches the real files through
the descriptor it opened first. Mount options (spec/reliability.md §5): no
``direct_io`` (one large O_DIRECT read stays one request per MiB),
``allow_other,default_permissions`` (the sanlock daemon may run as another
user), attribute, entry and negative timeouts 0 (a vanish shows at once),
``max_background`` and worker threads raised (held operations must not
starve the others).

SIGTERM or SIGINT: release every held operation, unmount, exit 0.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading

import mfusepy

from .control import ControlServer
from .passthrough import Passthrough
from .rules import FaultTable

log = logging.getLogger("faultfs")

FUSERMOUNT = "fusermount3"
MAX_BACKGROUND = 128
MAX_THREADS = 128
JOIN_TIMEOUT = 10.0


def mount_options(threads: int) -> dict[str, object]:
    return {
        "foreground": True, "allow_other": True, "default_permissions": True,
        "fsname": "faultfs", "subtype": "faultfs",
        "attr_timeout": 0, "entry_timeout": 0, "negative_timeout": 0,
        "max_threads": threads, "max_idle_threads": max(10, threads // 4),
    }


def unmount(mountpoint: str) -> None:
    result = subprocess.run([FUSERMOUNT, "-u", "-z", mountpoint], capture_output=True,
                            text=True, timeout=10)
    if result.returncode != 0:
        log.warning("%s -u %s: %s", FUSERMOUNT, mountpoint, result.stderr.strip())


def run(mountpoint: str, control: str, threads: int = MAX_THREADS) -> int:
    root_fd = os.open(mountpoint, os.O_RDONLY | os.O_DIRECTORY)
    table = FaultTable()
    server = ControlServer(control, table, root_fd)
    stop = threading.Event()
    failure: list[BaseException] = []

    def serve_fuse() -> None:
        try:
            ops = Passthrough(root_fd, table, MAX_BACKGROUND)
            mfusepy.FUSE(ops, mountpoint, **mount_options(threads))
        except BaseException as e:   # reported by the main thread
            failure.append(e)
        finally:
            stop.set()

    def on_signal(signo: int, frame: object) -> None:
        log.info("signal %d: healing and unmounting", signo)
        stop.set()

    for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signo, on_signal)   # before the mount: libfuse keeps handlers it finds
    server.start()
    fuse = threading.Thread(target=serve_fuse, name="faultfs-fuse")
    fuse.start()
    log.info("serving %s (control %s)", mountpoint, control)
    while not stop.wait(0.5):
        pass
    table.heal()
    if fuse.is_alive():
        unmount(mountpoint)
        fuse.join(JOIN_TIMEOUT)
    server.close()
    os.close(root_fd)
    if failure:
        log.error("FUSE failed: %s", failure[0])
        return 1
    log.info("unmounted %s", mountpoint)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="faultfs", description=__doc__.split("\n")[0])
    p.add_argument("mountpoint", help="directory to cover")
    p.add_argument("--control", required=True, help="control socket path")
    p.add_argument("--threads", type=int, default=MAX_THREADS, help="FUSE worker threads")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("mfusepy").setLevel(logging.WARNING)
    return run(os.path.abspath(args.mountpoint), args.control, args.threads)


if __name__ == "__main__":
    sys.exit(main())
