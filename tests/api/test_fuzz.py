"""Schemathesis over the whole published API, in-process (WSGI), bounded and seeded: no server
error, every status code, content type and response body as the schema declares, and the schema
and the API's validation agree both ways (docs/api.md, "Errors"):

- negative_data_rejection: a request the schema forbids (a wrong type, a value outside its
  enum, range or format, a missing required field) is refused with 400 (or 401/403/404/405/
  413/415/429 when something else refuses it first), never accepted and never 409/422;
- positive_data_acceptance: a request the schema allows is accepted, or refused for its values
  or the records' state (404, 409, 422), never with 400.

All phases run: examples, coverage and fuzzing per operation (one test per operation, EXAMPLES
generated cases each, positive and negative data), and the stateful phase, which chains
operations along the links schemathesis infers (a created record's id into its detail and
actions). Derandomized, so every run sends the same requests. The tenant holds the demo's records
for the module, and half the generated path ids are swapped for real ones, so details and actions
answer with real bodies, not only 404. There is no list of known mismatches: every operation
runs with every check."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
EXAMPLES = 25
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8

# The statuses each side may answer (docs/api.md, "Errors"). 400 is a schema violation and
# nothing else; 404/409/422 refuse schema-valid data for its values or the records' state; 401
# is a credential refusal (sign-in with a wrong password, an inbound ERP event without a valid
# signature), which no schema can promise against.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",
            # No string may hold a NUL: the request boundary refuses one anywhere (path, query,
            # form field, JSON string) with 400, before any view (apps/api/boundary.py).
            "allow-x00": False,
        },
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 413, 415, 429]
            },
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", 401, 403, 404, 409, 422, 429]
            },
        },
    }
)


def _published_schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    generated = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    # the JSON the schema endpoint serves (dates and decimals as strings)
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(generated))


def _app() -> Any:
    from config.wsgi import application

    return application


def _seeded_ids() -> dict[str, Any]:
    """A real id per collection of the seeded tenant, for the explicit examples."""
    from apps.assurance.models import EvidencePack
    from apps.audit.models import AuditEvent
    from apps.contracts.models import CatalogItem, Contract
    from apps.invoices.models import Invoice, InvoiceException
    from apps.organization.models import Budget, CostCenter, LegalEntity, SpendCategory
    from apps.payments.models import PaymentRun
    from apps.policies.models import PolicyVersion
    from apps.procurement.models import GoodsReceipt, PurchaseOrder, Requisition
    from apps.suppliers.models import BankAccount, ScreeningHit, Supplier
    from apps.workflow.models import ApprovalTask

    def first(model: Any, **filters: Any) -> Any:
        return model.objects.filter(**filters).values_list("pk", flat=True).first()

    supplier = first(Supplier, documents__isnull=False)
    return {
        "audit-events": first(AuditEvent),
        "bank-accounts": first(BankAccount),
        "budgets": first(Budget),
        "catalog-items": first(CatalogItem),
        "contracts": first(Contract),
        "cost-centers": first(CostCenter),
        "evidence-packs": first(EvidencePack),
        "exceptions": first(InvoiceException),
        "goods-receipts": first(GoodsReceipt),
        "invoices": first(Invoice, file__gt=""),
        "legal-entities": first(LegalEntity),
        "payment-runs": first(PaymentRun),
        "policies": PolicyVersion.objects.values_list("number", flat=True).first(),
        "purchase-orders": first(PurchaseOrder),
        "requisitions": first(Requisition),
        "screening-hits": first(ScreeningHit),
        "spend-categories": first(SpendCategory),
        "suppliers": supplier,
        "tasks": first(ApprovalTask),
        "document_id": Supplier.objects.get(pk=supplier)
        .documents.values_list("pk", flat=True)
        .first(),
    }


@pytest.fixture(scope="module")
def seeded_ids(demo_data: None, django_db_blocker: Any) -> dict[str, Any]:
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    with django_db_blocker.unblock(), tenant_context(Client.objects.get(slug="tenanta")):
        return {k: str(v) for k, v in _seeded_ids().items() if v is not None}


def _aim_at_records(case: Any, ids: dict[str, str]) -> None:
    """Half of the generated path parameters (chosen by a hash of the value, so a run is
    repeatable) are replaced by a seeded record's id: details and actions are reached with
    real records, not only refused as unknown."""
    collection = case.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in list((case.path_parameters or {}).items()):
        real = ids.get(name) or ids.get(collection)
        if real is not None and zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = real


# raw e-mail (`POST invoices/mail/`) is fuzzed as the binary body it is
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
schema = schemathesis.openapi.from_dict(_published_schema(), config=CONFIG)
schema.app = _app()


@pytest.fixture
def same_connection(demo_data: None) -> Any:
    """Requests run inside the test's transaction, as Django's test client runs them: the
    handler must not close the connection when a request ends."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(
    same_connection: None, tenant_a: Any, make_user: Any, in_tenant: Any
) -> dict[str, str]:
    """A user holding every internal role, so each operation is reached past its role check."""
    from rest_framework.authtoken.models import Token

    from apps.accounts.roles import ROLE_CAPABILITIES, SUPPLIER

    user = make_user(tenant_a, "fuzzer", [r for r in ROLE_CAPABILITIES if r != SUPPLIER])
    with in_tenant(tenant_a):
        token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}", "Host": "a.localhost"}


# bounded and repeatable: the same requests on every run
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_schema(
    case: Any, fuzz_headers: dict[str, str], seeded_ids: dict[str, str]
) -> None:
    _aim_at_records(case, seeded_ids)
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)


def test_the_api_keeps_its_schema_across_operations(
    fuzz_headers: dict[str, str], seeded_ids: dict[str, str]
) -> None:
    """The stateful phase: scenarios of up to STATEFUL_STEPS calls, each response's ids fed into
    the next call along the inferred links, every call under every check."""
    base = schema.as_state_machine()
    assert base.root_rules, "schemathesis inferred no link between operations"

    class Scenario(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": fuzz_headers}

        def validate_response(  # type: ignore[no-untyped-def]
            self, response, case, additional_checks=None, **kwargs
        ) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    run_state_machine_as_test(
        Scenario,
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_every_operation_declares_the_error_body() -> None:
    raw = _published_schema()
    operations = [
        (path, method, operation)
        for path, methods in raw["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]
    assert len(operations) >= 80
    for path, method, operation in operations:
        for status in ("400", "401", "403", "404", "429"):
            declared = operation["responses"][status]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert raw["components"]["schemas"]["Error"]["required"] == ["code", "detail"]
