from collections.abc import Iterator
from dataclasses import dataclass

from .models import AuditEntry
from .services import GENESIS_HASH


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def audit_chain_verify(*, batch_size: int = 2000) -> Iterator[ChainProblem]:
    """Walk the whole log in order and yield every break in the chain."""
    previous = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != previous:
            yield ChainProblem(entry.id, "previous hash does not match")
        if entry.compute_hash() != entry.hash:
            yield ChainProblem(entry.id, "content does not match its hash")
        previous = entry.hash


def audit_entry_list(
    *,
    action: str = "",
    actor: str = "",
    target: str = "",
    since=None,
    until=None,
):
    """Entries, newest first, filtered. Only administrators reach this (see views)."""
    queryset = AuditEntry.objects.all()
    if action:
        queryset = queryset.filter(action__startswith=action)
    if actor:
        queryset = queryset.filter(actor_label=actor)
    if target:
        queryset = queryset.filter(target_id=target)
    if since:
        queryset = queryset.filter(at__date__gte=since)
    if until:
        queryset = queryset.filter(at__date__lte=until)
    return queryset.order_by("-id")
