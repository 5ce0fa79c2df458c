"""Is a slot image intact? The broker's only look inside the opaque slots.

A reader must not serve a torn or corrupted slot in place of a good one
(design.md D4): every slot must be UTF-8 text (upstream readers decode the
whole area, and so does every BrokerLink) and a host slot's header must
match its checksum.
"""

from ..lib import metadata


def decode_error(image: bytes) -> str | None:
    """Why the slot's text does not decode as UTF-8, or None when it does."""
    try:
        image.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError as e:
        return f"byte {image[e.start]:#04x} at offset {e.start} is not UTF-8"
    return None


def intact(slot: int, image: bytes) -> bool:
    return decode_error(image) is None and metadata.slot_checksum_ok(slot, image)
