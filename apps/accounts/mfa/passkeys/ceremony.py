"""Passkeys (WebAuthn, py_webauthn) as a second factor: the two ceremonies a browser runs with
the person's authenticator. Registration: options (a fresh challenge, the person's passkeys
excluded) → `navigator.credentials.create` → the attestation checked here. Sign-in: options
(a fresh challenge, the person's passkeys allowed) → `navigator.credentials.get` → the
assertion checked here: challenge, origin, relying party id, signature with the stored public
key, and a signature counter that must go up (a cloned authenticator shows by a counter that
does not). Each challenge lives in the session and is taken out by its first use.

The relying party is the host the person is on, without its port (a tenant's own host, or the
public host for partner people), and the origin is that host with the request's scheme: a
passkey made on one tenant's host does not answer another's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from apps.controls.refusals import ValidationFailed

from ...models import Passkey

REGISTER_CHALLENGE = "spendgate_passkey_register"
VERIFY_CHALLENGE = "spendgate_passkey_verify"
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host without its port
    origin: str  # scheme://host[:port], as the browser writes it into clientDataJSON
    name: str


def relying_party(*, host: str, scheme: str, name: str) -> RelyingParty:
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return RelyingParty(id=bare.lower(), origin=f"{scheme}://{host.lower()}", name=name)


def _descriptors(user: Any) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=bytes(p.credential_id),
            transports=[AuthenticatorTransport(t) for t in p.transports if t in KNOWN_TRANSPORTS],
        )
        for p in Passkey.objects.filter(user=user, confirmed=True)
    ]


def registration_options(session: Any, user: Any, rp: RelyingParty) -> str:
    """The options for `navigator.credentials.create` (JSON); the challenge kept in the
    session for the one answer that may use it."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=str(user.pk).encode(),
        user_name=user.email,
        user_display_name=user.get_full_name() or user.email,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    session[REGISTER_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authentication_options(session: Any, user: Any, rp: RelyingParty) -> str:
    options = generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    session[VERIFY_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def _refused(text: str) -> ValidationFailed:
    return ValidationFailed(errors={"credential": [text]})


def _challenge(session: Any, key: str) -> bytes:
    """The session's challenge, taken out: a second answer to it finds none."""
    stored = session.pop(key, None)
    if not stored:
        raise _refused(_("Start again: this passkey request has expired or was already used."))
    return base64url_to_bytes(stored)


@dataclass(frozen=True)
class NewPasskey:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]


def registration_check(
    session: Any, rp: RelyingParty, credential: dict[str, Any] | str
) -> NewPasskey:
    """The browser's answer to the registration options, checked (`none` attestation is
    enough: the passkey proves possession at each use, not its maker)."""
    challenge = _challenge(session, REGISTER_CHALLENGE)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise _refused(_("The passkey was not accepted: %(why)s") % {"why": exc}) from exc
    body = json.loads(credential) if isinstance(credential, str) else credential
    transports = (body.get("response") or {}).get("transports") or []
    return NewPasskey(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if t in KNOWN_TRANSPORTS],
    )


@transaction.atomic
def assertion_check(
    session: Any, user: Any, rp: RelyingParty, credential: dict[str, Any] | str
) -> Passkey:
    """The browser's answer to the sign-in options, checked against the person's passkey it
    names (locked, so two answers at once cannot both move the counter); the passkey's counter
    and last use are written."""
    challenge = _challenge(session, VERIFY_CHALLENGE)
    body = json.loads(credential) if isinstance(credential, str) else credential
    try:
        raw_id = base64url_to_bytes(str(body.get("rawId") or body.get("id") or ""))
    except (ValueError, TypeError) as exc:
        raise _refused(_("That is not one of your passkeys.")) from exc
    passkey = (
        Passkey.objects.select_for_update()
        .filter(user=user, confirmed=True, credential_id=raw_id)
        .first()
    )
    if passkey is None:
        raise _refused(_("That is not one of your passkeys."))
    try:
        verified = verify_authentication_response(
            credential=body,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise _refused(_("The passkey was not accepted: %(why)s") % {"why": exc}) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey
