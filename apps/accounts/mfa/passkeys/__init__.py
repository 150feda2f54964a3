"""Passkeys (WebAuthn) as a second factor beside the authenticator app: the ceremonies
(ceremony.py), registering and removing one (services.py), and the browser's endpoints
(views.py, static/js/passkeys.js). docs/identity.md."""
