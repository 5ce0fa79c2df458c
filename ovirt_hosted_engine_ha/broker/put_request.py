"""The put_stats request as the stdlib client sends it, parsed without expat.

Every agent sends the same shape many times a minute: a host id and a
slot of about 1.4 KB as base64, marshalled by `xmlrpc.client` (our
`BrokerLink` and upstream's alike). `parse` recognises exactly that
document, byte for byte apart from the id's digits and the base64 text,
and returns what the full parser (`wire`) would return for it: the same
types (int, `xmlrpc.client.Binary`) and values. Anything else, including a
base64 text the decoder refuses, gives None and goes to the full parser,
so a bad request gets the same Fault either way; validation of the values
is the handler's, unchanged.
"""

import binascii
import re
import xmlrpc.client

_SHAPE = re.compile(
    rb"<\?xml version='1\.0'\?>\n<methodCall>\n<methodName>put_stats</methodName>\n"
    rb"<params>\n<param>\n<value><(int|i4|i8)>(-?[0-9]{1,10})</\1></value>\n</param>\n"
    rb"<param>\n<value><base64>\n([A-Za-z0-9+/=\n]*)</base64></value>\n</param>\n"
    rb"</params>\n</methodCall>\n")


def parse(data: bytes) -> tuple[tuple, str] | None:
    """(params, "put_stats") for the stdlib client's put_stats document, else None."""
    match = _SHAPE.fullmatch(data)
    if match is None:
        return None
    try:
        payload = binascii.a2b_base64(match.group(3))
    except binascii.Error:
        return None  # the full parser raises the error the caller must see
    return (int(match.group(2)), xmlrpc.client.Binary(payload)), "put_stats"
