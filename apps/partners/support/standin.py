"""The stand-in: the user a support grant signs in as inside the client tenant's schema.

One per grant, named after the partner person ("Sam Support (Northwind Partners support)") and
addressed `<their e-mail with +grant<id>>`, so the tenant's trail shows who acted under which
grant. It has no usable password, no role and no permission of its own: the gate lends it the
grant's capabilities for each request it lets through (apps.integrations.keys.ScopeBackend
answers them), so outside a live grant's session it can read nothing. It is kept out of the
tenant's people (an identity, like a service account's) and deactivated when the grant ends."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import Conflict

from ..access_models import AccessGrant


def standin_email(grant: AccessGrant) -> str:
    local, _sep, domain = grant.partner_user_email.partition("@")
    return f"{local}+grant{grant.pk}@{domain}"


def standin_for(grant: AccessGrant) -> User:
    """The grant's stand-in in the current tenant schema, made on first entry and active
    again on the next (the caller checked the grant is live)."""
    email = standin_email(grant)
    user = User.objects.filter(pk=grant.standin_user_id).first() if grant.standin_user_id else None
    if user is None:
        if User.objects.with_identity(email).exists():
            raise Conflict(_("Someone in this tenant already uses the stand-in's address."))
        user = User(
            email=email,
            first_name=grant.partner_person[:150],
            last_name=(_("(%(partner)s support)") % {"partner": grant.partner.name})[:150],
            is_service_account=True,
        )
        user.set_unusable_password()
        user.save()
        AccessGrant.objects.filter(pk=grant.pk).update(standin_user_id=user.pk)
        grant.standin_user_id = user.pk
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def standin_end(grant: AccessGrant) -> None:
    """The grant ended: its stand-in is deactivated and its password hash replaced, which
    ends every session it holds (Django checks the hash on each request)."""
    if not grant.standin_user_id:
        return
    user = User.objects.filter(pk=grant.standin_user_id).first()
    if user is None:
        return
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
