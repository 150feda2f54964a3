"""Recovery codes kept as digests: django-otp's static tokens hold an HMAC of the code (keyed by
the deployment's SECRET_KEY and bound to the person), never the code itself, so a copy of the
database does not hand anyone a way past the second step. A code typed in is digested the same
way and looked up; django-otp deletes the token it matched, so each code works once.

The code has 40 random bits; the stored digest keeps 80 bits of the HMAC (the token column holds
16 characters), more than the code itself, so nothing is lost by the cut. Rotating SECRET_KEY
makes the codes unusable: people then sign in with their authenticator or passkey and make new
ones (docs/identity.md)."""

from __future__ import annotations

from base64 import b32encode

from django.utils.crypto import salted_hmac

SALT = "spendgate.accounts.recovery-code"


def normalised_code(code: object) -> str:
    return "".join(str(code or "").split()).lower()


def recovery_code_digest(user_id: object, code: object) -> str:
    """What is stored for (and looked up by) one recovery code of one person."""
    mac = salted_hmac(SALT, f"{user_id}:{normalised_code(code)}", algorithm="sha256").digest()
    return b32encode(mac[:10]).decode().lower()  # 16 characters, like django-otp's column
