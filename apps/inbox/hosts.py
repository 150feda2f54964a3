"""Where a tenant's IMAP mailbox may connect: the outbound guard of webhooks
(apps/integrations/webhooks/guard.py), at save and again at every connect. The host is resolved
once and every address it resolves to must be public (private, loopback, link-local, shared,
reserved, and IPv6 forms carrying such an IPv4 address, NAT64 and 6to4 included, are refused);
the connection then goes to the address that was checked, so a name that resolves elsewhere a
moment later (DNS rebinding) changes nothing. `INVOICE_MAIL_IMAP_ALLOWED_HOSTS` names hosts
exempt from the address check (an on-premises mail server), as `WEBHOOK_ALLOWED_HOSTS` does.

What goes wrong is said in a fixed sentence per kind of failure, never in the remote's words:
a banner or a "connection refused" would let a tenant admin scan the network behind us."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from apps.integrations.webhooks.guard import address_is_public, host_addresses
from apps.tenancy.residency import region_check


def failure_text(kind: str) -> str:
    return {
        "unresolvable": _("The host name could not be resolved."),
        "not_public": _(
            "This host is not allowed: it leads to a private, loopback or reserved address."
        ),
        "timeout": _("The server did not answer in time."),
        "unreachable": _("No connection could be made to the server."),
        "tls": _("The secure connection failed; check the port and the server's certificate."),
        "login": _("The server refused the user name or password."),
        "folder": _("The folder could not be opened."),
        "protocol": _("The server did not answer as an IMAP server does."),
    }.get(kind, _("The mailbox could not be read."))


class MailboxFailure(Exception):
    """One kind of failure (see failure_text); the remote's own words stay in the log."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind

    def text(self) -> str:
        return failure_text(self.kind)


def mailbox_address(host: str, port: int) -> str:
    """The address to connect to for `host`, refused with MailboxFailure('unresolvable' or
    'not_public'); another region's tenant is refused (`wrong_region`, docs/residency.md)."""
    region_check()
    try:
        addresses = host_addresses(host, port)
    except (OSError, UnicodeError) as exc:
        raise MailboxFailure("unresolvable") from exc
    if not addresses:
        raise MailboxFailure("unresolvable")
    exempt = host.strip().lower() in settings.INVOICE_MAIL_IMAP_ALLOWED_HOSTS
    # the demo's allowance of loopback for webhooks is no allowance for a mailbox: only
    # INVOICE_MAIL_IMAP_ALLOWED_HOSTS exempts a host
    if not exempt and not all(address_is_public(a, allow_loopback=False) for a in addresses):
        raise MailboxFailure("not_public")
    return str(addresses[0])
