"""A person's language is their own choice; "" follows the organisation's default. Until now
every person carried "en" without having chosen it, so nobody keeps it as a choice."""

from django.db import migrations, models


def nobody_chose(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("accounts", "User").objects.filter(language="en").update(language="")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_recovery_codes_hashed")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.RunPython(nobody_chose, migrations.RunPython.noop),
    ]
