"""Slot 0 of the metadata volume: the cluster-wide flags (`GlobalSlot`).

Re-exported by lib/metadata.py (import the names from there).
"""

from __future__ import annotations

import dataclasses
import logging

from .exceptions import MalformedMetadata
from .metadata_host import SLOT_BYTES, decode_text, to_bool

log = logging.getLogger("ovirt_hosted_engine_ha.lib.metadata")  # the name before the split

GLOBAL_MAINTENANCE = "maintenance"


@dataclasses.dataclass(frozen=True)
class GlobalSlot:
    """Slot 0: cluster-wide flags. `maintenance` is `None` when not set."""

    maintenance: bool | None = None

    def to_stats(self) -> dict[str, bool]:
        """Upstream's dict: ``{"maintenance": bool}`` or ``{}``."""
        return {} if self.maintenance is None else {GLOBAL_MAINTENANCE: self.maintenance}


# Global slot


def build_global_slot(flags: GlobalSlot) -> bytes:
    """Encode slot 0: ``maintenance=1`` or ``maintenance=0`` (no newline), NUL-padded."""
    text = "" if flags.maintenance is None else f"{GLOBAL_MAINTENANCE}={int(flags.maintenance)}"
    return text.encode("ascii").ljust(SLOT_BYTES, b"\0")


def parse_global_slot(data: bytes | str) -> GlobalSlot:
    """Decode slot 0. Unknown keys are logged and ignored, as upstream does."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if len(raw) < SLOT_BYTES:
        raise MalformedMetadata(0, f"received {len(raw)} of {SLOT_BYTES} expected bytes")
    text = decode_text(0, raw[:SLOT_BYTES].rstrip(b"\0"), "global flags")
    maintenance = None
    for piece in text.split("\n") if text else ():
        key, sep, value = piece.partition("=")
        if sep and key == GLOBAL_MAINTENANCE:
            maintenance = to_bool(value)
            if maintenance is None:
                raise MalformedMetadata(0, f"maintenance value {value!r} is not a boolean")
        else:
            log.error("Ignoring unknown global metadata entry %r", piece)
    return GlobalSlot(maintenance=maintenance)
