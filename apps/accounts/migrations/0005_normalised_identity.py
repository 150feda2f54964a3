"""Store every user's e-mail (and username) as its sign-in identity: NFKC + case folding, as
apps/accounts/identity.py (copied here so the migration does not change with that module).
Sign-in looks the identity up exactly, so a row left in another form could not sign in. Two
rows that fold to the same identity cannot both hold it (unique): the second one keeps its
form and is reported, for an administrator to merge or rename."""

import unicodedata

from django.db import migrations


def _identity(value):
    text = unicodedata.normalize("NFKC", str(value or "").strip())
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def normalise(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for user in User.objects.order_by("pk"):
        identity = _identity(user.email)
        if identity == user.email and user.username == identity:
            continue
        if identity != user.email and identity in taken:
            print(f"\n  accounts.0005: user {user.pk} keeps {user.email!r}: {identity!r} is taken")
            continue
        taken.discard(user.email)
        taken.add(identity)
        User.objects.filter(pk=user.pk).update(email=identity, username=identity)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_manage_contracts_capability")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
