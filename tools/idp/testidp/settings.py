"""Settings of the test identity provider. run.py fills IDP_* in the environment before Django
starts: the data folder (SQLite, keys), the port and the OIDC signing key."""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(os.environ["IDP_DATA_DIR"])
PORT = int(os.environ.get("IDP_PORT", "9100"))
BASE_URL = os.environ.get("IDP_BASE_URL", f"http://127.0.0.1:{PORT}")

SECRET_KEY = os.environ.get("IDP_SECRET_KEY", "test-idp-only-" + os.urandom(16).hex())
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "testidp.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "idp.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
USE_TZ = True
LOGIN_URL = "/login/"
# its own cookie names: the IdP and Spendgate may share a host name (127.0.0.1)
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
# a test IdP with throwaway passwords: hashing fast keeps the sign-ins of the tests quick
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (DATA / "oidc-key.pem").read_text(),
    "OIDC_ISS_ENDPOINT": f"{BASE_URL}/o",
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "email": "E-mail", "profile": "Profile"},
    "OAUTH2_VALIDATOR_CLASS": "testidp.oidc.ClaimsValidator",
    # short-lived ID tokens, so a relying party's clock checks can be exercised
    "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("IDP_ID_TOKEN_SECONDS", "300")),
}
SAML_KEY_FILE = str(DATA / "saml-key.pem")
SAML_CERT_FILE = str(DATA / "saml-cert.pem")
SAML_SP_METADATA_FILE = str(DATA / "sp-metadata.xml")
SAML_ASSERTION_MINUTES = int(os.environ.get("IDP_SAML_ASSERTION_MINUTES", "5"))
LOGGING = {"version": 1, "disable_existing_loggers": False}
