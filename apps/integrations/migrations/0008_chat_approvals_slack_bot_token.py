from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_chat_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="chatapprovals",
            name="slack_bot_token_encrypted",
            field=models.TextField(blank=True),
        ),
    ]
