"""One lock order for a contract and the rows a submission locks. Submitting a requisition
against a contract takes its budget row and then the contract's row; a contract service
running at the same moment (amend, terminate, the renewal job) must not hold the contract and
then wait for a row the submission holds, or each waits for the other until PostgreSQL ends
one as a deadlock. (Both take the event chain's writer lock first; writers share it, so it
orders nothing between them: docs/scale.md, "The audit chain without a tenant-wide queue".)

The two run on real connections from two threads, and the moment is made to happen rather
than hoped for: the contract service pauses right after locking the contract's row, the
submission starts and runs until PostgreSQL reports it waiting on a lock, and only then does
the contract service go on. Taken in two orders, that is a deadlock every time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections

from apps.controls.refusals import ApplicationError
from tests.conftest import poll

from .conftest import toner_drafts


def _first_lock(sql: str) -> bool:
    """The contract's row locked for update (the first lock writers do not share)."""
    return '"contracts_contract"' in sql and "FOR " in sql and " UPDATE" in sql


def _amend(contract: Any, buyer: Any) -> Any:
    from apps.contracts.services.register import contract_amend

    return contract_amend(
        actor=buyer,
        contract_id=contract.pk,
        data={"title": "Office, IT and toner"},
        reason="toner added",
    )


def _terminate(contract: Any, buyer: Any) -> Any:
    from apps.contracts.services.register import contract_terminate

    return contract_terminate(actor=buyer, contract_id=contract.pk, reason="supplier exits")


def _renew(contract: Any, buyer: Any) -> Any:
    from apps.contracts.services.renewals import contract_renewal_alerts

    return contract_renewal_alerts(today=contract.ends_on + timedelta(days=1))


@pytest.mark.parametrize(
    ("service", "submission"),
    [
        (_amend, "submitted"),
        # the submission then finds the contract ended: refused in words, not a deadlock
        (_terminate, "contract_not_applicable"),
        (_renew, "submitted"),
    ],
    ids=["amend", "terminate", "renew"],
)
def test_a_contract_service_and_a_submission_at_once_both_finish(
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    service: Callable[[Any, Any], Any],
    submission: str,
) -> None:
    from apps.procurement.models import Requisition
    from apps.procurement.services.requisitions import requisition_submit
    from apps.tenancy.context import tenant_context

    tenant, requester, buyer = (
        committed_org["tenant"],
        committed_org["requester"],
        committed_org["buyer"],
    )
    with django_db_blocker.unblock(), tenant_context(tenant):
        contract, (draft,) = toner_drafts(requester, buyer, 1, auto_renew=True, renewal_months=12)

        holding, go_on, pid_known = threading.Event(), threading.Event(), threading.Event()
        submitter: list[int] = []
        results: dict[str, Any] = {}

        def pause_after_first_lock(execute: Any, sql: str, *rest: Any) -> Any:
            result = execute(sql, *rest)
            if not holding.is_set() and _first_lock(sql):
                holding.set()
                go_on.wait(60)
            return result

        def contract_side() -> None:
            try:
                with tenant_context(tenant), connection.execute_wrapper(pause_after_first_lock):
                    results["service"] = service(contract, buyer)
            except Exception as exc:
                results["service"] = exc
            finally:
                holding.set()
                connections.close_all()

        def submission_side() -> None:
            try:
                with tenant_context(tenant):
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        submitter.append(cursor.fetchone()[0])
                    pid_known.set()
                    holding.wait(60)  # the contract service holds its first lock
                    results["submission"] = requisition_submit(
                        actor=requester, requisition_id=draft.pk
                    )
            except Exception as exc:
                results["submission"] = exc
            finally:
                pid_known.set()
                connections.close_all()

        threads = [threading.Thread(target=contract_side), threading.Thread(target=submission_side)]
        for thread in threads:
            thread.start()
        try:
            assert pid_known.wait(60) and submitter, results

            def submission_waits() -> bool:
                # pg_blocking_pids reads the lock table as it is now (no per-transaction
                # snapshot), and this connection is in autocommit anyway
                with connection.cursor() as cursor:
                    cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", submitter)
                    return bool(cursor.fetchone()[0]) or "submission" in results

            poll(submission_waits, timeout=60, what="the submission to wait on a lock")
        finally:
            go_on.set()
            for thread in threads:
                thread.join(120)
        assert not any(t.is_alive() for t in threads)

        done = results["service"]
        assert not isinstance(done, Exception), repr(done)
        outcome = results["submission"]
        if submission == "submitted":
            assert not isinstance(outcome, Exception), repr(outcome)
            assert Requisition.objects.get(pk=draft.pk).status != Requisition.Status.DRAFT
        else:
            assert isinstance(outcome, ApplicationError), repr(outcome)
            assert outcome.code == submission
