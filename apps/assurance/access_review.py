"""The user access review: every user, their roles, last sign-in, and the capability pairs
they hold that the tenant's policy says one person should not hold together
(`access_conflicts`, e.g. verifying supplier bank details and releasing payments)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apps.accounts.roles import CAPABILITY_LABELS, ROLE_CAPABILITIES, ROLE_LABELS
from apps.accounts.selectors import tenant_users
from apps.controls.csvfiles import CsvWriter


@dataclass
class AccessRow:
    email: str
    active: bool
    roles: list[str]
    last_login: datetime | None
    joined: datetime
    conflicts: list[str]  # "capability + capability (role, role)"

    @property
    def conflicts_in_words(self) -> list[str]:
        """The conflicts as people read them: what each capability lets one do, and the roles
        by name ("Can verify … + Can approve invoices for payment (AP manager)")."""
        return [conflict_in_words(conflict) for conflict in self.conflicts]


def conflict_in_words(conflict: str) -> str:
    """A conflict as stored ("verify_bank_details + release_payments (ap_clerk, ap_manager)")
    as the reader reads it: each capability's label and the roles' names, in the active
    language."""
    pair, _sep, roles = conflict.partition(" (")
    first, _plus, second = pair.partition(" + ")
    via = ", ".join(str(ROLE_LABELS.get(r, r)) for r in roles.rstrip(")").split(", ") if r)
    return (
        f"{CAPABILITY_LABELS.get(first, first)} + {CAPABILITY_LABELS.get(second, second)} ({via})"
    )


def _conflicts(roles: list[str], pairs: list[list[str]]) -> list[str]:
    found = []
    for first, second in pairs:
        givers = {
            cap: sorted(r for r in roles if cap in ROLE_CAPABILITIES.get(r, set()))
            for cap in (first, second)
        }
        if givers[first] and givers[second]:
            via = sorted(set(givers[first]) | set(givers[second]))
            found.append(f"{first} + {second} ({', '.join(via)})")
    return found


def access_review(document: dict[str, Any] | None = None) -> list[AccessRow]:
    """Two queries whatever the number of users."""
    if document is None:
        from apps.policies.document import validate_document
        from apps.policies.selectors import policy_published

        document = validate_document(policy_published().document)
    pairs = document["access_conflicts"]
    rows = []
    for user in tenant_users():
        roles = sorted(g.name for g in user.groups.all())
        rows.append(
            AccessRow(
                email=user.email,
                active=user.is_active,
                roles=roles,
                last_login=user.last_login,
                joined=user.date_joined,
                conflicts=_conflicts(roles, pairs) if user.is_active else [],
            )
        )
    return rows


def access_review_csv(rows: list[AccessRow]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["email", "active", "roles", "last_login", "joined", "conflicts"])
    for row in rows:
        writer.writerow(
            [
                row.email,
                "yes" if row.active else "no",
                " ".join(row.roles),
                row.last_login.isoformat() if row.last_login else "",
                row.joined.isoformat(),
                "; ".join(row.conflicts),
            ]
        )
    return out.getvalue()
