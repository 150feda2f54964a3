"""Suppliers' contacts as data subjects (apps.privacy): an erasure request may name one, and
the free text of a bank account's verification may name a person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_save

from apps.audit.personal import forget_people
from apps.privacy.registry import (
    PersonKind,
    Pseudonym,
    register_person_kind,
    register_personal_text,
)

from .models import BankAccount, SupplierContact


def _everyone() -> Iterable[tuple[Any, list[str]]]:
    for pk, name, email in SupplierContact.objects.values_list("pk", "name", "email"):
        yield pk, [email, name]


def _identities(pk: Any) -> list[str] | None:
    found = SupplierContact.objects.filter(pk=pk).values_list("email", "name", "phone").first()
    return None if found is None else [value for value in found if value]


def _pseudonymise(pk: Any, pseudonym: Pseudonym) -> None:
    SupplierContact.objects.filter(pk=pk).update(
        name=pseudonym.name, email=pseudonym.email, phone=""
    )


def _forget(**_: object) -> None:
    forget_people()


def register_personal_data() -> None:
    register_person_kind(
        "contact",
        PersonKind(
            everyone=_everyone,
            identities=_identities,
            active=lambda _pk: False,  # a contact signs in as nobody; a user is erased as a user
            pseudonymise=_pseudonymise,
        ),
    )
    register_personal_text(BankAccount, "decision_comment", "callback_note")
    post_save.connect(
        _forget, sender=SupplierContact, weak=False, dispatch_uid="suppliers.forget_people"
    )
