from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_refuse_truncate")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["subject_type", "at"], name="audit_subject_type_at"),
        ),
    ]
