"""The interactive API docs (Swagger UI at `/api/docs/`) under a strict Content-Security-Policy
and without a CDN: the bundle and stylesheet come from drf-spectacular-sidecar, a pinned package
whose files WhiteNoise serves from this host (`SWAGGER_UI_DIST = "SIDECAR"`). The start-up
script is served as a file (no inline script) and the page's one small style block carries the
request's nonce, so the page allows nothing inline and no other origin.

ReDoc is not offered: its bundle fetches its logo from cdn.redoc.ly and writes its styles as
inline `<style>` elements, which this policy refuses."""

from __future__ import annotations

from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularSwaggerSplitView

DOCS_POLICY: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


@method_decorator(csp_override(DOCS_POLICY), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
