"""What a support grant lets its holder do inside the tenant.

A read grant shows what an AP clerk and an auditor see (invoices, exceptions, suppliers,
reference data, the audit trail, insights) and changes nothing: the gate refuses every write.
A write grant adds one named capability; on a write only that capability counts, so reading
broadly never lends the right to change something else. Approving, paying, and managing
people, settings or integrations are never lent to a partner."""

from __future__ import annotations

from ..access_models import SCOPE_LABELS, WRITE_SCOPES

READ_CAPABILITIES = frozenset(
    {
        "view_reference_data",
        "process_invoices",
        "manage_suppliers",
        "view_audit",
        "view_insights",
    }
)
WRITE_CAPABILITIES = WRITE_SCOPES
SCOPES = tuple(SCOPE_LABELS)


def scope_label(scope: str) -> str:
    return str(SCOPE_LABELS.get(scope, scope))


def capabilities_for(scope: str, *, safe: bool) -> frozenset[str]:
    """The capabilities (`accounts.<codename>`) the stand-in holds for one request: a read
    holds the read set (plus a write grant's capability); a write holds only the granted one."""
    names: set[str] = set()
    if safe:
        names = set(READ_CAPABILITIES) | ({scope} if scope in WRITE_CAPABILITIES else set())
    elif scope in WRITE_CAPABILITIES:
        names = {"view_reference_data", scope}
    return frozenset(f"accounts.{name}" for name in names)
