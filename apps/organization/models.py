from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE = RegexValidator(r"^[A-Z0-9][A-Z0-9-]{0,19}$", _("Use upper-case letters, digits and '-'."))
CURRENCY = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as EUR."))
COUNTRY = RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166 alpha-2 code such as DE."))


class LegalEntity(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[CODE])
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[COUNTRY])
    currency = models.CharField(max_length=3, validators=[CURRENCY], help_text=_("base currency"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CostCenter(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[CODE])
    name = models.CharField(max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_cost_centers",
    )
    legal_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="cost_centers"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SpendCategory(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[CODE])
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("spend categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Budget(models.Model):
    """What a cost center may spend in a period; `committed` is held by approved requests,
    `actual` by issued orders. Changed only under a row lock (see the procurement services)."""

    cost_center = models.ForeignKey(CostCenter, on_delete=models.PROTECT, related_name="budgets")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3, validators=[CURRENCY])
    amount = models.DecimalField(max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    committed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    actual = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cost_center", "period_start"], name="budget_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="budget_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cost_center.code} {self.period_start:%Y}"

    @property
    def code(self) -> str:
        return f"{self.cost_center.code}-{self.period_start:%Y%m}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.actual


class FxRate(models.Model):
    """Units of `quote` for one unit of `base`, valid from `valid_on` until the next rate."""

    base = models.CharField(max_length=3, validators=[CURRENCY])
    quote = models.CharField(max_length=3, validators=[CURRENCY])
    valid_on = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["-valid_on", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "valid_on"], name="fx_one_rate_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.valid_on})"
