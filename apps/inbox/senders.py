"""Who sent a mail. The From header is only a claim: a mail is filed under a supplier only when
its From domain is verified, DMARC-style (relaxed alignment: the verified domain and the From
domain share their organisational domain, by the Public Suffix List):

- a DKIM signature (dkimpy) that verifies, signed by an aligned domain (`d=`), covering From
  and the whole body (a signature with a body length `l=` is ignored: content could be
  appended after the signed part);
- SPF (pyspf) that passes for the SMTP envelope sender (MAIL FROM) from the connecting
  address, the envelope sender's domain aligned; with `INVOICE_MAIL_LOOPBACK_SPF` (the demo,
  which has no DNS) SMTP from loopback counts as SPF-passed for the envelope domain, so a mail
  whose envelope is `attacker@evil.example` and whose From is a supplier's still fails;
- the topmost `Authentication-Results` header of an upstream MTA whose authserv-id is in
  `INVOICE_MAIL_TRUSTED_AUTHSERV_IDS` (parsed with authres): dmarc=pass for the From domain,
  or dkim / spf pass for an aligned domain. That MTA must remove such headers carrying its id
  from incoming mail (RFC 8601 section 5), as OpenDMARC, Rspamd and the large providers do.

DNS answers come from the system's resolver, or, when `INVOICE_MAIL_DNS_ZONE` is set, from that
mapping alone (tests; an air-gapped set-up)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

import authres
import dkim
import spf
import structlog
from django.conf import settings
from django.utils.translation import gettext as _
from dkim.dnsplug import get_txt
from dkim.util import parse_tag_value
from publicsuffixlist import PublicSuffixList

log = structlog.get_logger("spendgate.mail")
_PSL = PublicSuffixList()


@dataclass(frozen=True)
class Envelope:
    """What the SMTP conversation said, beside the message: MAIL FROM, the client's address
    and its HELO name. Mail read by IMAP or posted to the API has none."""

    mail_from: str = ""
    client_ip: str = ""
    helo: str = ""


@dataclass(frozen=True)
class Verdict:
    verified: bool
    # how, e.g. "dkim=pass header.d=contoso.test"; or why not, in words
    how: str


def organisational(domain: str) -> str:
    domain = domain.strip().rstrip(".").lower()
    return _PSL.privatesuffix(domain) or domain


def aligned(domain: str, from_domain: str) -> bool:
    return bool(domain) and organisational(domain) == organisational(from_domain)


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()


# DNS: the zone setting, or the system's resolver through each library's own lookup


def _zone_answers(name: str, qtype: str) -> list[str]:
    zone = settings.INVOICE_MAIL_DNS_ZONE or {}
    return list(zone.get(name.rstrip(".").lower(), {}).get(qtype, []))


def _dkim_txt(name: bytes, timeout: int = 5) -> bytes | None:
    if settings.INVOICE_MAIL_DNS_ZONE is None:
        return get_txt(name, timeout=timeout)  # type: ignore[no-any-return]
    found = _zone_answers(name.decode("ascii", "replace"), "TXT")
    return found[0].encode() if found else None


_SYSTEM_SPF_LOOKUP = spf.DNSLookup


def _spf_lookup(name: str, qtype: str, strict: Any = True, timeout: int = 30) -> list[Any]:
    """pyspf's lookup hook (its own test suite replaces it the same way)."""
    if settings.INVOICE_MAIL_DNS_ZONE is None:
        return _SYSTEM_SPF_LOOKUP(name, qtype, strict, timeout)  # type: ignore[no-any-return]
    answers: list[Any] = []
    for value in _zone_answers(name, qtype):
        if qtype in ("TXT", "SPF"):
            answers.append(((name, qtype), (value.encode(),)))
        elif qtype == "MX":
            preference, _sp, host = value.partition(" ")
            answers.append(((name, qtype), (int(preference), host)))
        else:
            answers.append(((name, qtype), value))
    return answers


spf.DNSLookup = _spf_lookup


def _whole(signature: bytes) -> bool:
    """A signature that covers the whole body and the From header: one with a body length
    (`l=`) would verify with attachments appended after the signed part."""
    try:
        tags = parse_tag_value(signature)
    except Exception:  # an unreadable signature covers nothing
        return False
    signed = [h.strip().lower() for h in tags.get(b"h", b"").split(b":")]
    return b"l" not in tags and b"from" in signed


