"""Single sign-on per tenant: the tenant's connection to its identity provider (OpenID Connect
or SAML 2.0), the sign-in through it with just-in-time users and roles mapped from groups, and
its enforcement (password sign-in off but for one break-glass admin). docs/identity.md."""
