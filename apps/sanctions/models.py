from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# the published lists screened against, as people name them
SOURCE_LABELS = {
    "ofac_sdn": _("OFAC SDN list"),
}


class SanctionsList(models.Model):
    """One import of a published list. The newest import of a source is the one screened
    against; older imports keep their header (hash, counts) as evidence of what was used."""

    source = models.CharField(max_length=40, default="ofac_sdn")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField()
    name_count = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.sha256[:12]} ({self.entry_count} entries)"


class SanctionsName(models.Model):
    """A primary name or an alias of one list entry, with its normalised form."""

    sanctions_list = models.ForeignKey(
        SanctionsList, on_delete=models.CASCADE, related_name="names"
    )
    entry_uid = models.CharField(max_length=40)
    entry_name = models.CharField(max_length=400)
    name = models.CharField(max_length=400)
    normalized = models.CharField(max_length=400)
    is_alias = models.BooleanField(default=False)
    entry_type = models.CharField(max_length=40, blank=True)
    programs = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sanctions_list", "normalized"])]

    def __str__(self) -> str:
        return self.name
