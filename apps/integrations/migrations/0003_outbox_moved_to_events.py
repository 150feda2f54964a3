# The outbox now belongs to apps.events, the one event write beneath every context; this app
# keeps Idempotency-Key replay and the dispatcher. State only: events 0002 renames the table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0002_fewer_indexes"),
        ("events", "0001_moved_from_integrations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxEvent")],
            database_operations=[],
        ),
    ]
