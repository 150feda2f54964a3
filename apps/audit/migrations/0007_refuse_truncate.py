from django.db import migrations

# TRUNCATE fires no row trigger, so the append-only rule needs a statement trigger of its own.
# Runs in every schema that holds the table, like 0002.
FORWARD = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

BACKWARD = "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_packs_and_reports_moved_to_assurance")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
