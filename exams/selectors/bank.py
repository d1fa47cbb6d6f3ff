"""Reads of the question bank."""

from __future__ import annotations

from ..models import KnowledgePoint


def point_and_below(point_id: int) -> list[int]:
    """A knowledge point and every point below it."""
    pairs = list(KnowledgePoint.objects.values_list("pk", "parent_id"))
    wanted, frontier = {point_id}, {point_id}
    while frontier:
        frontier = {pk for pk, parent in pairs if parent in frontier} - wanted
        wanted |= frontier
    return sorted(wanted)


def bank_questions(
    *,
    queryset,
    type: str = "",
    point_id: int | None = None,
    difficulty=None,
    status: str = "",
    text: str = "",
):
    """The bank filtered (`queryset` comes from access.questions_visible_to): by type,
    knowledge point and its sub-points, difficulty, status and words in the stem."""
    if type:
        queryset = queryset.filter(type=type)
    if point_id:
        queryset = queryset.filter(knowledge_point_id__in=point_and_below(point_id))
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    if status:
        queryset = queryset.filter(status=status)
    for word in (text or "").split()[:5]:
        queryset = queryset.filter(stem__icontains=word)
    return queryset.select_related("knowledge_point").order_by("-updated_at", "-id")
