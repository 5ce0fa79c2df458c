"""wire.Marshalled carries extra response headers; copies share the body and its gzip."""

import xmlrpc.client

from ovirt_hosted_engine_ha.broker.wire import Marshalled


def test_with_headers_shares_the_body():
    answer = Marshalled({"1": xmlrpc.client.Binary(b"x" * 5000)})
    assert answer.headers == {}
    aged = answer.with_headers({"X-HA-Metadata-Age": "1.5"})
    assert aged.headers == {"X-HA-Metadata-Age": "1.5"} and answer.headers == {}
    assert aged.body is answer.body
    assert aged.gzipped() is answer.gzipped()
