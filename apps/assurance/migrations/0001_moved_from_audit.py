# The evidence-pack, chain-check and control-report tables were created by the audit app
# (audit 0003, 0004). This takes them over in Django's state only; 0002 renames them.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("audit", "0005_fewer_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ChainCheck",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("checked_at", models.DateTimeField(auto_now_add=True)),
                        ("valid", models.BooleanField()),
                        ("count", models.PositiveIntegerField()),
                        ("first_bad", models.BigIntegerField(blank=True, null=True)),
                        ("trigger", models.CharField(max_length=20)),
                    ],
                    options={"ordering": ["-checked_at"], "db_table": "audit_chaincheck"},
                ),
                migrations.CreateModel(
                    name="EvidencePack",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("subject_type", models.CharField(blank=True, max_length=40)),
                        ("subject_id", models.CharField(blank=True, max_length=64)),
                        ("period_start", models.DateField(blank=True, null=True)),
                        ("period_end", models.DateField(blank=True, null=True)),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("ready", "Ready"), ("failed", "Failed")], default="queued", max_length=10)),
                        ("requested_at", models.DateTimeField(auto_now_add=True)),
                        ("ready_at", models.DateTimeField(blank=True, null=True)),
                        ("title", models.CharField(blank=True, max_length=300)),
                        ("file", models.CharField(blank=True, max_length=300)),
                        ("sha256", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("size", models.PositiveIntegerField(default=0)),
                        ("pages", models.PositiveIntegerField(default=0)),
                        ("events", models.PositiveIntegerField(default=0)),
                        ("chain_valid", models.BooleanField(null=True)),
                        ("chain_first_bad", models.BigIntegerField(blank=True, null=True)),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("requested_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"ordering": ["-requested_at"], "db_table": "audit_evidencepack"},
                ),
                migrations.CreateModel(
                    name="ComplianceReport",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("period_start", models.DateField()),
                        ("period_end", models.DateField()),
                        ("trigger", models.CharField(max_length=12)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("figures", models.JSONField(default=dict)),
                        ("pdf_file", models.CharField(blank=True, max_length=300)),
                        ("pdf_sha256", models.CharField(blank=True, max_length=64)),
                        ("csv_file", models.CharField(blank=True, max_length=300)),
                        ("csv_sha256", models.CharField(blank=True, max_length=64)),
                        ("emailed_to", models.JSONField(default=list)),
                        ("requested_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-period_start", "-created_at"],
                        "db_table": "audit_compliancereport",
                        "constraints": [models.UniqueConstraint(condition=models.Q(("trigger", "monthly")), fields=("period_start", "period_end"), name="one_monthly_report_per_period")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
