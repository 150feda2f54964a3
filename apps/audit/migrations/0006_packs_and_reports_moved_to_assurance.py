# Evidence packs, chain checks and control reports now belong to apps.assurance, which read
# across every context; the audit app keeps only the trail. State only: the tables stay and
# assurance 0002 renames them.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0005_fewer_indexes"),
        ("assurance", "0001_moved_from_audit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ChainCheck"),
                migrations.DeleteModel(name="EvidencePack"),
                migrations.DeleteModel(name="ComplianceReport"),
            ],
            database_operations=[],
        ),
    ]
