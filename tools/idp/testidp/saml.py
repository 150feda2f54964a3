"""The SAML 2.0 identity provider (pysaml2): metadata, and single sign-on over HTTP-Redirect
(or POST) answering with a signed response and a signed assertion over HTTP-POST."""

from __future__ import annotations

import functools
import shutil
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

# an authentication context class, no secret
AUTHN_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def config() -> IdPConfig:
    base = settings.BASE_URL
    conf = IdPConfig()
    conf.load(
        {
            "entityid": f"{base}/saml/metadata/",
            "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
            "key_file": settings.SAML_KEY_FILE,
            "cert_file": settings.SAML_CERT_FILE,
            "metadata": {"local": [settings.SAML_SP_METADATA_FILE]},
            "service": {
                "idp": {
                    "name": "Spendgate test identity provider",
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base}/saml/sso/", BINDING_HTTP_REDIRECT),
                            (f"{base}/saml/sso/", BINDING_HTTP_POST),
                        ]
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": settings.SAML_ASSERTION_MINUTES},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_BASIC,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_response": True,
                    "sign_assertion": True,
                }
            },
        }
    )
    return conf


@functools.cache
def server() -> Server:
    return Server(config=config())


def metadata(request: HttpRequest) -> HttpResponse:
    xml = create_metadata_string(None, config=config(), valid=24 * 365)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@csrf_exempt
def single_sign_on(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    saml_request = params.get("SAMLRequest")
    if not saml_request:
        return HttpResponseBadRequest("SAMLRequest is missing")
    if not request.user.is_authenticated:
        # back here after the login form, with the request as a query
        query = urlencode({k: params[k] for k in ("SAMLRequest", "RelayState") if k in params})
        binding_note = "&binding=post" if request.method == "POST" else ""
        return redirect_to_login(f"{request.path}?{query}{binding_note}")
    binding = BINDING_HTTP_POST if params.get("binding") == "post" else BINDING_HTTP_REDIRECT
    if request.method == "POST":
        binding = BINDING_HTTP_POST
    idp = server()
    try:
        parsed = idp.parse_authn_request(saml_request, binding)
    except Exception as exc:
        return HttpResponseBadRequest(f"SAMLRequest refused: {exc}")
    args: dict[str, Any] = idp.response_args(parsed.message, [BINDING_HTTP_POST])
    user = request.user
    identity = {
        "email": [user.email],
        "name": [user.first_name],
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }
    response = idp.create_authn_response(
        identity,
        userid=user.email,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user.email),
        authn={"class_ref": AUTHN_CONTEXT, "authn_auth": idp.config.entityid},
        sign_response=True,
        sign_assertion=True,
        **args,
    )
    http = idp.apply_binding(
        BINDING_HTTP_POST,
        str(response),
        args["destination"],
        params.get("RelayState", ""),
        response=True,
    )
    return HttpResponse(http["data"])
