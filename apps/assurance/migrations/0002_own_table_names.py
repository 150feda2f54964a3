# The tables taken over from the audit app get this app's names (a rename: no data moves).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("assurance", "0001_moved_from_audit"),
        ("audit", "0006_packs_and_reports_moved_to_assurance"),
    ]

    operations = [
        migrations.AlterModelTable(name="chaincheck", table=None),
        migrations.AlterModelTable(name="evidencepack", table=None),
        migrations.AlterModelTable(name="compliancereport", table=None),
    ]
