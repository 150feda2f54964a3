# An invoice sent to an approval route by matching had its line results stored but no
# `matched_at`; matching now relies on `matched_at` to know whether results exist.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0004_line_match"),
        ("audit", "0005_fewer_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            """
            UPDATE invoices_invoice AS i SET matched_at = coalesce(
                (SELECT max(e.at) FROM audit_auditevent e WHERE e.action = 'invoice.matched'
                    AND e.subject_type = 'invoice' AND e.subject_id = i.id::text),
                i.created_at)
            WHERE i.matched_at IS NULL AND EXISTS (
                SELECT 1 FROM invoices_invoiceline l JOIN invoices_linematch m ON m.line_id = l.id
                WHERE l.invoice_id = i.id)
            """,
            migrations.RunSQL.noop,
        ),
    ]
