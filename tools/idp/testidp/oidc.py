"""The claims the OIDC provider gives: e-mail, name and the person's groups."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below, whatever scopes were asked

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "name": user.first_name,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }
