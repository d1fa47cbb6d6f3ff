"""Question versions and review.

Every change of a question's content makes a new version (`QuestionVersion`: the
content, who, when, a note); the first edit of a question without history records
its content before the edit as the version it had. Attempts keep the frozen copy of
what they were asked (`AttemptItem`), so a new version never changes a past paper.
`question_history` lists the versions with what changed against the previous one;
`bank.question_restore` makes an earlier version's content current again (as a new
version, through the same rules as an edit: the key of a question that has been asked
changes only through a key correction).

Review: when the city's `BankSettings.review_required` is on (the default), new and
imported questions start as drafts; `question_approve` by a coordinator other than
the author, or by an administrator, makes them live.
"""

from __future__ import annotations

import difflib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from organisation.access import is_administrator

from ..access import can_edit_bank
from ..messages import MSG_NOT_DRAFT, MSG_REVIEW_SELF
from ..models import BankSettings, KnowledgePoint, Question, QuestionStatus, QuestionVersion

# The fields a version holds, in the order a diff lists them.
VERSIONED_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "rubric",
    "reference_answer",
    "explanation",
    "knowledge_point",
    "difficulty",
    "points",
)
_TEXT_FIELDS = ("stem", "reference_answer", "explanation")


def review_required() -> bool:
    settings_row = BankSettings.objects.order_by("pk").first()
    return True if settings_row is None else settings_row.review_required


def new_question_status(requested: str | None = None) -> str:
    """The status a new or imported question starts with."""
    if review_required():
        return QuestionStatus.DRAFT
    return requested or QuestionStatus.ACTIVE


def question_content(question: Question) -> dict:
    """What a version records (JSON-serialisable)."""
    content = {}
    for name in VERSIONED_FIELDS:
        if name == "knowledge_point":
            content[name] = question.knowledge_point_id
        elif name == "points":
            content[name] = str(question.points) if question.points is not None else None
        else:
            content[name] = getattr(question, name)
    return content


def versions_first(*, questions: list[Question], acting_user=None, note: str = "") -> None:
    """Record new questions' content as their first version (at creation or import)."""
    QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(
                question=question,
                number=question.version,
                content=question_content(question),
                created_by=acting_user,
                note=str(note)[:200],
            )
            for question in questions
        ],
        batch_size=1000,
    )


def version_next(*, question: Question, before: dict, acting_user=None, note: str = "") -> None:
    """After a change of content: the version before it is kept (recorded now if the
    question had no history yet), and the new content becomes version + 1. Call in the
    transaction that saves the question."""
    if not QuestionVersion.objects.filter(question=question, number=question.version).exists():
        QuestionVersion.objects.create(
            question=question,
            number=question.version,
            content=before,
            created_by=question.created_by,
        )
    question.version += 1
    Question.objects.filter(pk=question.pk).update(version=question.version)
    QuestionVersion.objects.create(
        question=question,
        number=question.version,
        content=question_content(question),
        created_by=acting_user,
        note=str(note)[:200],
    )


def _shown(name: str, value) -> str:
    if value in (None, "", []):
        return ""
    if name == "knowledge_point":
        point = KnowledgePoint.objects.filter(pk=value).first()
        return point.name if point else ""
    if name in ("options", "answer"):
        return " | ".join(str(v) if not isinstance(v, list) else "/".join(v) for v in value)
    if name == "rubric":
        return "; ".join(f"{r.get('item', '')}({r.get('points', '')})" for r in value)
    return str(value)


def _text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(op, text) pieces: "equal", "delete" or "insert", character by character."""
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("equal", before[i1:i2]))
        else:
            if i2 > i1:
                pieces.append(("delete", before[i1:i2]))
            if j2 > j1:
                pieces.append(("insert", after[j1:j2]))
    return pieces


def question_history(*, question: Question) -> list[dict]:
    """Newest first: each version with its author, time, note and the fields changed
    against the version before it ({field, before, after, pieces})."""
    versions = list(
        QuestionVersion.objects.filter(question=question)
        .select_related("created_by")
        .order_by("number")
    )
    history = []
    previous: dict | None = None
    for version in versions:
        changes = []
        if previous is not None:
            for name in VERSIONED_FIELDS:
                old, new = previous.get(name), version.content.get(name)
                if old == new:
                    continue
                before, after = _shown(name, old), _shown(name, new)
                changes.append(
                    {
                        "field": name,
                        "label": Question._meta.get_field(name).verbose_name,
                        "before": before,
                        "after": after,
                        "pieces": _text_diff(before, after) if name in _TEXT_FIELDS else [],
                    }
                )
        history.append(
            {
                "number": version.number,
                "created_by": version.created_by,
                "created_at": version.created_at,
                "note": version.note,
                "current": version.number == question.version,
                "changes": changes,
            }
        )
        previous = version.content
    history.reverse()
    return history


def question_approve(*, question: Question, acting_user, request=None) -> Question:
    """A draft goes live: reviewed by someone other than its author, or an
    administrator."""
    if not can_edit_bank(acting_user):
        raise PermissionDenied
    if question.status != QuestionStatus.DRAFT:
        raise ValidationError(MSG_NOT_DRAFT, code="not_draft")
    if question.created_by_id == acting_user.pk and not is_administrator(acting_user):
        raise ValidationError(MSG_REVIEW_SELF, code="review_self")
    with transaction.atomic():
        question.status = QuestionStatus.ACTIVE
        question.reviewed_by = acting_user
        question.reviewed_at = timezone.now()
        question.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        audit_record(
            action="exam.question_approved",
            actor=acting_user,
            target=question,
            request=request,
            data={"version": question.version},
        )
    return question
