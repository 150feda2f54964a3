"""The interactive API docs under the portal's Content-Security-Policy: Swagger UI's start-up
script is served as a file (no inline script); its bundle and stylesheet come from the CDN
drf-spectacular names, which only this page allows."""

from __future__ import annotations

from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularSwaggerSplitView

CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CDN],
    # Swagger UI's page carries one small inline <style> block
    "style-src": [CSP.SELF, CDN, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", CDN],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


@method_decorator(csp_override(DOCS_POLICY), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    pass
