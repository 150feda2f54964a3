# The outbox table was created by the integrations app (integrations 0001). This takes it over
# in Django's state only; 0002 renames it and adds the payload's schema number.

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("integrations", "0002_fewer_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxEvent",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("event_type", models.CharField(max_length=64)),
                        ("subject_type", models.CharField(max_length=40)),
                        ("subject_id", models.CharField(max_length=64)),
                        ("payload", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("dispatched_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "db_table": "integrations_outboxevent",
                        "indexes": [models.Index(condition=models.Q(("dispatched_at__isnull", True)), fields=["created_at"], name="outbox_pending")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