def _dkim(raw: bytes, from_domain: str) -> str:
    """'dkim=pass header.d=…' for the first aligned, whole signature that verifies, else ''."""
    try:
        verifier = dkim.DKIM(raw, timeout=settings.INVOICE_MAIL_DNS_TIMEOUT)
        signatures = [v for name, v in verifier.headers if name.lower() == b"dkim-signature"]
        for index, signature in enumerate(signatures):
            if _whole(signature) and verifier.verify(idx=index, dnsfunc=_dkim_txt):
                domain = (verifier.domain or b"").decode("ascii", "replace").lower()
                if aligned(domain, from_domain):
                    return f"dkim=pass header.d={domain}"
    except Exception as exc:  # a malformed mail or signature: "not verified", never a 500
        log.info("dkim_unverifiable", error=str(exc)[:200])
    return ""


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _spf(envelope: Envelope, from_domain: str) -> str:
    """'spf=pass smtp.mailfrom=…' when the envelope sender passes SPF and is aligned."""
    domain = _domain_of(envelope.mail_from)
    if not domain or not envelope.client_ip or not aligned(domain, from_domain):
        return ""
    if settings.INVOICE_MAIL_LOOPBACK_SPF and _loopback(envelope.client_ip):
        return f"spf=pass smtp.mailfrom={domain} (loopback stand-in)"
    try:
        result, _code, _text = spf.query(
            i=envelope.client_ip,
            s=envelope.mail_from,
            h=envelope.helo or domain,
            timeout=settings.INVOICE_MAIL_DNS_TIMEOUT,
            querytime=4 * settings.INVOICE_MAIL_DNS_TIMEOUT,
        ).check()
    except Exception as exc:  # a library failure is a verdict of "not verified", never a 500
        log.info("spf_unverifiable", error=str(exc)[:200])
        return ""
    return f"spf=pass smtp.mailfrom={domain}" if result == "pass" else ""


def _authentication_results(raw: bytes, from_domain: str) -> str:
    """What the topmost Authentication-Results header verifies for the From domain, when it
    was written by a trusted server. Only the topmost counts: the server that delivered the
    mail to us writes its header on top, and anything below it came with the mail, so a
    header below carrying a trusted id may be forged."""
    trusted = set(settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS)
    if not trusted:
        return ""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:262144]
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    for value in message.get_all("Authentication-Results", [])[:1]:
        try:
            header = authres.parse_value(" ".join(str(value).split()))
        except Exception as exc:  # a header authres cannot read vouches for nothing
            log.info("authentication_results_unreadable", error=str(exc)[:200])
            return ""
        authserv_id = str(header.authserv_id or "").lower()
        if authserv_id not in trusted:
            return ""
        for result in header.results:
            if str(result.result).lower() != "pass":
                continue
            method = str(result.method).lower()
            found = {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}
            if method == "dmarc":
                domain = _domain_of(found.get("header.from", ""))  # none named: no pass
                if domain == from_domain:
                    return f"{authserv_id}: dmarc=pass header.from={domain}"
            elif method == "dkim":
                domain = _domain_of(found.get("header.d", "") or found.get("header.i", ""))
                if aligned(domain, from_domain):
                    return f"{authserv_id}: dkim=pass header.d={domain}"
            elif method == "spf":
                domain = _domain_of(found.get("smtp.mailfrom", ""))
                if aligned(domain, from_domain):
                    return f"{authserv_id}: spf=pass smtp.mailfrom={domain}"
    return ""


def sender_verify(*, raw: bytes, sender: str, envelope: Envelope | None) -> Verdict:
    """Is `sender` (the From address) verified? DKIM first, then SPF, then a trusted
    upstream verdict."""
    from_domain = _domain_of(sender)
    how = (
        _dkim(raw, from_domain)
        or _spf(envelope or Envelope(), from_domain)
        or _authentication_results(raw, from_domain)
    )
    if how:
        return Verdict(True, how[:200])
    envelope_domain = _domain_of((envelope or Envelope()).mail_from)
    if envelope_domain and not aligned(envelope_domain, from_domain):
        why = _(
            "%(sender)s could not be verified: no DKIM signature of %(domain)s verified, and the "
            "envelope sender's domain (%(envelope)s) is not %(domain)s."
        ) % {"sender": sender, "domain": from_domain, "envelope": envelope_domain}
    else:
        why = _(
            "%(sender)s could not be verified: neither DKIM, SPF nor a trusted mail server "
            "vouched for %(domain)s."
        ) % {"sender": sender, "domain": from_domain}
    return Verdict(False, why)
