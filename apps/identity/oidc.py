"""The OpenID Connect relying party (Authlib), one client per tenant built from its connection:
the authorization code flow with PKCE (S256), `state` and `nonce` checked, and the ID token's
signature checked against the provider's JWKS with `iss`, `aud`, `exp` and `iat` (a small
clock skew allowed, settings.SSO_CLOCK_SKEW_SECONDS)."""

from __future__ import annotations

import hmac
import warnings
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.cache import cache
from joserfc import errors as jose_errors

from .models import SsoSettings

# Authlib 1.x marks `authlib.jose` as moving to joserfc (its own successor) by 2.0; the pinned
# 1.9 keeps it working and its ID-token claims class builds on it, so the notice is not shown
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError
from .refusals import SsoRefused
from .secrets import secret_open

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256"]
TIMEOUT = 10


def _get_json(url: str, *, what: str) -> dict[str, Any]:
    key = f"sso:oidc:{what}:{url}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoRefused("provider_unreachable") from exc
    if not isinstance(body, dict):
        raise SsoRefused("provider_unreachable")
    cache.set(key, body, settings.SSO_PROVIDER_CACHE_SECONDS)
    return body


def provider_metadata(connection: SsoSettings) -> dict[str, Any]:
    meta = _get_json(connection.discovery_url, what="discovery")
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if any(not isinstance(meta.get(k), str) for k in needed):
        raise SsoRefused("provider_metadata")
    return meta


def _client(connection: SsoSettings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=connection.client_id,
        client_secret=secret_open(connection.client_secret_encrypted),
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def oidc_start(connection: SsoSettings, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL, and what the callback must find again."""
    meta = provider_metadata(connection)
    flow = {
        "state": generate_token(32),
        "nonce": generate_token(32),
        "verifier": generate_token(64),
    }
    url, _state = _client(connection, redirect_uri).create_authorization_url(
        meta["authorization_endpoint"],
        state=flow["state"],
        nonce=flow["nonce"],
        code_verifier=flow["verifier"],
    )
    return url, flow


def oidc_finish(
    connection: SsoSettings, flow: dict[str, str], params: dict[str, str], redirect_uri: str
) -> dict[str, Any]:
    """The verified identity of the callback's code, or SsoRefused naming the failed check."""
    if params.get("error"):
        raise SsoRefused("provider_error")
    if not hmac.compare_digest(str(params.get("state", "")), flow["state"]):
        raise SsoRefused("state")
    code = params.get("code")
    if not code:
        raise SsoRefused("code_missing")
    meta = provider_metadata(connection)
    try:
        token = _client(connection, redirect_uri).fetch_token(
            meta["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=flow["verifier"],
            timeout=TIMEOUT,
        )
    except (OAuthError, requests.RequestException, ValueError) as exc:
        raise SsoRefused("code_exchange") from exc
    id_token = token.get("id_token")
    if not id_token:
        raise SsoRefused("id_token_missing")
    claims = id_token_claims(connection, meta, id_token, flow["nonce"], token.get("access_token"))
    return {
        "subject": str(claims["sub"]),
        "email": claims.get(connection.email_claim),
        "name": claims.get(connection.name_claim) or "",
        "groups": _as_list(claims.get(connection.groups_claim)),
    }


def id_token_claims(
    connection: SsoSettings,
    meta: dict[str, Any],
    id_token: str,
    nonce: str,
    access_token: str | None,
) -> dict[str, Any]:
    keys = JsonWebKey.import_key_set(_get_json(meta["jwks_uri"], what="jwks"))
    try:
        claims = JsonWebToken(ALGORITHMS).decode(
            id_token,
            keys,
            claims_cls=CodeIDToken,
            claims_options={
                "iss": {"essential": True, "value": meta["issuer"]},
                "aud": {"essential": True, "value": connection.client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "nonce": {"essential": True},
            },
            claims_params={
                "nonce": nonce,
                "client_id": connection.client_id,
                "access_token": access_token,
            },
        )
    except (JoseError, jose_errors.JoseError, ValueError) as exc:
        raise SsoRefused("signature") from exc
    try:
        claims.validate(leeway=settings.SSO_CLOCK_SKEW_SECONDS)
    except (JoseError, jose_errors.JoseError) as exc:
        raise SsoRefused(_claim_refused(exc)) from exc
    return dict(claims)


def _claim_refused(exc: Exception) -> str:
    """Which check the ID token failed: exp, iat, nonce, aud, iss…"""
    if isinstance(exc, jose_errors.ExpiredTokenError):
        return "exp"
    if "future" in str(exc):
        return "iat"
    return str(getattr(exc, "claim", None) or getattr(exc, "claim_name", None) or "claims")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []
