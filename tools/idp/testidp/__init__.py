"""The local test identity provider: OIDC (django-oauth-toolkit) and SAML 2.0 (pysaml2)."""
