"""A lean client: prebuilt request bytes on a new connection per call.

The stdlib client (`xmlrpc.client.ServerProxy`, what the agents use) spends
time of its own on every call: marshalling the arguments, http.client, parsing
the answer. Sending bytes built once, and only checking that the answer is the
expected one, leaves the server's side and the transport: what a server costs
over a raw write shows without the client's share.
"""

import time
import xmlrpc.client

from tests.rawhttp import exchange

# The head our client (lib/unixrpc.py over the stdlib's Transport) sends.
_HEAD = (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n"
         b"Content-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\n"
         b"Content-Length: %d\r\n\r\n")


def request(verb: str, args: tuple) -> bytes:
    """The whole request the stdlib client sends for `verb(*args)`."""
    body = xmlrpc.client.dumps(args, verb, allow_none=True).encode()
    return _HEAD % len(body) + body


def timed_calls(path: str, data: bytes, expect: bytes,
                seconds: float) -> tuple[float, list[float]]:
    """(calls/s, latencies) of one client sending `data` in a loop; every
    answer must contain `expect` (a Fault stops the run)."""
    clock = time.perf_counter
    result = []
    deadline = clock() + seconds
    while (start := clock()) < deadline:
        answer = exchange(path, data, timeout=30)
        result.append(clock() - start)
        if expect not in answer:
            raise RuntimeError(f"unexpected answer: {answer[-300:]!r}")
    return len(result) / seconds, result
