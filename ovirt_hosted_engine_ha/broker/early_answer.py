"""A caller's answer that another thread may give before the worker returns.

A server worker serving a call sets an `EarlyAnswer` as the current one of
its thread (`serving`). Code running in that call may hand it to a watchdog
(`current()`): when the work overruns its bound (a slot write the worker
does itself and that hangs), the watchdog answers the caller with a Fault
(`fail`) while the worker stays where it is. Exactly one answer is sent:
whoever `claim`s first answers, the other drops its answer.
"""

import threading
from collections.abc import Callable

from ..lib import exceptions

_local = threading.local()


class EarlyAnswer:
    __slots__ = ("_send", "_lock", "_answered", "verb")

    def __init__(self, send: Callable[["EarlyAnswer", exceptions.Error], None]) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._answered = False
        self.verb = ""  # set by the dispatcher once the request is parsed

    def claim(self) -> bool:
        """True for the first caller only: it sends the answer."""
        with self._lock:
            if self._answered:
                return False
            self._answered = True
            return True

    def fail(self, error: exceptions.Error) -> bool:
        """Answer the caller with `error` as a Fault now, unless answered already."""
        if not self.claim():
            return False
        self._send(self, error)
        return True


def current() -> EarlyAnswer | None:
    """The answer of the call this thread serves, if a server worker set one."""
    return getattr(_local, "answer", None)


def serving(answer: EarlyAnswer | None) -> None:
    _local.answer = answer
