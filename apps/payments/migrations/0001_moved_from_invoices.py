# The payment tables were created by the invoices app (invoices 0001, 0008, 0009). This takes
# them over in Django's state only: the tables keep their names (Meta.db_table) and their rows.

import django.db.models.deletion
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('invoices', '0009_intake_channels_and_statements'),
        ('organization', '0002_fxrate'),
        ('suppliers', '0004_erp_posting'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BankStatement',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(max_length=12)),
                        ('message_id', models.CharField(blank=True, max_length=140)),
                        ('sha256', models.CharField(max_length=64, unique=True)),
                        ('file', models.CharField(blank=True, max_length=300)),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('result', models.JSONField(default=dict)),
                        ('received_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'invoices_bankstatement',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ErpPayment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=16)),
                        ('currency', models.CharField(max_length=3)),
                        ('paid_on', models.DateField()),
                        ('reference', models.CharField(blank=True, max_length=140)),
                        ('source', models.CharField(max_length=120)),
                        ('message_id', models.CharField(max_length=255)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='erp_payments', to='invoices.invoice')),
                    ],
                    options={
                        'db_table': 'invoices_erppayment',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='PayingAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=140)),
                        ('iban', models.CharField(max_length=34)),
                        ('bic', models.CharField(max_length=11)),
                        ('legal_entity', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='paying_account', to='organization.legalentity')),
                    ],
                    options={
                        'db_table': 'invoices_payingaccount',
                    },
                ),
                migrations.CreateModel(
                    name='PaymentRun',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('number', models.CharField(max_length=30, unique=True)),
                        ('currency', models.CharField(max_length=3)),
                        ('execution_date', models.DateField()),
                        ('status', models.CharField(choices=[('proposed', 'Proposed'), ('released', 'Released'), ('paid', 'Paid'), ('cancelled', 'Cancelled')], default='proposed', max_length=12)),
                        ('total', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
                        ('discount_total', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('released_at', models.DateTimeField(blank=True, null=True)),
                        ('pain001', models.TextField(blank=True)),
                        ('pain001_sha256', models.CharField(blank=True, max_length=64)),
                        ('confirmed_by', models.CharField(blank=True, max_length=200)),
                        ('paid_at', models.DateTimeField(blank=True, null=True)),
                        ('legal_entity', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organization.legalentity')),
                        ('proposed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'invoices_paymentrun',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Payment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=16)),
                        ('discount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
                        ('bank_account', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.bankaccount')),
                        ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='invoices.invoice')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='payments', to='payments.paymentrun')),
                    ],
                    options={
                        'db_table': 'invoices_payment',
                        'ordering': ['run', 'invoice__due_date'],
                    },
                ),
                migrations.CreateModel(
                    name='StatementEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(blank=True, max_length=140)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=16)),
                        ('currency', models.CharField(max_length=3)),
                        ('booked_on', models.DateField(blank=True, null=True)),
                        ('outcome', models.CharField(choices=[('matched', 'Matched'), ('already_confirmed', 'Already confirmed'), ('unmatched', 'Not matched')], max_length=20)),
                        ('reason', models.CharField(blank=True, max_length=300)),
                        ('payment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='statement_entries', to='payments.payment')),
                        ('statement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='payments.bankstatement')),
                    ],
                    options={
                        'db_table': 'invoices_statemententry',
                        'ordering': ['statement', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='payment',
                    constraint=models.UniqueConstraint(fields=('run', 'invoice'), name='payment_run_invoice'),
                ),
            ],
            database_operations=[],
        ),
    ]
