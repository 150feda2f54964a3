from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One thing that happened, chained to the event before it.

    `hash` is SHA-256 over the previous event's hash and this event's canonical JSON, so a
    changed, removed or reordered row breaks the chain at that point. A PostgreSQL trigger
    (migrations 0002, 0010) refuses UPDATE and DELETE on this table, but the one UPDATE that
    links an event: an event is written unlinked (`prev_hash` and `hash` NULL) by a writer that
    does not wait for the tenant's other writers, and the chainer links the committed events
    in id order after the commit (apps.audit.services.audit_chain_link).
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=254, blank=True, help_text="e-mail or system:<name>")
    on_behalf_of = models.CharField(max_length=254, blank=True)
    # indexed below, once, for both equality and prefix (`action__startswith`) filters
    action = models.CharField(max_length=80)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    request_id = models.CharField(max_length=64, blank=True)
    # NULL: no policy decided this event (CONTRACT §3 has it nullable), unlike an empty string.
    policy_version = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # NULL until the chainer links the event (both at once; linked events are a prefix in id order)
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True)  # noqa: DJ001  unique (Meta), no pattern
    # the sealed personal values (apps.audit.personal): where each sits, whose it is, and its
    # HMAC under that person's key. NULL: the event names nobody, or was written before
    # sealing (chain version 1); either way the chain hashes the row as it reads.
    personal = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        # Every event pays for each index: batch jobs append thousands at a time.
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-id"]),
            models.Index(fields=["action"], name="audit_action", opclasses=["varchar_pattern_ops"]),
            # the documents one action opened in a period (the process map's cases: the
            # requisitions created, the invoices received), from the index alone; the `at`
            # index would walk every event of the period
            models.Index(fields=["action", "at"], include=["subject_id"], name="audit_action_at"),
            # the events waiting for the chainer: a handful at any time, found without a scan
            models.Index(fields=["id"], name="audit_unlinked", condition=models.Q(hash=None)),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_unique")]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit events are append-only.")


class SubjectKey(models.Model):
    """One data subject's key (a user, a supplier's contact: `ref` is `user:12`, `contact:3`).

    The chain covers the subject's personal values through HMACs under this key; erasure
    destroys the key (`key` NULL, `erased_at` set) and rewrites the values to the subject's
    pseudonym, `erased-person-<id>`. The row stays: it tells verification that the seals of
    this subject may no longer be recomputed, and why (an erasure, itself audited)."""

    ref = models.CharField(max_length=64, unique=True)
    key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.ref

    @property
    def pseudonym(self) -> str:
        return f"erased-person-{self.pk}"
