"""One sign-in round trip through the tenant's identity provider, whichever protocol: started
from the sign-in page (or an admin's test), finished at the callback (OIDC) or the assertion
consumer service (SAML). What the finish must find again is kept in the session once: it is
taken out before anything is checked, so a response is never accepted twice."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest

from .models import SsoConnection, SsoSettings
from .oidc import oidc_finish, oidc_start
from .refusals import SsoRefused
from .saml import saml_finish, saml_start

FLOW_KEY = "sso_flow"
TEST_SALT = "spendgate.identity.sso-test"
TEST_MAX_AGE = 600


def base_url(request: HttpRequest, root: str = "") -> str:
    """Where this host's service provider endpoints live: the site's root, or below `root`
    (the partner console's, "/partner")."""
    return request.build_absolute_uri("/").rstrip("/") + root


def oidc_redirect_uri(request: HttpRequest, root: str = "") -> str:
    return f"{base_url(request, root)}/sso/oidc/callback/"


def flow_start(
    request: HttpRequest,
    connection: SsoSettings,
    *,
    purpose: str,
    actor_id: int | None = None,
    next_path: str = "/",
    root: str = "",
    owner: int | None = None,
) -> str:
    """Remember the round trip in the session and answer the provider's URL. `owner` names
    whose connection it is where a host holds several (the partner's, on the console)."""
    if connection.protocol == SsoConnection.Protocol.OIDC:
        url, flow = oidc_start(connection, oidc_redirect_uri(request, root))
    else:
        url, flow = saml_start(connection, base_url(request, root))
    request.session[FLOW_KEY] = {
        **flow,
        "protocol": connection.protocol,
        "purpose": purpose,
        "actor": actor_id,
        "version": connection.version,
        "next": next_path,
        "owner": owner,
    }
    return url


def flow_taken(request: HttpRequest, protocol: str) -> dict[str, Any]:
    """The round trip this browser started, taken out of its session (single use)."""
    flow = request.session.pop(FLOW_KEY, None)
    request.session.modified = True
    request.session.save()
    if not isinstance(flow, dict) or flow.get("protocol") != protocol:
        raise SsoRefused("state")
    return flow


def flow_finish(
    request: HttpRequest, connection: SsoSettings, flow: dict[str, Any], root: str = ""
) -> dict[str, Any]:
    if connection.protocol != flow["protocol"]:
        raise SsoRefused("configuration_changed")
    if connection.protocol == SsoConnection.Protocol.OIDC:
        params = {k: request.GET.get(k, "") for k in ("state", "code", "error")}
        return oidc_finish(connection, flow, params, oidc_redirect_uri(request, root))
    saml_response = request.POST.get("SAMLResponse", "")
    return saml_finish(connection, flow, saml_response, base_url(request, root))


def test_token(*, actor_id: int, version: int, host: str) -> str:
    """What lets a browser run the admin's test sign-in (the API's `POST sso/test/`)."""
    return signing.dumps({"a": actor_id, "v": version, "h": host}, salt=TEST_SALT)


def test_token_read(token: str, *, host: str) -> dict[str, int]:
    try:
        data = signing.loads(token, salt=TEST_SALT, max_age=TEST_MAX_AGE)
    except signing.BadSignature as exc:
        raise SsoRefused("test_link") from exc
    if data.get("h") != host:
        raise SsoRefused("test_link")
    return {"actor": int(data["a"]), "version": int(data["v"])}
