"""The alert evaluation's due probe (apps/alerts/due.py): beat sends the evaluation only to a
tenant with an open alert or a condition that holds. For each rule, on its own hand-built
condition (tests/alerts/test_alerts.py): nothing due before, due once it holds (the evaluation
raises it), due while it is open (the evaluation resolves it once it clears), nothing due
after. Counted on the real broker for one rule; every rule has its part in the probe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.alerts.due import RULE_PROBES
from apps.alerts.models import Alert
from apps.alerts.rules import BEAT_RULES, RULES
from apps.alerts.services import alerts_evaluate
from apps.alerts.tasks import evaluate_alerts
from apps.tenancy.due import schemas_with_work_due
from tests.beat import beat_round

from .test_alerts import SCENARIOS, W, _chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
TASK = "apps.alerts.tasks.evaluate_alerts"


def test_every_rule_has_its_part_in_the_probe() -> None:
    assert set(RULE_PROBES) == {rule for rule, _kind, _check in RULES}
    assert {rule for rule, part in RULE_PROBES.items() if part is None} == set(BEAT_RULES)


@pytest.mark.parametrize("rule", sorted(set(SCENARIOS) - set(BEAT_RULES)))
def test_the_probe_finds_each_rule_raised_and_resolved(
    rule: str, aporg: Any, receive: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    mine = aporg.tenant.schema_name
    with in_tenant(aporg.tenant):
        hold, clear = SCENARIOS[rule](W(aporg, receive, monkeypatch))

        def due() -> bool:
            return schemas_with_work_due(TASK, [mine]) == [mine]

        assert not due()
        hold()
        assert due()
        assert alerts_evaluate()["raised"] == 1
        clear()
        assert due()  # open: only the evaluation knows it cleared
        assert alerts_evaluate()["resolved"] == 1
        assert not due()
        assert not Alert.objects.filter(status=Alert.Status.OPEN).exists()


def test_beat_evaluates_only_where_an_alert_is_due(
    aporg: Any, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    sent = beat_round("evaluate-alerts", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)
    with in_tenant(aporg.tenant):
        hold, _clear = _chain(None)
        hold()  # the latest chain check failed
    sent = beat_round("evaluate-alerts", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        assert evaluate_alerts()["raised"] == 1
