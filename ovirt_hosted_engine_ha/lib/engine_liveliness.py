"""Is the engine up? An HTTP GET of its health page, in process (design.md D8).

Upstream runs `hosted-engine --check-liveliness`, which fetches
``http://<fqdn>/ovirt-engine/services/health`` with a 20 s timeout: the
engine is up when the body is not empty and its first line contains
``DB Up`` (e.g. "DB Up!Welcome to Health Status!"). HTTP errors, timeouts
and connection failures mean "not up". Ours bounds the whole request, body
included, by one deadline. `fqdn` may carry a port (``host:port``). No
proxy is used and redirects are not followed.
"""

import http.client
import logging
import re
import time
import urllib.parse

from ..env import constants

log = logging.getLogger(__name__)

HEALTHY_RE = re.compile(r".*DB Up.*")
MAX_BODY = 64 * 1024


def health_url(fqdn: str) -> str:
    return constants.ENGINE_HEALTH_URL.format(fqdn=fqdn)


def is_engine_up(fqdn: str | None, timeout: float = constants.ENGINE_HEALTH_TIMEOUT) -> bool:
    """True when the engine's health page says "DB Up" within `timeout` seconds."""
    if not fqdn:
        return False
    try:
        body = fetch(health_url(fqdn), timeout)
    except (OSError, http.client.HTTPException, ValueError) as e:
        log.debug("Engine health page not available: %s", e)
        return False
    text = body.decode("utf-8", "replace")
    return bool(text) and HEALTHY_RE.match(text) is not None


def fetch(url: str, timeout: float) -> bytes:
    """The body of a 2xx answer to GET `url`; raises on anything else or past the deadline."""
    deadline = time.monotonic() + timeout
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not an http URL: {url}")
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/", headers={"Accept": "text/plain, */*"})
        _limit(conn, deadline)
        response = conn.getresponse()
        if not 200 <= response.status < 300:
            raise http.client.HTTPException(f"{url} answered {response.status} {response.reason}")
        body = b""
        while len(body) < MAX_BODY:
            _limit(conn, deadline)
            chunk = response.read1(MAX_BODY - len(body))
            if not chunk:
                break
            body += chunk
        return body
    finally:
        conn.close()


def _limit(conn: http.client.HTTPConnection, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("engine health page: deadline passed")
    if conn.sock is not None:
        conn.sock.settimeout(remaining)
