from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # built without blocking the trail's writes on a live tenant
    atomic = False

    dependencies = [("audit", "0007_refuse_truncate")]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["action", "at"], include=["subject_id"], name="audit_action_at"),
        ),
    ]
