"""The OIDC client secret at rest: Fernet under FIELD_ENCRYPTION_KEYS, the same scheme as every
`*_encrypted` column (manage.py rotate_field_keys re-encrypts it with the others)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def secret_seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def secret_open(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("no configured key decrypts the client secret") from exc
