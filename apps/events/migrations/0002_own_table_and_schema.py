from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0001_moved_from_integrations"),
        ("integrations", "0003_outbox_moved_to_events"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboxevent", table=None),
        migrations.AddField(
            model_name="outboxevent",
            name="schema",
            field=models.PositiveSmallIntegerField(default=1),
        ),
    ]
