"""The interactive API docs (Swagger UI at `/api/docs/`) under a strict Content-Security-Policy
and without a CDN: the bundle and stylesheet come from drf-spectacular-sidecar, a pinned package
whose files WhiteNoise serves from this host (`SWAGGER_UI_DIST = "SIDECAR"`). The start-up
script is served as a file (no inline script) and the page's one small style block carries the
request's nonce, so the page allows nothing inline and no other origin.

ReDoc (`/api/redoc/`) comes from the same package. Its bundle writes its styles as `<style>`
elements at run time (styled-components, which cannot take a nonce from outside the bundle), so
that one page allows inline styles; scripts stay this host's files only, and the Redocly logo
the bundle would fetch from its CDN is refused by `img-src`, so no request leaves the host. The
page holds nothing a user wrote, which is what makes inline styles harmless there."""

from __future__ import annotations

import threading
from typing import Any

from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

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


# search runs in a worker the bundle makes from a blob of its own code
REDOC_POLICY = DOCS_POLICY | {
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}


@method_decorator(csp_override(REDOC_POLICY), name="dispatch")
class ApiRedocView(SpectacularRedocView):
    template_name = "api/redoc.html"


# drf-spectacular resolves its extension classes lazily on first use, and two threads doing so
# at once can see a half-loaded class (`'NoneType' object has no attribute 'startswith'`, a 500
# when Swagger UI and a second reader ask at the same moment). One generation at a time.
_GENERATING = threading.Lock()


class ApiSchemaView(SpectacularAPIView):
    """`/api/schema/`: drf-spectacular's view, generating one schema at a time per process."""

    def _get_schema_response(self, request: Any) -> Any:
        with _GENERATING:
            return super()._get_schema_response(request)
