"""The control socket of a faultfs daemon: one JSON request per connection.

Request, one line: ``{"cmd": "add", "fault": {...Fault fields...}}``,
``{"cmd": "heal"}`` or ``{"cmd": "show"}``. Answer, one line:
``{"ok": true, "faults": [...], "held": N}`` (``"cleared": N`` after a
heal; ``pid`` and ``root_fd`` after a show: the real files are under
``/proc/<pid>/fd/<root_fd>/``, past the faults) or
``{"ok": false, "error": "..."}``. The socket is mode 0600: only
the user that runs the lab (root) changes faults.

    with socket.socket(socket.AF_UNIX) as s:      # what `request` does
        s.connect("DIR/faultfs.sock")
        s.sendall(b'{"cmd": "add", "fault": {"kind": "slow", "seconds": 3}}\\n')
"""

import json
import logging
import os
import socket
import threading

from .rules import Fault, FaultError, FaultTable

log = logging.getLogger(__name__)

MAX_REQUEST = 65536
TIMEOUT = 5.0


class ControlError(Exception):
    """The daemon refused a request or could not be reached."""


def answer(table: FaultTable, request: dict, root_fd: int = -1) -> dict:
    cmd = request.get("cmd")
    if cmd == "add":
        fault = Fault.from_json(request.get("fault") or {})
        table.add(fault)
        log.info("fault added: %s", fault.describe())
    elif cmd == "heal":
        cleared = table.heal()
        log.info("healed: %d faults cleared", cleared)
        return {"ok": True, "cleared": cleared, "faults": [], "held": table.held}
    elif cmd != "show":
        raise FaultError(f"unknown command {cmd!r}; known: add, heal, show")
    return {"ok": True, "faults": [f.to_json() for f in table.faults()], "held": table.held,
            "pid": os.getpid(), "root_fd": root_fd}


class ControlServer:
    def __init__(self, path: str, table: FaultTable, root_fd: int = -1) -> None:
        self.path = path
        self.table = table
        self.root_fd = root_fd
        if os.path.exists(path):
            os.unlink(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._sock.bind(path)
        finally:
            os.umask(old)
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._serve, name="faultfs-control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return   # closed
            with conn:
                conn.settimeout(TIMEOUT)
                try:
                    reply = answer(self.table, json.loads(_read_line(conn)), self.root_fd)
                except (FaultError, ValueError, TypeError, AttributeError) as e:
                    reply = {"ok": False, "error": str(e)}
                except OSError:
                    continue
                try:
                    conn.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REQUEST:
            raise ValueError("request too long")
    return data.split(b"\n", 1)[0]


def request(path: str, message: dict, timeout: float = TIMEOUT) -> dict:
    """Send one request to the daemon at `path`; raise ControlError unless it says ok."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(json.dumps(message).encode() + b"\n")
            reply = json.loads(_read_line(s))
    except (OSError, ValueError) as e:
        raise ControlError(f"faultfs control socket {path}: {e}") from e
    if not reply.get("ok"):
        raise ControlError(f"faultfs refused {message.get('cmd')}: {reply.get('error')}")
    return reply
