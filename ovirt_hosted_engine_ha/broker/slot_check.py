"""Is a slot image intact? The broker's only look inside the opaque slots.

A reader must not serve a torn or corrupted slot in place of a good one
(design.md D4): every slot must be UTF-8 text (upstream readers decode the
whole area) and a host slot's header must match its checksum.
"""

from ..lib import metadata


def intact(slot: int, image: bytes) -> bool:
    try:
        image.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return metadata.slot_checksum_ok(slot, image)
