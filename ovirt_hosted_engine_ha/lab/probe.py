"""A host's network probe target: a TCP listener on 127.0.0.1:<port>.

Each lab host's hosted-engine.conf says ``network_test=tcp``,
``tcp_t_address=127.0.0.1`` and ``tcp_t_port=<its port>``, so its agent's
`network` monitor (``nc -z``) succeeds while this listener runs, and fails
at once (connection refused) when `ovirt-ha-lab degrade K network` stops
it. `restore` starts it again on the same port (SO_REUSEADDR).

    python -m ovirt_hosted_engine_ha.lab.probe --port PORT
"""

import argparse
import logging
import signal
import socket
import sys

from . import procs
from .layout import HostLayout
from .procs import ProcRecord

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
READY_TIMEOUT = 10.0


def accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def start(host: HostLayout, port: int, env: dict[str, str]) -> ProcRecord:
    """Spawn the listener of `host` and wait until it accepts connections."""
    argv = [sys.executable, "-m", "ovirt_hosted_engine_ha.lab.probe", "--port", str(port)]
    record = procs.spawn(f"host{host.host_id}/probe", argv, env, host.probe_log)
    ready = procs.wait_for(lambda: not procs.running(record) or accepts(port),
                           READY_TIMEOUT, 0.02)
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " at start")
    if not ready:
        procs.stop([record], signo=None)
        raise procs.failed(record, f"did not accept on {HOST}:{port} within {READY_TIMEOUT} s")
    return record


def serve(port: int) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, port))
    server.listen(64)
    log.info("Network probe target listening on %s:%d", HOST, port)
    while True:
        conn, _ = server.accept()
        conn.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ovirt_hosted_engine_ha.lab.probe")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, lambda signo, frame: sys.exit(0))
    try:
        serve(args.port)
    except OSError as e:
        log.error("cannot listen on %s:%d: %s", HOST, args.port, e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
