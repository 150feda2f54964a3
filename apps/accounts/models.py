from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import normalised_identity


class SpendgateUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # exact on the stored form: the lockout counts this very identity (identity.py)
        return self.get(email=normalised_identity(username))

    def with_identity(self, address: object) -> models.QuerySet[User]:
        """The user (none or one) an e-mail address written any way names."""
        return self.filter(email=normalised_identity(address))

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra_fields)


class User(AbstractUser):
    """A person who signs in. The username is the e-mail address, stored as its sign-in
    identity (identity.normalised_identity)."""

    email = models.EmailField(_("e-mail"), unique=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    language = models.CharField(max_length=8, default="en")
    invited_at = models.DateTimeField(null=True, blank=True)
    # an integration's identity (apps.integrations ServiceAccount): no password, no role, never
    # listed among people
    is_service_account = models.BooleanField(default=False)

    objects: ClassVar[SpendgateUserManager] = SpendgateUserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"  # `username` is kept equal to it (save) for tools that read it
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        permissions = [
            ("view_reference_data", "Can view reference data"),
            ("manage_reference_data", "Can change reference data"),
            ("submit_requisition", "Can create and submit requisitions"),
            ("approve", "Can decide approval tasks"),
            ("manage_purchase_orders", "Can issue and change purchase orders"),
            ("manage_contracts", "Can register contracts and their catalogs"),
            ("post_goods_receipt", "Can post goods receipts"),
            ("manage_suppliers", "Can invite and review suppliers"),
            ("process_invoices", "Can work invoices and exceptions"),
            ("release_payments", "Can approve invoices for payment"),
            ("view_audit", "Can read the audit trail and evidence packs"),
            ("view_insights", "Can read every figure on the insights pages"),
            ("manage_users", "Can invite users and assign roles"),
            ("manage_settings", "Can change tenant settings and policies"),
            ("manage_webhooks", "Can manage webhook endpoints"),
            ("use_supplier_portal", "Can use the supplier portal"),
            ("review_screening", "Can review sanctions screening hits"),
            ("verify_bank_details", "Can verify and approve supplier bank changes"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalised_identity(self.email)
        self.username = self.email
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MonthlySignIn(models.Model):
    """That a person signed in at least once in a month (the first of it, in the tenant's time
    zone), and when first and last: `last_login` keeps only the latest, and the partner bills
    each month's active users (apps.partners.usage) however long ago it was."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="monthly_sign_ins")
    month = models.DateField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="monthly_sign_in_once"),
        ]
        indexes = [models.Index(fields=["month"], name="monthly_sign_in_month")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}"
