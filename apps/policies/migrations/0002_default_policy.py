from django.db import migrations
from django.utils import timezone


def publish_default(apps, schema_editor):
    # Imported here: the default policy is product data, shared with the policy tools' "reset".
    from apps.policies.document import DEFAULT_POLICY, validate_document

    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    if not PolicyVersion.objects.exists():
        PolicyVersion.objects.create(
            number=1, status="published", document=validate_document(DEFAULT_POLICY),
            note="Default policy shipped with Spendgate", published_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(publish_default, migrations.RunPython.noop)]
