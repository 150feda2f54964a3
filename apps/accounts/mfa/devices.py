"""A partner user's second factor as sign-in reads it: their authenticator (a confirmed TOTP
device of django-otp), their recovery codes (a static device), the QR code an app scans, and
the check of a code typed in. Partner users on the public schema, tenant users in theirs
(django-otp's tables are in both)."""

from __future__ import annotations

import time
from binascii import unhexlify
from dataclasses import dataclass
from typing import Any

import segno
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.tenancy.context import current_tenant

from ..models import Passkey
from .recovery import recovery_code_digest

AUTHENTICATOR = "authenticator"  # the device names shown in the trail
RECOVERY = "recovery codes"


def is_partner_user(user: Any) -> bool:
    if user is None or not user.is_authenticated or current_tenant() is not None:
        return False  # a tenant schema's users are the tenant's people, never a partner's
    return getattr(user, "partner_membership", None) is not None


def authenticator_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: Any) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or Passkey.objects.filter(user=user, confirmed=True).exists()
    )


def has_passkey(user: Any) -> bool:
    return Passkey.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_recovery_codes(user: Any, *, count: int = 10) -> list[str]:
    """Replace the person's recovery codes (each works once); returned to be shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_code_digest(user.pk, c)) for c in codes]
    )
    return codes


def pending_authenticator(user: Any, key: str) -> TOTPDevice:
    """The authenticator being set up (not saved): its key lives in the session until the
    person confirms a code from it."""
    return TOTPDevice(user=user, key=key, name=AUTHENTICATOR, confirmed=False)


def code_matches_key(key: str, code: str) -> int | None:
    """The time step of `code` when it is the current one (±1 step) of `key`, else None."""
    code = "".join(str(code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(unhexlify(key.encode()), 30, 0, 6, 0)
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), 1) else None


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// address as an inline SVG QR code (segno writes attributes, never a style,
    so the page's Content-Security-Policy holds)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR")
    return mark_safe(svg)  # noqa: S308 (segno's own markup of a URL we built)


def key_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32 in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None  # the device that took the code
    wait: int = 0  # seconds to wait: too many wrong codes in a row

    @property
    def ok(self) -> bool:
        return self.device is not None


def code_check(user: Any, code: str) -> CodeCheck:
    """A code typed after the password: six digits from the authenticator, or one of the
    recovery codes (used up by this). Each device backs off after a wrong code (1, 2, 4 …
    seconds, django-otp's throttling), kept even when the caller's transaction fails."""
    code = "".join(str(code or "").split()).lower()
    if not code:
        return CodeCheck(None)
    kind = TOTPDevice if (code.isdigit() and len(code) == 6) else StaticDevice
    device = kind.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck(None)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
        return CodeCheck(None, wait=wait)
    # django-otp locks the device row, counts a wrong code on it and commits that in its own
    # transaction (the views that call this hold none open)
    if kind is StaticDevice:  # recovery codes are stored as digests (recovery.py)
        code = recovery_code_digest(user.pk, code)
    return CodeCheck(verify_token(user, device.persistent_id, code))
