"""The compliance badge is computed for every supplier from its status, screening and
documents (Supplier.compliance_given); until now only approved suppliers were tracked and
every other one showed the default, compliant. Recompute it for the suppliers on file."""

from datetime import date
from typing import Any

from django.db import migrations
from django.utils import timezone

FLAGGED = ("potential_match", "confirmed_match")


def _documents_valid(supplier: Any, today: date) -> bool:
    current = {d.doc_type: d for d in supplier.documents.exclude(status="superseded")}
    for doc_type in supplier.required_documents or []:
        document = current.get(doc_type)
        if document is None or document.status == "expired":
            return False
        if document.expires_on is not None and document.expires_on <= today:
            return False
    return True


def recompute(apps: Any, schema_editor: Any) -> None:
    Supplier = apps.get_model("suppliers", "Supplier")
    today = timezone.localdate()
    for supplier in Supplier.objects.all():
        compliant = (
            supplier.status == "approved"
            and supplier.screening not in FLAGGED
            and not supplier.screening_hits.filter(status="open").exists()
            and _documents_valid(supplier, today)
        )
        value = "compliant" if compliant else "non_compliant"
        if supplier.compliance != value:
            Supplier.objects.filter(pk=supplier.pk).update(compliance=value)


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0004_erp_posting"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
