import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0006_lifecycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="kind",
            field=models.CharField(
                choices=[("production", "Production"), ("sandbox", "Sandbox")],
                default="production",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="sandbox_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sandboxes",
                to="tenancy.client",
            ),
        ),
    ]
