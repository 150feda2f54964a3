"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}` with the base64 key of a `whsec_` secret, sent as
`v1,<base64>`; several signatures (a secret being rotated out, the new one) are separated by
spaces in one `webhook-signature` header, which receivers accept when any one verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone

from apps.suppliers.secrets import decrypt, encrypt


class SecretHolder(Protocol):
    """A webhook endpoint or an ERP connection: a secret, and the one being rotated out."""

    secret_encrypted: str
    previous_secret_encrypted: str
    previous_secret_until: datetime | None


PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,` signature of a message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(keys: Iterable[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in use."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, message_id, timestamp, body) for secret in keys),
    }


def secrets_in_use(holder: SecretHolder, *, now: datetime | None = None) -> list[str]:
    """The secrets that sign (or verify) a message now: the current one, and the previous one
    while its overlap lasts."""
    now = now or timezone.now()
    found = [decrypt(holder.secret_encrypted)]
    if (
        holder.previous_secret_encrypted
        and holder.previous_secret_until
        and holder.previous_secret_until > now
    ):
        found.append(decrypt(holder.previous_secret_encrypted))
    return found


def rotate(holder: SecretHolder, overlap: timedelta) -> str:
    """Give `holder` a new secret (returned, to be shown once); the current one stays in use
    for `overlap`. The caller saves the three fields."""
    secret = new_secret()
    holder.previous_secret_encrypted = holder.secret_encrypted
    holder.previous_secret_until = timezone.now() + overlap
    holder.secret_encrypted = encrypt(secret)
    return secret


ROTATED_FIELDS = ["previous_secret_encrypted", "previous_secret_until", "secret_encrypted"]
