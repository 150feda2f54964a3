# Payment runs, payments, paying accounts, ERP payments and bank statements now belong to
# apps.payments, one layer above invoices. State only: the tables keep their names and rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0009_intake_channels_and_statements"),
        ("payments", "0001_moved_from_invoices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StatementEntry"),
                migrations.DeleteModel(name="BankStatement"),
                migrations.DeleteModel(name="Payment"),
                migrations.DeleteModel(name="PaymentRun"),
                migrations.DeleteModel(name="ErpPayment"),
                migrations.DeleteModel(name="PayingAccount"),
            ],
            database_operations=[],
        ),
    ]
