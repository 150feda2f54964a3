from django.db import migrations, models

# The append-only trigger lets one UPDATE pass: the erasure of a data subject
# (apps.audit.erasure), which sets `spendgate.audit_erasure` for its own statements only and
# may change nothing but the personal columns of a sealed row (the chain covers those through
# their seals, not their values). Every other UPDATE, every DELETE and TRUNCATE are refused as
# before. Runs in every schema that holds the table, like 0002.
FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('spendgate.audit_erasure', true) = 'on'
       AND OLD.personal IS NOT NULL
       AND NEW.personal = OLD.personal
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.subject_type, NEW.subject_id,
            NEW.request_id, NEW.policy_version, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.action, OLD.subject_type, OLD.subject_id,
            OLD.request_id, OLD.policy_version, OLD.prev_hash, OLD.hash)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_action_at")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="personal",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="SubjectKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ref", models.CharField(max_length=64, unique=True)),
                ("key", models.BinaryField(null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("erased_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
