"""vm.conf: the engine VM's definition, and the parameters VM.create gets from it.

The format is vdsClient's, as `hosted-engine --vm-start` reads it (spec/agent.md
§6.1): one ``key=value`` per line, whitespace dropped, ``#`` starts a
comment; ``devices={...}`` may repeat and each becomes a dict (nested
``{...}`` specs become dicts, other values stay text); ``custom_<k>=v``
lines gather under ``custom``; ``xmlBase64`` is decoded into ``xml``. The
VM.create parameters are ``{"xml": ...}`` when there is an XML, else the
whole parsed dict. The agent itself uses `vmId` (the VM to start) and
`memSize` (MiB: the free-memory threshold of the score).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from typing import Any

from ..lib import exceptions

_WHITESPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"#.*")
REPEATED = ("devices", "drive", "guestNumaNodes")
NESTED = ("cpuPinning", "numaTune")
SPEC_VALUED = ("cdrom", "floppy")
ID_KEYS = ("domain", "pool", "image", "volume")


class VmConfError(exceptions.DetailError):
    """vm.conf is missing or unusable."""


@dataclasses.dataclass(frozen=True)
class VmConf:
    vm_id: str
    mem_size: int
    params: dict[str, Any]
    refreshed: int = 0       # agent clock, whole seconds, when it was read
    epoch: int = 0           # wall clock minus agent clock at that moment

    @classmethod
    def from_text(cls, text: str, refreshed: int = 0, epoch: int = 0) -> VmConf:
        parsed = parse(text)
        vm_id = parsed.get("vmId")
        if not isinstance(vm_id, str) or not vm_id:
            raise VmConfError("vm.conf has no vmId")
        try:
            mem_size = int(parsed.get("memSize", "0"))
        except ValueError:
            raise VmConfError(f"vm.conf memSize {parsed.get('memSize')!r} is not an integer") \
                from None
        return cls(vm_id, mem_size, vm_params(parsed), refreshed, epoch)


def parse_nested(spec: str) -> tuple[dict[str, Any], str]:
    """Parse ``{k:v,k:{...}}`` at the start of `spec`; return the dict and the rest."""
    if not spec.startswith("{"):
        raise VmConfError(f"nested spec does not start with '{{': {spec!r}")
    result: dict[str, Any] = {}
    rest = spec[1:]
    while True:
        if not rest or "}" not in rest:
            raise VmConfError(f"nested spec not terminated with '}}': {spec!r}")
        if rest[0] == "}":
            return result, rest[1:]
        name, sep, rest = rest.partition(":")
        if not sep:
            raise VmConfError(f"missing ':' in {spec!r}")
        if rest.startswith("{"):
            result[name], rest = parse_nested(rest)
        else:
            end = min((i for i in (rest.find(","), rest.find("}")) if i >= 0), default=-1)
            if end < 0:
                raise VmConfError(f"nested spec not terminated with '}}': {spec!r}")
            result[name], rest = rest[:end], rest[end:]
        if rest.startswith(","):
            rest = rest[1:]


def parse_spec(spec: str) -> Any:
    """A device-like value: ``{...}`` or ``k:v,k:v`` -> dict, anything else as it is."""
    if spec.startswith("{"):
        value, rest = parse_nested(spec)
        if rest:
            raise VmConfError(f"trailing text after spec: {rest!r}")
        return value
    if "," in spec:
        items: dict[str, str] = {}
        for item in filter(None, spec.split(",")):
            key, _, text = item.partition(":")
            items[f"{key}ID" if key in ID_KEYS else key] = text
        return items
    return spec


def parse(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    for raw in text.splitlines():
        line = _COMMENT.sub("", _WHITESPACE.sub("", raw))
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            params[line] = ""
        elif key in REPEATED:
            lists.setdefault(key, []).append(parse_spec(value))
        elif key in NESTED:
            params[key] = parse_nested(value)[0]
        elif key.startswith("custom_"):
            params.setdefault("custom", {})[key[len("custom_"):]] = value
        elif key in SPEC_VALUED:
            params[key] = parse_spec(value)
        else:
            params[key] = value
    params.update(lists)
    if "xmlBase64" in params:
        try:
            params["xml"] = base64.standard_b64decode(params.pop("xmlBase64")).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise VmConfError(f"vm.conf xmlBase64 cannot be decoded: {e}") from None
    return params


def vm_params(parsed: dict[str, Any]) -> dict[str, Any]:
    return {"xml": parsed["xml"]} if "xml" in parsed else dict(parsed)
