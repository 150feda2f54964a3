"""Reads of a partner's people: the list with each person's role and two-step sign-in, and the
trail of changes to them."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.models import AuditEvent
from apps.tenancy.models import Partner, PartnerMembership

SUBJECT = "partner_user"  # the trail's subject for a partner's person


def partner_people(partner: Partner) -> QuerySet[PartnerMembership]:
    """The partner's people, by e-mail, each with `two_step` (an authenticator set up)."""
    authenticator = TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
    return (
        PartnerMembership.objects.filter(partner=partner)
        .select_related("user")
        .annotate(two_step=Exists(authenticator))
        .order_by("user__email")
    )


def people_changes(partner: Partner, *, limit: int = 20) -> list[Any]:
    """The latest changes to the partner's people and their sign-in, newest first."""
    return list(
        AuditEvent.objects.filter(subject_type=SUBJECT, data__partner=partner.pk).order_by("-id")[
            :limit
        ]
    )
