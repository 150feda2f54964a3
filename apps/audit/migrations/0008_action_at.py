from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_refuse_truncate")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "at"], include=["subject_id"], name="audit_action_at"),
        ),
    ]
