# The outbox gets this app's table name, the payload's schema number, and database defaults
# for its id, time and attempts, so batch writers COPY only the event itself.

import uuid

import django.contrib.postgres.functions
import django.db.models.functions.datetime
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
        migrations.AlterField(
            model_name="outboxevent",
            name="attempts",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, db_default=django.db.models.functions.datetime.Now()
            ),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                primary_key=True,
                serialize=False,
            ),
        ),
    ]
