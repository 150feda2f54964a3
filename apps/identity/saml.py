"""The SAML 2.0 service provider (pysaml2, signatures checked by xmlsec1), one per tenant built
from its connection: an AuthnRequest over HTTP-Redirect whose id the session keeps once, and at
the assertion consumer service the response's signature, `InResponseTo` (that very request,
single use), audience, destination and NotBefore/NotOnOrAfter (a small clock skew allowed)."""

from __future__ import annotations

import shutil
from typing import Any

from django.conf import settings
from django.core.cache import cache
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

from .models import SsoSettings
from .refusals import SsoRefused


def sp_config(connection: SsoSettings, base_url: str) -> SPConfig:
    base = base_url.rstrip("/")
    conf = SPConfig()
    conf.load(
        {
            "entityid": connection.sp_entity_id or f"{base}/sso/saml/metadata/",
            "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
            "metadata": {"inline": [connection.idp_metadata_xml]}
            if connection.idp_metadata_xml
            else {},
            "accepted_time_diff": settings.SSO_CLOCK_SKEW_SECONDS,
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "name": "Spendgate",
                    "endpoints": {
                        "assertion_consumer_service": [(f"{base}/sso/saml/acs/", BINDING_HTTP_POST)]
                    },
                    "allow_unsolicited": False,
                    "authn_requests_signed": False,
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                }
            },
        }
    )
    return conf


def sp_metadata(connection: SsoSettings, base_url: str) -> str:
    text = create_metadata_string(None, config=sp_config(connection, base_url), valid=24 * 30)
    return text.decode() if isinstance(text, bytes) else str(text)


def saml_start(connection: SsoSettings, base_url: str) -> tuple[str, dict[str, str]]:
    client = Saml2Client(config=sp_config(connection, base_url))
    request_id, info = client.prepare_for_authenticate(
        entityid=connection.idp_entity_id, binding=BINDING_HTTP_REDIRECT
    )
    location = dict(info["headers"])["Location"]
    return location, {"request_id": str(request_id)}


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc).lower()
    if "audience" in text:
        return "audience"
    if "signature" in text or "sign" in name.lower() or "Xmlsec" in name:
        return "signature"
    if "Unsolicited" in name or "inresponseto" in text.replace("_", ""):
        return "replay"
    if name in {"ToEarly", "ResponseLifetimeExceed"} or "too old" in text:
        return "time"
    if "destination" in text:
        return "destination"
    return name


def saml_finish(
    connection: SsoSettings, flow: dict[str, str], saml_response: str, base_url: str
) -> dict[str, Any]:
    """The verified identity of a posted response, or SsoRefused naming the failed check."""
    client = Saml2Client(config=sp_config(connection, base_url))
    outstanding = {flow["request_id"]: "/"} if flow.get("request_id") else {}
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding
        )
    except Exception as exc:
        raise SsoRefused(_reason(exc)) from exc
    if response is None or response.assertion is None:
        raise SsoRefused("assertion")
    if response.in_response_to != flow.get("request_id"):
        raise SsoRefused("replay")
    if response.issuer() != connection.idp_entity_id:
        raise SsoRefused("issuer")
    # an assertion is consumed once, whatever the session (a response copied elsewhere)
    assertion_id = str(response.assertion.id)
    if not cache.add(f"sso:saml:assertion:{assertion_id}", 1, 3600):
        raise SsoRefused("replay")
    attributes = response.get_identity() or {}
    subject = response.get_subject()

    def first(name: str) -> str:
        values = attributes.get(name) or []
        return str(values[0]) if values else ""

    email = first(connection.email_claim) or (
        subject.text if subject is not None and subject.format == NAMEID_FORMAT_EMAILADDRESS else ""
    )
    return {
        "subject": subject.text if subject is not None else email,
        "email": email,
        "name": first(connection.name_claim),
        "groups": [str(g) for g in attributes.get(connection.groups_claim) or []],
    }
