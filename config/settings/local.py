"""Developer machine and `make demo`."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Sent mail is kept and shown decoded at /dev/mail/ (unless EMAIL_BACKEND says otherwise).
DEV_MAIL_VIEWER = True
# Every component of the design system at /dev/components/.
DEV_COMPONENTS = True
if not env("EMAIL_BACKEND"):
    MAILERS["default"]["BACKEND"] = "apps.tenancy.devmail.KeptMailBackend"  # noqa: F405

# the demo delivers webhooks to a receiver on 127.0.0.1 (README: the one-line receiver)
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", True)
# a sandbox's webhooks reach the demo's receiver on this machine only
SANDBOX_WEBHOOK_HOSTS = [
    h.strip().lower()
    for h in env("SANDBOX_WEBHOOK_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

# the demo has no DNS: mail to the SMTP listener from this machine counts as SPF-passed for its
# envelope sender's domain, so envelope and From must still align (docs/invoices.md)
INVOICE_MAIL_LOOPBACK_SPF = env_bool("INVOICE_MAIL_LOOPBACK_SPF", True)
SSO_ALLOW_LOOPBACK = True  # `make idp` on 127.0.0.1:9000 (docs/identity.md)
# approval links in the demo's mail open the portal where `make demo` serves it
TENANT_PORTAL_URL = env("TENANT_PORTAL_URL", "http://{domain}:8000/")
