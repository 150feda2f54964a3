"""A former requester in acme, for the erasure walk-through (docs/privacy.md): they asked for a
standing desk, their manager approved it with a comment naming them, and they have left (their
account is deactivated). Compliance can then erase them and see the chain still verifying."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.services import user_deactivate, user_ensure
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve

FORMER = ("former.requester", "Dana", "Leaver")


def seed_former_requester(*, slug: str, password: str) -> None:
    local, first, last = FORMER
    email = f"{local}@{slug}.example"
    if (
        User.objects.filter(email=email).exists()
        or User.objects.filter(email__endswith="@erased.invalid").exists()
    ):
        return  # seeded already (or erased already: the seed does not bring them back)
    manager = User.objects.get(email=f"manager@{slug}.example")
    person = user_ensure(
        email=email,
        password=password,
        roles=["requester"],
        first_name=first,
        last_name=last,
        manager=manager,
    )
    with transaction.atomic():
        requisition = requisition_create(
            actor=person,
            data={
                "title": "Standing desk for the design corner",
                "cost_center": "CC-300",
                "spend_category": "FAC",
                "legal_entity": "US01",
                "currency": "USD",
                "justification": f"Asked by {first} {last} ({email}) after the ergonomics review.",
                "lines": [
                    {"description": "Standing desk", "quantity": "1", "unit_price": "1800.00"}
                ],
            },
        )
        requisition = requisition_submit(actor=person, requisition_id=requisition.pk)
    task = ApprovalTask.objects.filter(
        subject_id=str(requisition.pk), assignee=manager, status="open"
    ).first()
    if task is not None:
        with transaction.atomic():
            task_approve(
                actor=manager, task_id=task.pk, comment=f"Fine for {first} {last}, go ahead."
            )
    # they left: the admin deactivates them (sign-in and sessions end, the work stays)
    user_deactivate(
        actor=User.objects.get(email=f"admin@{slug}.example"),
        user_id=person.pk,
        reason="Left the company",
    )
