from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [("tenancy", "0005_partner_roles")]
    operations: list = []
