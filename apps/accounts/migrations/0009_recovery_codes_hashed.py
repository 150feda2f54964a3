"""Recovery codes kept as digests (apps.accounts.mfa.recovery): every code stored in plain text
so far is replaced by its digest. The static tokens' table exists where django-otp is installed
(the public schema; tenant schemas once their users have second factors too): elsewhere there is
nothing to do."""

from django.db import migrations


def codes_hashed(apps, schema_editor):
    from apps.accounts.mfa.recovery import recovery_code_digest

    table = "otp_static_statictoken"
    if table not in schema_editor.connection.introspection.table_names():
        return
    token_model = apps.get_model("otp_static", "StaticToken")
    for token in token_model.objects.select_related("device").iterator():
        token.token = recovery_code_digest(token.device.user_id, token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_passkeys_and_sessions"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # one way: a digest cannot be turned back into its code
    operations = [migrations.RunPython(codes_hashed, migrations.RunPython.noop)]
