"""Bytes to a broker's unix socket and its whole answer back (tests and benchmarks).

For requests no client library would send, or sent prebuilt to leave the
client's own work out of a figure. HTTP/1.0: the server closes the
connection after its answer, so the answer ends where the stream does.
"""

import socket


def exchange(path: str, data: bytes, timeout: float | None = 10) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(data)
        chunks = []
        while chunk := s.recv(1 << 20):
            chunks.append(chunk)
    return b"".join(chunks)
