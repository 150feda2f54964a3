from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

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


class User(AbstractUser):  # type: ignore[django-manager-missing]  # Passkey: django-otp is untyped
    """A person who signs in. The username is the e-mail address, stored as its sign-in
    identity (identity.normalised_identity)."""

    email = models.EmailField(_("e-mail"), unique=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # the person's own choice of language (apps.accounts.language); "" follows the organisation
    language = models.CharField(max_length=8, blank=True, default="")
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


class Passkey(Device):
    """A passkey (WebAuthn credential) a person registered as a second factor: its credential
    id and public key (COSE), the authenticator's signature counter (a clone shows by a counter
    that goes back), the transports the browser named. A django-otp device, so a session
    verified with it counts as signed in with two steps wherever a code does. In the schema the
    person lives in (public for partner people, the tenant's for its users)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.BinaryField(unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def verify_token(self, token: object) -> bool:
        return False  # a passkey answers a challenge (mfa.passkeys), never a typed code


class UserSession(models.Model):
    """One signed-in browser session of a person, for them and their admin to see and end:
    the Django session's key (kept current when the key is cycled), the browser and address at
    sign-in, when it began and was last seen (written at most once a minute)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    signed_in_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.signed_in_at:%Y-%m-%d %H:%M}"
