from collections.abc import Iterator
from dataclasses import dataclass

from .models import AuditCheckpoint, AuditEntry
from .services import GENESIS_HASH


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def audit_chain_verify(*, batch_size: int = 2000) -> Iterator[ChainProblem]:
    """Walk the whole log in order and yield every break in the chain, then hold the
    log against every checkpoint: a checkpoint's head entry must still be there with
    the same hash, and as many entries up to it as were counted (a deleted tail, or
    a chain rebuilt from an edited row, fails here even if it is consistent)."""
    previous = GENESIS_HASH
    hashes_at: dict[int, tuple[str, int]] = {}
    wanted = set(AuditCheckpoint.objects.values_list("last_entry_id", flat=True))
    entries = AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size)
    for seen, entry in enumerate(entries, start=1):
        if entry.prev_hash != previous:
            yield ChainProblem(entry.id, "previous hash does not match")
        if entry.compute_hash() != entry.hash:
            yield ChainProblem(entry.id, "content does not match its hash")
        if entry.id in wanted:
            hashes_at[entry.id] = (entry.hash, seen)
        previous = entry.hash
    for checkpoint in AuditCheckpoint.objects.order_by("id"):
        if checkpoint.compute_mac() != checkpoint.mac:
            yield ChainProblem(checkpoint.last_entry_id, "checkpoint does not match its mac")
            continue
        if checkpoint.last_entry_id == 0:
            continue
        found = hashes_at.get(checkpoint.last_entry_id)
        if found is None:
            yield ChainProblem(checkpoint.last_entry_id, "checkpointed entry is missing")
        elif found[0] != checkpoint.head_hash:
            yield ChainProblem(checkpoint.last_entry_id, "checkpointed head hash differs")
        elif found[1] != checkpoint.entry_count:
            yield ChainProblem(checkpoint.last_entry_id, "entries missing before checkpoint")


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
