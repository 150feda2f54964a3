from __future__ import annotations

from django.utils.translation import gettext as _

from apps.api.errors import ApplicationError

from .models import PolicyVersion


class NoPublishedPolicy(ApplicationError):
    status = 409
    code = "no_published_policy"


def policy_published() -> PolicyVersion:
    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NoPublishedPolicy(_("No approval policy is published for this tenant."))
    return version
