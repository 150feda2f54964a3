"""Usage: the storage each client tenant held in a month, measured hourly (apps.partners.usage),
so a past month's storage reads the same whenever it is asked. The month's other figures are
counted from the tenant's own rows when asked (they do not change once the month is over)."""

from __future__ import annotations

from django.db import models

from apps.tenancy.models import Client


class StorageMeasure(models.Model):
    """The most a client tenant held in one month (its first day, in the tenant's time zone):
    database and files, from the measurement where their sum was highest."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="storage_measures")
    month = models.DateField()
    database_bytes = models.BigIntegerField(default=0)
    files_bytes = models.BigIntegerField(default=0)
    measured_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "month"]
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="storage_measure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.month:%Y-%m}"

    @property
    def total_bytes(self) -> int:
        return self.database_bytes + self.files_bytes
