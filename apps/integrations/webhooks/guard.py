"""Where a webhook may be sent: never to this network (SSRF).

A URL is checked when an endpoint is saved and again before every send: http(s) only (https
only where `WEBHOOK_REQUIRE_HTTPS`), no credentials in it, and every address its host resolves
to must be a public unicast one: private, loopback, link-local, shared (CGNAT), multicast,
reserved and unspecified addresses are refused, IPv6 included. The ranges requests-hardened
refuses at send (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, …) are refused at save too, so a URL
that saves is one that sends; an IPv6 address embedding an IPv4 one (IPv4-mapped, IPv4-compatible
`::a.b.c.d`, 6to4, NAT64) is refused, the reason naming the IPv4 address it carries. The same
judgement guards every outbound connection a tenant configures (the IMAP mailbox of apps/inbox too).
`WEBHOOK_ALLOWED_HOSTS` names hosts exempt from the address check; `WEBHOOK_ALLOW_LOOPBACK`
(local settings) lets `make demo` deliver to a receiver on 127.0.0.1.

A sandbox tenant's webhooks reach only the test receivers named in `SANDBOX_WEBHOOK_HOSTS`
(checked at save and before every send, on top of the address check): nothing a sandbox does
reaches a client's real systems.

The send itself goes through requests-hardened, which resolves the host once, refuses a
private address and connects to the address it checked, so a name that resolves to a public
address at save time and to 127.0.0.1 at send time (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

from apps.controls.refusals import ApplicationError
from apps.tenancy.context import in_sandbox
from apps.tenancy.residency import region_check

TIMEOUT = (5, 15)  # connect, read: CONTRACT §4's 15 s


class UnsafeUrl(ApplicationError):
    status = 400
    code = "unsafe_url"


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated (RFC 4291 §2.5.5.1)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, NAT64), or None."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):  # not :: or ::1
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _judged(address: Address) -> Address:
    """The address the guard names: the IPv4 one a refused IPv6 address carries, if any."""
    return embedded_ipv4(address) or address


def address_is_public(address: Address, *, allow_loopback: bool | None = None) -> bool:
    """Whether `address` may be reached. Loopback passes only where allowed: for webhooks,
    `WEBHOOK_ALLOW_LOOPBACK` (the demo's receiver), unless the caller says otherwise."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # what the socket reaches, as requests-hardened judges it
    if allow_loopback is None:
        allow_loopback = settings.WEBHOOK_ALLOW_LOOPBACK
    if address.is_loopback and allow_loopback:
        return True
    if embedded_ipv4(address) is not None:
        return False  # compatible, 6to4 and NAT64 forms: refused at send whatever they carry
    if any(address in network for network in EXTRA_BLOCKED_NET_RANGES):
        return False
    return address.is_global and not address.is_multicast and not address.is_private


def host_addresses(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (OSError or UnicodeError where it does not): what
    the guard judges, for webhooks here and for the IMAP mailbox in apps/inbox."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def _addresses(host: str, port: int) -> list[Address]:
    try:
        return host_addresses(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(_("The host %s cannot be resolved.") % host) from exc


def _sandbox_check(host: str) -> None:
    allowed = {h.lower() for h in settings.SANDBOX_WEBHOOK_HOSTS}
    if host not in allowed:
        raise UnsafeUrl(
            _(
                "This is a sandbox: its webhooks go only to the test receivers allowed for "
                "sandboxes (%(hosts)s), never to a client's real systems."
            )
            % {"hosts": ", ".join(sorted(allowed)) or _("none is set up")}
        )


def url_check(url: str, *, sandbox: bool | None = None) -> str:
    """The URL, refused with `unsafe_url` where it could reach this network, or, for a
    sandbox tenant (`sandbox`; by default: whether the current tenant is one), where its host
    is not one of the test receivers of `SANDBOX_WEBHOOK_HOSTS`."""
    region_check()  # residency: only the tenant's own region's deployment connects out for it
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(_("This is not a valid URL.")) from exc
    schemes = {"https"} if settings.WEBHOOK_REQUIRE_HTTPS else {"http", "https"}
    if parts.scheme not in schemes:
        raise UnsafeUrl(
            _("Use an https:// address.")
            if settings.WEBHOOK_REQUIRE_HTTPS
            else _("Use an http:// or https:// address.")
        )
    if not parts.hostname:
        raise UnsafeUrl(_("The address names no host."))
    if parts.username or parts.password:
        raise UnsafeUrl(
            _("Put no user name or password in the address; the signature is the proof.")
        )
    host = parts.hostname.lower()
    if in_sandbox() if sandbox is None else sandbox:
        _sandbox_check(host)
    if host in {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}:
        return url.strip()
    default_port = 443 if parts.scheme == "https" else 80
    refused = [a for a in _addresses(host, port or default_port) if not address_is_public(a)]
    if refused:
        raise UnsafeUrl(
            _("%(host)s leads to %(address)s, an address of a private or reserved network.")
            % {"host": host, "address": _judged(refused[0])}
        )
    return url.strip()


@cache
def _manager(filtered: bool, loopback: bool) -> Manager:
    return Manager(
        Config(
            default_timeout=TIMEOUT,
            never_redirect=True,  # a 3xx is an answer, and a failure
            ip_filter_enable=filtered,
            ip_filter_allow_loopback_ips=loopback,
            user_agent_override="Spendgate-Webhooks/1",
        )
    )


def session_for(url: str) -> object:
    """A requests session that refuses private addresses at connect time (none for a host
    named in `WEBHOOK_ALLOWED_HOSTS`)."""
    host = (urlsplit(url).hostname or "").lower()
    allowed = host in {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}
    return _manager(not allowed, settings.WEBHOOK_ALLOW_LOOPBACK).get_session()
