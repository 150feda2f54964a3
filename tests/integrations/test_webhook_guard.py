"""Webhook signatures verify with the Standard Webhooks reference library and its test
vector; webhook URLs that could reach this network are refused (SSRF)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from django.test import override_settings
from standardwebhooks import Webhook

from apps.integrations.webhooks import signing
from apps.integrations.webhooks.guard import UnsafeUrl, address_is_public, session_for, url_check

VECTOR = {  # the specification's test vector
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": 1614265330,
    "body": b'{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def test_the_specifications_vector() -> None:
    assert (
        signing.sign(VECTOR["secret"], VECTOR["id"], VECTOR["timestamp"], VECTOR["body"])
        == VECTOR["signature"]
    )


def test_signatures_verify_with_the_reference_library_for_each_secret_in_use() -> None:
    import time

    old, new = signing.new_secret(), signing.new_secret()
    assert old.startswith("whsec_") and old != new
    body = json.dumps({"type": "requisition.submitted", "data": {"id": "x"}}).encode()
    now = int(time.time())
    headers = signing.headers([old, new], "evt_1", now, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver with either secret accepts it (rotation)
        assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(Exception):  # noqa: B017 - the library's own error type
        Webhook(signing.new_secret()).verify(body, headers)
    tampered = body.replace(b'"x"', b'"y"')
    with pytest.raises(Exception):  # noqa: B017
        Webhook(new).verify(tampered, headers)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3", "172.16.0.9", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1",  # noqa: S104 "240.0.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1",
        "ff02::1",
    ],
)  # fmt: skip
def test_private_and_reserved_addresses_are_not_public(address: str) -> None:
    import ipaddress

    assert not address_is_public(ipaddress.ip_address(address))


def test_public_addresses_are(settings: Any) -> None:
    import ipaddress

    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9000/hook", "127.0.0.1"),
        ("http://localhost:9000/hook", "localhost"),  # a name resolving to loopback
        ("http://10.0.0.5/hook", "10.0.0.5"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[fd12:3456::1]/hook", "fd12:3456::1"),
        ("http://[::ffff:192.168.0.1]/hook", "192.168.0.1"),
        ("ftp://example.com/hook", "http"),
        ("http://user:pw@example.com/hook", "password"),
        ("http:///nohost", "host"),
        ("not a url", "http"),
    ],
)
def test_unsafe_urls_are_refused_with_a_reason(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        url_check(url)
    assert refused.value.code == "unsafe_url" and why in refused.value.detail


@pytest.mark.parametrize(
    ("host", "named"),
    [
        ("64:ff9b::7f00:1", "127.0.0.1"),  # NAT64 of loopback
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64 of the metadata service
        ("2002:a00:5::1", "10.0.0.5"),  # 6to4 of a private address
        ("::10.0.0.5", "10.0.0.5"),  # IPv4-compatible
        ("::ffff:127.0.0.1", "127.0.0.1"),  # IPv4-mapped
        ("64:ff9b::808:808", "8.8.8.8"),  # NAT64 of a public address: refused at send as well
    ],
)
def test_ipv6_forms_carrying_an_ipv4_address_are_refused_at_save_as_at_send(
    host: str, named: str
) -> None:
    import ipaddress

    from requests_hardened.ip_filter import InvalidIPAddress, get_ip_address

    with pytest.raises(UnsafeUrl) as refused:
        url_check(f"http://[{host}]:8080/hook")
    assert refused.value.code == "unsafe_url" and named in refused.value.detail
    assert not address_is_public(ipaddress.ip_address(host))
    # what the send refuses, the save refuses: requests-hardened's own check agrees
    try:
        get_ip_address(host, 8080, allow_loopback=False)
    except InvalidIPAddress:
        pass
    else:
        assert ipaddress.ip_address(host) in ipaddress.ip_network("::/96")  # compatible form


def test_https_only_where_required() -> None:
    with override_settings(WEBHOOK_REQUIRE_HTTPS=True), pytest.raises(UnsafeUrl) as refused:
        url_check("http://example.com/hook")
    assert "https://" in refused.value.detail


def test_loopback_where_the_demo_allows_it_and_named_hosts() -> None:
    with override_settings(WEBHOOK_ALLOW_LOOPBACK=True):
        assert url_check("http://127.0.0.1:9000/hook") == "http://127.0.0.1:9000/hook"
        with pytest.raises(UnsafeUrl):
            url_check("http://10.0.0.5/hook")  # loopback only, not every private address
    with override_settings(WEBHOOK_ALLOWED_HOSTS=["erp.internal.example"]):
        assert url_check("http://ERP.internal.example/hook")  # exempt by name, unresolved


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[bytes]]]:
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], got
    finally:
        server.shutdown()


def test_the_send_is_refused_at_connect_time_whatever_the_name_resolved_to_before(
    receiver: tuple[int, list[bytes]], monkeypatch: Any
) -> None:
    """A name checked as public at save time that resolves to 127.0.0.1 when sent (DNS
    rebinding) is refused by the sending session itself."""
    port, got = receiver
    real = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://hooks.example.com:{port}/hook"
    with override_settings(WEBHOOK_ALLOW_LOOPBACK=False):
        session = session_for(url)
        with pytest.raises(requests.RequestException):
            session.post(url, data=b"{}")  # type: ignore[attr-defined]
    assert got == []
