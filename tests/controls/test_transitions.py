"""Every status has its table, and the one step holds to it (singly and set-based)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist

from apps.controls.refusals import InvalidTransition
from apps.controls.transitions import move_status, move_status_where
from apps.invoices.models import LineMatch
from apps.workflow.models import ApprovalRoute, ApprovalStep, ApprovalTask
from tests import world

pytestmark = pytest.mark.django_db

# A `status` that is a result, not a lifecycle: recomputed by every match of the line.
NOT_A_LIFECYCLE = {LineMatch}


def _models_with_a_status() -> list[Any]:
    found = []
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        try:
            model._meta.get_field("status")
        except FieldDoesNotExist:
            continue
        found.append(model)
    return found


def test_every_model_with_a_status_has_its_transition_table() -> None:
    models = _models_with_a_status()
    assert len(models) >= 17  # a new model with a status is held to this test too
    for model in models:
        if model in NOT_A_LIFECYCLE:
            continue
        states = {value for value, _label in model._meta.get_field("status").choices}
        table = getattr(model, "TRANSITIONS", None)
        assert table is not None, f"{model.__name__} has a status but no TRANSITIONS"
        assert set(table) == states, f"{model.__name__}: every state is a row of its table"
        for source, targets in table.items():
            assert targets <= states, f"{model.__name__}.{source} leads to an unknown state"
            assert source not in targets, f"{model.__name__}.{source} leads to itself"


def test_the_step_refuses_what_the_table_does_not_allow(org: Any, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        route = ApprovalRoute.objects.get(pk=task.step.route_id)
        move_status(route, ApprovalRoute.Status.CANCELLED, noun="approval route")
        with pytest.raises(InvalidTransition, match="cancelled cannot become approved"):
            move_status(route, ApprovalRoute.Status.APPROVED, noun="approval route")


def test_the_set_based_step_moves_only_rows_the_table_allows(org: Any, in_tenant: Any) -> None:
    """Cancelling a route's steps leaves a decided step as it was."""
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        step = ApprovalStep.objects.get(pk=task.step_id)
        ApprovalStep.objects.filter(pk=step.pk).update(status=ApprovalStep.Status.APPROVED)
        waiting = ApprovalStep.objects.create(
            route_id=step.route_id, sequence=9, sla_hours=8, reason="later"
        )
        moved = move_status_where(
            ApprovalStep.objects.filter(route_id=step.route_id), ApprovalStep.Status.CANCELLED
        )
        assert moved == 1
        step.refresh_from_db()
        waiting.refresh_from_db()
        assert (step.status, waiting.status) == ("approved", "cancelled")
        # tasks: only open ones are superseded
        assert (
            move_status_where(
                ApprovalTask.objects.filter(pk=task.pk), ApprovalTask.Status.SUPERSEDED
            )
            == 1
        )
        assert (
            move_status_where(
                ApprovalTask.objects.filter(pk=task.pk), ApprovalTask.Status.CANCELLED
            )
            == 0
        )
