import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02) -> T:
    """Poll `predicate` until it is true and return its value; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)
    return value


def wait_value(read: Callable[[], str], expected: Callable[[str], bool] | str,
               timeout: float) -> str:
    """Poll `read()` until `expected` (a value or a predicate) holds; return the last value."""
    check = expected if callable(expected) else (lambda v: v == expected)
    last: list[str] = []

    def ok() -> bool:
        last[:] = [read()]
        return bool(check(last[0]))

    try:
        wait_for(ok, timeout)
    except TimeoutError:
        raise TimeoutError(f"last value {last[0]!r} after {timeout} s") from None
    return last[0]
