"""An append-only audit log, chained with a keyed hash (HMAC-SHA256).

The key (AUDIT_HMAC_KEY) lives in the environment, not in the database, so whoever
can write to the database cannot recompute a valid chain after editing a row. A
deleted tail leaves a valid chain behind; checkpoints of the head and the count,
written to a table the application's database role may only read (see
docs/security.md), reveal it.
"""

import functools
import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@functools.cache
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"audit-chain:" + secret.encode()).digest()


def audit_mac(payload: str) -> str:
    """HMAC-SHA256 of `payload` under the audit key (derived from SECRET_KEY locally)."""
    secret = settings.AUDIT_HMAC_KEY or "derived:" + settings.SECRET_KEY
    return hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # The row is never touched again: deleting an account keeps its entries as
        # written (actor id and label), hence no database constraint and no SET_NULL.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def compute_hash(self) -> str:
        payload = json.dumps(
            {
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_label": self.actor_label,
                "action": self.action,
                "target_type": self.target_type,
                "target_id": self.target_id,
                "data": self.data,
                "ip": self.ip_address,
                "prev": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        return audit_mac(payload)

    @property
    def data_text(self) -> str:
        """The details as people read them: `key: value` pairs, lists joined with 、,
        never a Python dict or list."""
        return _details_text(self.data or {})


def _details_text(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_details_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_details_text(item) for item in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


class AuditCheckpoint(models.Model):
    """The head of the chain and the number of entries up to it, at one moment.

    Written by `manage.py audit_checkpoint` (run every minute) through its own
    database role and connection when AUDIT_CHECKPOINT_DATABASE_URL is set, the one
    role allowed to insert here; the application's role only reads this table. Each
    checkpoint is also written to the log.
    """

    at = models.DateTimeField(_("time (UTC)"))
    last_entry_id = models.BigIntegerField(_("last entry"))
    entry_count = models.BigIntegerField(_("entries"))
    head_hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} #{self.last_entry_id} ({self.entry_count})"

    def compute_mac(self) -> str:
        return audit_mac(f"checkpoint:{self.last_entry_id}:{self.entry_count}:{self.head_hash}")
