"""Residency: a tenant lives in one region, and only the deployment of that region serves it,
stores its files and opens its outbound connections (docs/residency.md). A deployment names its
own region in `SPENDGATE_REGION`; a tenant of another region is answered `wrong_region` (409)
with where it lives."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError

from .context import current_tenant
from .models import Client


class WrongRegion(ApplicationError):
    status = 409
    code = "wrong_region"


def deployment_region() -> str:
    return str(settings.SPENDGATE_REGION)


def served_here(client: Client) -> bool:
    return client.is_public or client.region == deployment_region()


def wrong_region_detail(client: Client) -> str:
    url = settings.SPENDGATE_REGION_URLS.get(client.region)
    detail = _(
        "This portal's data lives in region %(region)s; this deployment serves region "
        "%(here)s only."
    ) % {"region": client.region, "here": deployment_region()}
    if url:
        detail += " " + _("Use the deployment at %(url)s.") % {"url": url}
    return detail


def region_served() -> bool:
    """Whether the current tenant (if any) is this deployment's to serve."""
    tenant = current_tenant()
    return tenant is None or served_here(tenant)


def region_check() -> None:
    """Refuse, in the current tenant, what only its own region's deployment may do (store or
    read its files, connect out on its behalf)."""
    tenant = current_tenant()
    if tenant is not None and not served_here(tenant):
        raise WrongRegion(wrong_region_detail(tenant))


def tenant_region_record(client: Client, region: str, *, actor: str) -> Client:
    """After a move (docs/residency.md): the deployment the tenant left records where it lives
    now, so its host answers `wrong_region` naming the new home instead of serving stale data.
    An operator's step (`manage.py tenant_region SLUG REGION`), audited in the public trail;
    call it on the public schema."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from apps.events.services import event_record

    from .models import REGION

    try:
        REGION(region)
    except ValidationError as exc:
        raise WrongRegion(" ".join(exc.messages)) from exc
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        before, client.region = client.region, region
        client.save(update_fields=["region"])
        event_record(
            actor=actor,
            action="tenant.region_recorded",
            subject_type="tenant",
            subject_id=client.slug,
            before={"region": before},
            after={"region": region},
        )
    return client
