from django.db import migrations, models

# Events are written unlinked and linked by the chainer after their commit (apps.audit.services):
# the append-only trigger lets exactly that UPDATE pass — `prev_hash` and `hash` set on an event
# that had neither, every other column as it was — besides the erasure rewrite of 0009.
# Runs in every schema that holds the table, like 0002.
FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.hash IS NULL AND OLD.prev_hash IS NULL
       AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor, NEW.on_behalf_of, NEW.action,
            NEW.subject_type, NEW.subject_id, NEW.request_id, NEW.policy_version,
            NEW.before, NEW.after, NEW.data, NEW.personal)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor, OLD.on_behalf_of, OLD.action,
            OLD.subject_type, OLD.subject_id, OLD.request_id, OLD.policy_version,
            OLD.before, OLD.after, OLD.data, OLD.personal)
    THEN
        RETURN NEW;
    END IF;
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


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_personal_seals")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["id"], name="audit_unlinked", condition=models.Q(hash=None)),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
