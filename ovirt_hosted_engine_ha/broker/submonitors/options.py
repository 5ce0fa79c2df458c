"""Checks for submonitor options (RPC strings or nil), each failing with InvalidArgument."""

import re

from ...lib import exceptions
from .base import Options

# Addresses are passed to ping/nc as arguments: no option-like or blank text.
_ADDRESS_RE = re.compile(r"^[A-Za-z0-9_.:%\[\]-]+$")


def _invalid(monitor: str, name: str, reason: str) -> exceptions.InvalidArgument:
    return exceptions.InvalidArgument(f"{monitor} option {name!r}", reason)


def text(options: Options, monitor: str, name: str, default: str | None = None) -> str | None:
    """An optional string option; nil, "" and "None" mean absent."""
    value = options.get(name)
    if value is None or value in ("", "None"):
        return default
    if not isinstance(value, str):
        raise _invalid(monitor, name, f"expected a string, got {type(value).__name__}")
    return value


def required(options: Options, monitor: str, name: str) -> str:
    value = text(options, monitor, name)
    if value is None:
        raise _invalid(monitor, name, f"{monitor} requires {name}")
    return value


def address(options: Options, monitor: str, name: str, required_: bool = True) -> str | None:
    value = required(options, monitor, name) if required_ else text(options, monitor, name)
    if value is not None and (value.startswith("-") or not _ADDRESS_RE.match(value)):
        raise _invalid(monitor, name, f"{value!r} is not a host name or address")
    return value


def integer(options: Options, monitor: str, name: str, default: int,
            minimum: int, maximum: int | None = None) -> int:
    value = text(options, monitor, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _invalid(monitor, name, f"{value!r} is not an integer") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f"..{maximum}"
        raise _invalid(monitor, name, f"{number} is not in {minimum}{upper or '..'}")
    return number


def number(options: Options, monitor: str, name: str, default: float, minimum: float,
           maximum: float) -> float:
    value = text(options, monitor, name)
    if value is None:
        return default
    try:
        result = float(value)
    except ValueError:
        raise _invalid(monitor, name, f"{value!r} is not a number") from None
    if not minimum <= result <= maximum:
        raise _invalid(monitor, name, f"{result} is not in {minimum}..{maximum}")
    return result


def choice(options: Options, monitor: str, name: str, choices: tuple[str, ...],
           default: str) -> str:
    value = text(options, monitor, name, default) or default
    if value not in choices:
        raise _invalid(monitor, name, f"{value}: invalid {name}, expected one of "
                       + ", ".join(choices))
    return value
