"""The refusals of single sign-on: configuration (409, 422) and a sign-in that fails a check
(`SsoRefused`, with a code naming the check; the page shows its sentence, nobody is signed in)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.controls.refusals import ApplicationError, Conflict


class SsoNotTested(Conflict):
    code = "sso_not_tested"
    default_detail = _(
        "Run a test sign-in that succeeds with the current settings before enforcing SSO."
    )


class SsoBreakGlassMissing(Conflict):
    code = "sso_break_glass_missing"
    default_detail = _("Choose the break-glass admin who keeps password sign-in first.")


class SsoEnforcedChange(Conflict):
    code = "sso_enforced"
    default_detail = _(
        "SSO is enforced: turn enforcement off before changing the identity provider."
    )


class SsoNotConfigured(ApplicationError):
    status = 404
    code = "sso_not_configured"
    default_detail = _("This organisation has no single sign-on connection.")


class SsoRefused(ApplicationError):
    """A sign-in response that failed a check: nobody is signed in."""

    status = 403
    code = "sso_refused"
    default_detail = _("The sign-in through your identity provider was refused.")

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason  # which check: state, nonce, signature, audience, replay, time…
