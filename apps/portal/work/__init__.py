"""What waits for a person now, by role: the home page's desk. Each group of work says how
much there is, the money in it per currency and its first rows, oldest or most valuable first,
and leads to the page where the work is done; a group with nothing in it stays quiet. Groups
with something overdue come first.

Reads across every context, so it lives in the top layer beside assurance. Each group costs a
fixed number of queries, whatever the number of rows (tests/portal/test_home.py)."""

from __future__ import annotations

from collections.abc import Callable

from apps.accounts.models import User

from .approvals import approvals
from .desk import BudgetUse, Group, Row
from .oversight import audit, budgets, documents, screening, webhooks
from .payables import callbacks, due_this_week, exceptions, payment_runs
from .requesting import buyer, receiver, requester

__all__ = ["BudgetUse", "Group", "Row", "work_of"]

# capability → the groups it brings, in the order the home page shows them when none is late
GROUPS: list[tuple[str, Callable[[User], list[Group]]]] = [
    ("accounts.approve", approvals),
    ("accounts.process_invoices", exceptions),
    ("accounts.review_screening", exceptions),
    ("accounts.release_payments", payment_runs),
    ("accounts.process_invoices", due_this_week),
    ("accounts.post_goods_receipt", receiver),
    ("accounts.manage_purchase_orders", buyer),
    ("accounts.submit_requisition", requester),
    ("accounts.view_insights", budgets),
    ("accounts.review_screening", screening),
    ("accounts.verify_bank_details", callbacks),
    ("accounts.manage_suppliers", documents),
    ("accounts.view_audit", audit),
    ("accounts.manage_webhooks", webhooks),
]


def work_of(user: User) -> list[Group]:
    seen: set[Callable[[User], list[Group]]] = set()
    groups: list[Group] = []
    for perm, groups_of in GROUPS:
        if groups_of in seen or not user.has_perm(perm):
            continue
        seen.add(groups_of)
        groups.extend(groups_of(user))
    return sorted(groups, key=lambda group: group.urgent == 0)  # stable: late work first
