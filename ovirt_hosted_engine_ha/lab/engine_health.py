"""The engine's health page, as the engine VM stand-in serves it.

``GET /ovirt-engine/services/health`` on 127.0.0.1:<port> answers by mode:

    good   200 "DB Up!Welcome to Health Status!"   (what ovirt-engine says)
    bad    500 "DB Down!Welcome to Health Status!"
    hang   nothing: the request waits until the mode changes or the server stops

The socket is bound with SO_REUSEADDR, so a new engine VM can serve the
address as soon as the previous one closed it (connections in TIME_WAIT
do not block it); a live listener still does, so two engine VMs never
serve the page at once.
"""

import http.server
import logging
import threading

log = logging.getLogger(__name__)

PATH = "/ovirt-engine/services/health"
MODES = ("good", "bad", "hang")
BODIES = {"good": (200, "DB Up!Welcome to Health Status!"),
          "bad": (500, "DB Down!Welcome to Health Status!")}
HANG_LIMIT = 3600.0  # a hung request gives up after this long in any case


class _Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    page: "HealthPage"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.split("?", 1)[0] != PATH:
            self._answer(404, "Not Found")
            return
        mode = self.server.page.wait_unless_hung()
        if mode is None:
            return  # stopped while hung: close without an answer
        status, body = BODIES[mode]
        self._answer(status, body)

    def _answer(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("health page: " + format, *args)


class HealthPage:
    """The page on 127.0.0.1:`port`; `start` binds (OSError if the address is taken)."""

    def __init__(self, port: int, mode: str = "good", host: str = "127.0.0.1") -> None:
        self.port, self.host = port, host
        self._cond = threading.Condition()
        self._mode = check_mode(mode)
        self._stopped = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        with self._cond:
            self._mode = check_mode(mode)
            self._cond.notify_all()

    def start(self) -> None:
        server = _Server((self.host, self.port), _Handler)
        server.page = self
        with self._cond:
            self._stopped = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="health-page",
                                        daemon=True)
        self._thread.start()
        log.info("Serving the engine health page on http://%s:%d%s mode=%s",
                 self.host, self.port, PATH, self._mode)

    def stop(self) -> None:
        """Stop serving and close the listening socket (hung requests end unanswered)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            log.info("Stopped serving the engine health page")

    @property
    def serving(self) -> bool:
        return self._server is not None

    def wait_unless_hung(self) -> str | None:
        """The mode to answer with; blocks while it is "hang"; None once stopped."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopped or self._mode != "hang", HANG_LIMIT)
            return None if self._stopped or self._mode == "hang" else self._mode


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"engine health mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode
