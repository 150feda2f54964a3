"""The demo's second factors, scriptable: its policy asks only AP managers (and, as always,
the partner's people) to sign in with two steps, and each of them gets an authenticator whose
secret is fixed and printed by the seed, so a script computes the code the app would show:

    python -c 'import pyotp; print(pyotp.TOTP("SPENDGATEACMEAPMANAGERDEMOTOTP23").now())'

Every other demo person signs in with the password alone, as before (docs/identity.md)."""

from __future__ import annotations

from base64 import b32decode
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa.devices import AUTHENTICATOR
from apps.accounts.models import User
from apps.accounts.roles import AP_MANAGER
from apps.policies.models import PolicyVersion

DEMO_REQUIRED_ROLES = [AP_MANAGER]
# base32 secrets (what authenticator apps and pyotp take), by e-mail
DEMO_TOTP_SECRETS = {
    "apmanager@acme.example": "SPENDGATEACMEAPMANAGERDEMOTOTP23",
    "apmanager@globex.example": "SPENDGATEGLOBEXAPMANAGERDEMO2345",
    "partner@northwind.example": "SPENDGATENORTHWINDPARTNERADMIN22",
    "operator@northwind.example": "SPENDGATENORTHWINDOPERATOR234567",
    "support@northwind.example": "SPENDGATENORTHWINDSUPPORT2345672",
    "billing@northwind.example": "SPENDGATENORTHWINDBILLING2345672",
}


def demo_second_factor_policy() -> None:
    """The tenant opened with a policy that asks only AP managers for two steps at sign-in
    (the default also asks tenant admins and compliance): set on the opening version, before
    any decision, as the tenant's provisioning wrote it."""
    for version in PolicyVersion.objects.filter(number=1, status=PolicyVersion.Status.PUBLISHED):
        mfa = {"required_roles": list(DEMO_REQUIRED_ROLES)}
        if version.document.get("mfa") != mfa:
            version.document = {**version.document, "mfa": mfa}
            version.save(update_fields=["document"])


def demo_authenticators(*, stdout: Any = None) -> None:
    """Each demo person of the current schema named in DEMO_TOTP_SECRETS gets an authenticator
    with their fixed secret (kept as it is on later runs); the secrets are printed."""
    for email, secret in DEMO_TOTP_SECRETS.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        key = b32decode(secret).hex()
        TOTPDevice.objects.update_or_create(
            user=user, name=AUTHENTICATOR, defaults={"key": key, "confirmed": True}
        )
        if stdout:
            stdout.write(
                f"  {email} signs in with two steps; authenticator secret {secret} "
                f"(code: python -c 'import pyotp; print(pyotp.TOTP(\"{secret}\").now())')"
            )
