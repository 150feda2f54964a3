"""The sign-in identity: the one form of an e-mail address that user lookup, the lockout and
the sign-in throttles all use, and the form user e-mails are stored in.

NFKC then case folding (and NFKC again, as Unicode's NFKC_Casefold does, so the result is
stable): compatibility characters become their plain letters (long s U+017F → `s`,
full-width S U+FF33 → `s`) and case disappears (sharp s → `ss`). Case folding is not
upper-casing: the dotless i U+0131 stays itself, so `rece<U+0131>ver@…` is another identity
than `receiver@…` — and since lookup is exact on this form, it finds nobody rather than the
receiver (PostgreSQL's case-insensitive comparison upper-cases U+0131 to `I` and found the
receiver, while the lockout counted another name).
"""

from __future__ import annotations

import unicodedata


def normalised_identity(value: object) -> str:
    """The identity an e-mail address or sign-in name stands for."""
    text = unicodedata.normalize("NFKC", str(value or "").strip())
    return unicodedata.normalize("NFKC", text.casefold()).strip()
