"""Writing to the audit log. Every change that matters calls `audit_record`."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.clientip import client_ip

from .models import AuditCheckpoint, AuditEntry

__all__ = [
    "GENESIS_HASH",
    "audit_checkpoint_write",
    "audit_record",
    "audit_record_many",
    "client_ip",
]

logger = logging.getLogger("audit.checkpoint")

GENESIS_HASH = "0" * 64
# Any constant works; it names the advisory lock that serialises chain appends.
_PG_LOCK_KEY = 0x4155444954


def audit_record(
    *,
    action: str,
    actor=None,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry, chained to the previous entry's hash.

    Appends are serialised (an advisory lock on PostgreSQL, the write lock on
    SQLite) so that the chain never forks.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(getattr(target, "public_id", None) or target.pk)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username() if actor is not None else "",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            data=data or {},
            ip_address=client_ip(request),
            prev_hash=last or GENESIS_HASH,
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


def audit_record_many(entries: list[dict]) -> list[AuditEntry]:
    """Append many entries at once, in the given order, chained like `audit_record`'s:
    one lock, one read of the head and one INSERT for the lot. For batch work whose
    every row is a change that matters (the scorer records the hand-ins it scores),
    where an `audit_record` per row would queue every writer of the city on the lock.

    Each entry is a dict of `action`, `target` (or `target_type` and `target_id`),
    optionally `at` (when it happened; default now) and `data`. No actor and no
    address: the batch runs on no one's request."""
    if not entries:
        return []
    now = timezone.now()
    rows = []
    for spec in entries:
        target = spec.get("target")
        target_type = spec.get("target_type", "")
        target_id = spec.get("target_id", "")
        if target is not None:
            target_type = target_type or target._meta.label_lower
            target_id = target_id or str(getattr(target, "public_id", None) or target.pk)
        rows.append(
            AuditEntry(
                at=spec.get("at") or now,
                actor=None,
                actor_label="",
                action=spec["action"],
                target_type=target_type,
                target_id=str(target_id),
                data=spec.get("data") or {},
                ip_address=None,
            )
        )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        for entry in rows:
            entry.prev_hash = last or GENESIS_HASH
            entry.hash = last = entry.compute_hash()
        AuditEntry.objects.bulk_create(rows)
    return rows


def audit_checkpoint_write(*, using: str | None = None) -> AuditCheckpoint:
    """Record the chain's head and its entry count (run every minute).

    `using` is the database alias of the checkpoint role ("audit_checkpoint" when
    AUDIT_CHECKPOINT_DATABASE_URL is set, see docs/security.md); the checkpoint is
    also written to the log, which is shipped off the machine.
    """
    using = using or ("audit_checkpoint" if "audit_checkpoint" in settings.DATABASES else "default")
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":
            with connections[using].cursor() as cursor:
                # The same lock as the appends: the head and the count agree.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        entries = AuditEntry.objects.using(using)
        head = entries.order_by("-id").values("id", "hash").first()
        checkpoint = AuditCheckpoint(
            at=timezone.now(),
            last_entry_id=head["id"] if head else 0,
            entry_count=entries.count(),
            head_hash=head["hash"] if head else GENESIS_HASH,
        )
        checkpoint.mac = checkpoint.compute_mac()
        checkpoint.save(using=using)
    logger.info(
        "audit checkpoint: last entry %s, %s entries, head %s, mac %s",
        checkpoint.last_entry_id,
        checkpoint.entry_count,
        checkpoint.head_hash,
        checkpoint.mac,
    )
    return checkpoint
