# Checkpoints: what each chain check covered (the whole chain, from the last checkpoint, or a
# pack's events) and the last event it verified with that event's hash. Earlier checks were
# all of the whole chain and recorded no checkpoint, so a tenant's next check is a whole one.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assurance', '0002_own_table_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='chaincheck',
            name='first_event',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='chaincheck',
            name='last_event',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='chaincheck',
            name='last_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='chaincheck',
            name='scope',
            field=models.CharField(choices=[('full', 'The whole chain'), ('incremental', 'From the last checkpoint'), ('pack', "An evidence pack's events")], default='full', max_length=12),
        ),
        migrations.AlterField(
            model_name='chaincheck',
            name='checked_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
