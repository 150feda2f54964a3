"""The partner console's pages and the capability each needs (apps.tenancy.partner_roles): one
registry that draws the console's menu and that every partner page asks before it answers, so
no link leads a partner user to a page their role cannot open. docs/partners.md, "Partner
people and roles", shows the matrix written from it (a test keeps them equal).

Contexts above tenancy add their pages with `partner_page_register` in their AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.api.pages import Confirm


@dataclass(frozen=True)
class PartnerPage:
    key: str
    path: str
    label: str | Promise
    capability: str


_PAGES: list[PartnerPage] = [
    PartnerPage("console", "/partner/", _("Client tenants"), "view_console"),
    PartnerPage("operations", "/partner/operations/", _("Operations"), "view_console"),
    PartnerPage("people", "/partner/people/", _("People"), "manage_partner_users"),
]


def partner_page_register(page: PartnerPage) -> None:
    if all(known.key != page.key for known in _PAGES):
        _PAGES.append(page)


def partner_pages() -> tuple[PartnerPage, ...]:
    return tuple(_PAGES)


def partner_capabilities(user: Any) -> set[str]:
    """What the signed-in person may do on the partner console; nothing for anyone else."""
    if user is None or not user.is_authenticated:
        return set()
    membership = getattr(user, "partner_membership", None)
    return set(membership.capabilities) if membership is not None else set()


def partner_menu(user: Any) -> list[PartnerPage]:
    held = partner_capabilities(user)
    return [page for page in _PAGES if page.capability in held]


class PartnerConfirm(Confirm):
    """A partner console action asked for twice (apps.api.pages.confirm_first): `capability` is
    a partner capability (`manage_partner_users`), held through the person's partner role."""

    def allowed(self, user: Any) -> bool:
        return bool(set(self.capabilities) & partner_capabilities(user))


def capability_matrix() -> list[str]:
    """docs/partners.md's table of what each partner role may do, written from
    PARTNER_ROLE_CAPABILITIES (a test keeps the document equal to it)."""
    from .partner_roles import (
        ALL_PARTNER_CAPABILITIES,
        PARTNER_CAPABILITY_LABELS,
        PARTNER_ROLE_CAPABILITIES,
        PARTNER_ROLE_LABELS,
    )

    roles = list(PARTNER_ROLE_LABELS)
    lines = [
        "| capability | what it allows | " + " | ".join(f"`{r}`" for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for capability in ALL_PARTNER_CAPABILITIES:
        held = ["yes" if capability in PARTNER_ROLE_CAPABILITIES[r] else "—" for r in roles]
        label = str(PARTNER_CAPABILITY_LABELS.get(capability, capability))
        lines.append(f"| `{capability}` | {label} | " + " | ".join(held) + " |")
    return lines


def page_matrix() -> list[str]:
    """docs/partners.md's table of the console's pages and the capability each needs."""
    lines = ["| page | needs |", "|---|---|"]
    lines += [f"| `{page.path}` | `{page.capability}` |" for page in _PAGES]
    return lines
