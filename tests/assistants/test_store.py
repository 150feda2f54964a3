"""Trained models are unpickled only when they are the ones this server's training wrote."""

from __future__ import annotations

from typing import Any

import pytest

from apps.assistants.models import TrainedModel
from apps.assistants.store import model_latest, model_save
from tests.org import Org

pytestmark = pytest.mark.django_db


def test_a_model_loads_only_with_its_signature(org: Org, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        saved = model_save("anomaly", {"trees": 3}, samples=10, metrics={})
        assert model_latest("anomaly") == (saved.version, {"trees": 3})
        # a row restored from elsewhere or altered in the database: never unpickled
        TrainedModel.objects.filter(pk=saved.pk).update(
            blob=b"not what was trained", signature="0" * 64
        )
        assert model_latest("anomaly") is None
        newer = model_save("anomaly", {"trees": 5}, samples=12, metrics={})
        assert model_latest("anomaly") == (newer.version, {"trees": 5})
        TrainedModel.objects.filter(pk=newer.pk).update(signature="")
        assert model_latest("anomaly") is None
