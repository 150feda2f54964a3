"""The partner console's own single sign-on: each partner connects its identity provider
(OIDC or SAML, apps.identity's round trip) for its people on the public host."""
