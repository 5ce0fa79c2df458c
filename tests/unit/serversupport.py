"""A real BrokerServer on a real unix socket with small handlers, for the
transport tests (test_server*.py); `served` is the fixture over it."""

import contextlib
import os
import shutil
import tempfile
import threading
import xmlrpc.client

from ovirt_hosted_engine_ha.broker.server import BrokerServer
from ovirt_hosted_engine_ha.broker.wire import Marshalled
from ovirt_hosted_engine_ha.lib import exceptions, unixrpc
from tests.rawhttp import exchange


class Ctx:
    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = []


def echo(ctx, value):
    return value


def fail(ctx):
    raise exceptions.StorageError("the disk is on fire")


def crash(ctx):
    raise KeyError("boom")


def slow(ctx):
    ctx.entered.set()
    ctx.release.wait(10)
    ctx.calls.append("slow")
    return "slow done"


def fast(ctx):
    ctx.calls.append("fast")
    return "fast done"


def big(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(b"x" * 20000)})


def aged(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(b"y" * 10)}).with_headers(
        {"X-HA-Metadata-Age": "2.5"})


def badheader(ctx):
    return Marshalled("x").with_headers({"X-Bad": "a\r\nInjected: 1"})


def huge(ctx):
    return Marshalled({"1": xmlrpc.client.Binary(os.urandom(3 * 1024 * 1024))})


HANDLERS = {"badheader": badheader, "aged": aged, "huge": huge, "echo": echo, "fail": fail,
            "crash": crash, "slow": slow, "fast": fast, "big": big}


@contextlib.contextmanager
def serving(handlers=None, ctx=None, workers=4):
    """A server of `handlers` (default HANDLERS) with `ctx` (default a Ctx, released
    at the end) in a thread; yields (server, ctx)."""
    # Traversable by anyone, so that the uid tests reach the socket itself.
    base = tempfile.mkdtemp(prefix="srv-", dir="/tmp")
    os.chmod(base, 0o755)
    path = os.path.join(base, "broker.socket")
    ctx = Ctx() if ctx is None else ctx
    srv = BrokerServer(path, HANDLERS if handlers is None else handlers, ctx, workers=workers)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv, ctx
    finally:
        if isinstance(ctx, Ctx):
            ctx.release.set()
        srv.shutdown()
        thread.join(10)
        srv.server_close()
        shutil.rmtree(base, ignore_errors=True)


def proxy(srv, timeout=10):
    return unixrpc.UnixXmlRpcClient(srv.socket_path, timeout=timeout)


def raw_request(path, request: bytes) -> bytes:
    return exchange(path, request, timeout=10)
