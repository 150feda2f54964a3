"""Encryption of bank account numbers at rest (Fernet, cryptography).

FIELD_ENCRYPTION_KEYS is a list: the first key encrypts, every key decrypts. To rotate, put
a new key first, run `manage.py rotate_field_keys`, then drop the old key (docs/operations.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return _current().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("no configured key decrypts this value") from exc


def reencrypt(token: str) -> str:
    """The same value under the first key (for key rotation)."""
    return _current().rotate(token.encode()).decode()


def _fingerprint_key() -> bytes:
    """BANK_FINGERPRINT_KEY, or one derived from the oldest field key (which stays stable
    while newer keys are put in front of it for rotation)."""
    configured = getattr(settings, "BANK_FINGERPRINT_KEY", "")
    base = configured or f"spendgate-bank-fingerprint:{settings.FIELD_ENCRYPTION_KEYS[-1]}"
    return hashlib.sha256(base.encode()).digest()


def fingerprint(scheme: str, number: str, routing_number: str = "") -> str:
    """A keyed hash (HMAC-SHA256) of an account: equal for equal accounts, and useless to
    anyone without the key (an IBAN is too short a secret for a plain hash)."""
    text = f"{scheme}:{routing_number.strip()}:{number.replace(' ', '').upper()}"
    return hmac.new(_fingerprint_key(), text.encode(), hashlib.sha256).hexdigest()
