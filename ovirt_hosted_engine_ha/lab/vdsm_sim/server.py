"""The simulator's socket server (wire protocol: vdsm_standin/vdsm/client.py).

One thread reads each connection; each request runs in its own thread, so
a verb made to hang blocks only its caller, as with real vdsm. Answers are
written under the connection's write lock, in completion order. The
constructor binds and listens: the socket accepts as soon as it returns.
"""

import contextlib
import json
import logging
import os
import socket
import threading

from . import dispatch, errors
from .state import SimState

log = logging.getLogger(__name__)

SUBSCRIBE, UNSUBSCRIBE = "$subscribe", "$unsubscribe"


class AlreadyRunning(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(f"another vdsm simulator is listening on {path}")


class Connection:
    def __init__(self, sock: socket.socket, state: SimState) -> None:
        self._sock = sock
        self._state = state
        self._write_lock = threading.Lock()
        self._closed = False

    def serve(self) -> None:
        try:
            with self._sock.makefile("rb") as stream:
                for line in stream:
                    self._on_line(line)
        except OSError:
            pass
        finally:
            self.close()

    def send(self, message: dict) -> bool:
        data = (json.dumps(message) + "\n").encode("utf-8")
        with self._write_lock:
            if self._closed:
                return False
            try:
                self._sock.sendall(data)
                return True
            except OSError:
                return False

    def close(self) -> None:
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
        self._state.hub.drop(self)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _on_line(self, line: bytes) -> None:
        try:
            request = json.loads(line)
            req_id, method = request["id"], str(request["method"])
            params = request.get("params") or {}
        except (ValueError, KeyError, TypeError) as e:
            log.warning("Bad request %r: %s", line[:200], e)
            return
        if method in (SUBSCRIBE, UNSUBSCRIBE):
            destination = str(params.get("destination", ""))
            if method == SUBSCRIBE:
                self._state.hub.subscribe(self, destination)
            else:
                self._state.hub.unsubscribe(self, destination)
            self.send({"id": req_id, "result": True})
            return
        threading.Thread(target=self._run, args=(req_id, method, params),
                         name=f"verb-{method}", daemon=True).start()

    def _run(self, req_id: object, method: str, params: object) -> None:
        try:
            result = dispatch.call(self._state, method, params)
            answer: dict = {"id": req_id, "result": result}
        except errors.VdsmError as e:
            log.info("%s failed: %s", method, e)
            answer = {"id": req_id, "error": {"code": e.code, "message": e.message}}
        except Exception as e:
            log.exception("%s failed unexpectedly", method)
            answer = {"id": req_id, "error": {"code": errors.InternalError.default_code,
                                              "message": f"Internal JSON-RPC error: {e}"}}
        log.debug("%s params=%s", method, params)
        self.send(answer)


class SimServer:
    def __init__(self, socket_path: str | os.PathLike[str], state: SimState) -> None:
        self.socket_path = os.fspath(socket_path)
        self.state = state
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._closing = False
        self._refuse_if_running()
        os.makedirs(os.path.dirname(self.socket_path), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(self.socket_path)
        self._sock.listen(64)
        state.start()

    def _refuse_if_running(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(self.socket_path) == 0:
                raise AlreadyRunning(self.socket_path)

    def serve_forever(self) -> None:
        log.info("vdsm simulator listening socket=%s storage=%s",
                 self.socket_path, self.state.storage.dir)
        while True:
            try:
                sock, _ = self._sock.accept()
            except OSError:
                if self._closing:
                    return
                raise
            conn = Connection(sock, self.state)
            with self._lock:
                if self._closing:
                    conn.close()
                    return
                self._connections.add(conn)
            threading.Thread(target=self._serve_one, args=(conn,),
                             name="sim-connection", daemon=True).start()

    def _serve_one(self, conn: Connection) -> None:
        try:
            conn.serve()
        finally:
            with self._lock:
                self._connections.discard(conn)

    def shutdown(self) -> None:
        """Stop accepting, release hung calls, close every connection."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            connections = list(self._connections)
        self.state.stop()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        for conn in connections:
            conn.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        log.info("vdsm simulator stopped socket=%s", self.socket_path)
