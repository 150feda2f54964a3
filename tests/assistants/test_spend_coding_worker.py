"""A tenant admin's retraining request runs in a real Celery worker once it commits, in the
tenant's schema, and stores the tenant's next model version."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.services import user_ensure
from apps.assistants.models import TrainedModel
from apps.assistants.spend.services import spend_model_retrain
from apps.tenancy.context import tenant_context
from tests.conftest import PASSWORD, poll


def test_the_worker_retrains_the_tenants_model(
    committed_org: dict[str, Any], django_db_blocker: Any, celery_worker_process: None
) -> None:
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        admin = user_ensure(email="admin@x.test", password=PASSWORD, roles=["tenant_admin"])
        with transaction.atomic():  # the job is sent when this commits
            spend_model_retrain(actor=admin)
        assert not TrainedModel.objects.exists()
        trained = poll(
            lambda: TrainedModel.objects.filter(assistant="spend_coding").first(),
            what="the worker to retrain spend coding",
        )
        assert (trained.version, trained.metrics["kind"]) == (1, "cold-start")
