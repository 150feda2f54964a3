"""What a SAML identity provider's metadata says (its entity id, that it can sign), read with
pysaml2 before the connection is saved."""

from __future__ import annotations

from django.utils.translation import gettext as _
from saml2.attribute_converter import ac_factory
from saml2.mdstore import InMemoryMetaData

from apps.controls.refusals import ValidationFailed


def idp_entity_of(xml: str) -> str:
    """The one identity provider the metadata describes, which must publish a signing key."""
    refused = ValidationFailed(
        errors={"metadata": [_("This is not the SAML metadata of one identity provider.")]}
    )
    try:
        store = InMemoryMetaData(ac_factory(), xml)
        store.load()
    except Exception as exc:
        raise refused from exc
    providers = [eid for eid, entity in store.items() if "idpsso_descriptor" in entity]
    if len(providers) != 1:
        raise refused
    if not store.certs(providers[0], "idpsso", "signing"):
        raise ValidationFailed(
            errors={"metadata": [_("The metadata publishes no signing certificate.")]}
        )
    return str(providers[0])
