"""Upstream 2.5.2's metadata rules, written from the spec, quirks included.

An executable reading of spec/agent.md §5.2-§5.5 and spec/broker.md §6, used
only to check that our codec and upstream's agree on the bytes: what
upstream's agent writes must parse with ours, and what we write must parse
with upstream's rules to the same dict. It mirrors upstream's behaviour, so
it raises plain ValueError where upstream does.
"""

import binascii
import re


class UpstreamMetadataError(Exception):
    pass


class UpstreamFatalMetadataError(Exception):
    pass


def _crc(tokens: list[str]) -> str:
    zeroed = tokens[:9] + ["00000000"] + tokens[10:]
    return "%08x" % (binascii.crc32("|".join(zeroed).encode("utf-8")) & 0xFFFFFFFF)


def agent_blocks(host_id: int, ts: int, score: int, engine_status: str, hostname: str,
                 maintenance: bool, stopped: bool, conf_shared: bool, conf_ts: int,
                 extra_lines: list[str]) -> bytes:
    """What upstream's agent sends to put_stats (spec/agent.md §5.2)."""
    tokens = ["1", "1", str(ts), str(host_id), str(score), engine_status, hostname,
              "1" if maintenance else "0", "1" if stopped else "0", "00000000",
              "1" if conf_shared else "0", str(conf_ts)]
    tokens[9] = _crc(tokens)
    header = "|".join(tokens)
    assert len(header) <= 512
    extra = "".join(line + "\n" for line in extra_lines)
    extra_len = -(-len(extra) // 512) * 512
    return (header.ljust(512, "\0") + extra.ljust(extra_len, "\0")).encode("utf-8")


def broker_pad(payload: bytes) -> bytes:
    """What upstream's broker stores: the payload NUL-padded to 4096 bytes."""
    return payload.ljust(4096, b"\0")


def parse_host(host_str: object, text: str) -> dict:
    """parse_metadata_to_dict, as spec/agent.md §5.3 describes it."""
    try:
        host_id = int(host_str)  # type: ignore[call-overload]
    except ValueError:
        raise UpstreamMetadataError("host id not an integer") from None
    if len(text) < 512:
        raise UpstreamMetadataError("short")
    header = text[:512].rstrip("\0")
    m = re.match(r"^(\d+)", header)
    if not m:
        raise UpstreamMetadataError("non-parsable metadata version")
    if int(m.group(1)) > 1:
        raise UpstreamFatalMetadataError("too new")
    tokens = header.split("|")
    if len(tokens) < 7:
        raise UpstreamMetadataError("too few tokens")
    try:
        feature = int(tokens[1])
    except ValueError:
        raise UpstreamMetadataError("feature version") from None
    if feature < 1:
        raise UpstreamMetadataError("too old")
    md = {
        "host-id": host_id,
        "host-ts": int(tokens[2]),
        "score": int(tokens[4]),
        "engine-status": tokens[5],
        "hostname": tokens[6],
    }
    if len(tokens) >= 8:
        md["maintenance"] = int(tokens[7]) > 0
    if len(tokens) >= 9:
        md["stopped"] = int(tokens[8]) > 0
    if len(tokens) >= 10:
        md["crc32"] = tokens[9]
        if _crc(tokens) != tokens[9]:
            raise UpstreamMetadataError("checksum does not match")
    if len(tokens) >= 12:
        md["conf_on_shared_storage"] = int(tokens[10]) > 0
        md["local_conf_timestamp"] = int(tokens[11])
    extra = text[512:].rstrip("\0")
    if extra:
        md["extra"] = extra
    return md


def _to_bool(value: str) -> bool:
    first = str(value).lower()[:1]
    if first in ("t", "y", "1"):
        return True
    if first in ("f", "n", "0"):
        return False
    raise ValueError(f"invalid boolean {value!r}")


def parse_global(text: str) -> dict:
    """parse_global_metadata_to_dict (spec/broker.md §6.2)."""
    if len(text) < 4096:
        raise UpstreamMetadataError("Malformed global metadata")
    result = {}
    for piece in text[:4096].rstrip("\0").split("\n"):
        key, sep, value = piece.partition("=")
        if sep and key == "maintenance":
            result["maintenance"] = _to_bool(value)
    return result


def build_global(flags: dict) -> str:
    """create_global_metadata_from_dict with upstream's 1/0 normalisation."""
    text = "".join(f"{k}={int(_to_bool(str(v)))}" for k, v in flags.items())
    return text.ljust(4096, "\0")
