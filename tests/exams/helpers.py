"""Builders for exam tests: a small bank and an open session."""

import datetime
from decimal import Decimal

from django.utils import timezone

from exams.models import KnowledgePoint, Question, QuestionType
from exams.services import exam_session_create

TOPICS = ["政策法规", "服务礼仪规范", "一网通办平台操作"]


def make_bank(per_type: int = 4) -> dict[str, KnowledgePoint]:
    points = {name: KnowledgePoint.objects.get_or_create(name=name)[0] for name in TOPICS}
    for kp in points.values():
        for i in range(per_type):
            Question.objects.create(
                type=QuestionType.SINGLE,
                stem=f"{kp.name}单选{i}",
                options=["甲", "乙", "丙", "丁"],
                answer=["B"],
                knowledge_point=kp,
                explanation="因为乙。",
            )
            Question.objects.create(
                type=QuestionType.MULTIPLE,
                stem=f"{kp.name}多选{i}",
                options=["甲", "乙", "丙", "丁"],
                answer=["A", "C"],
                knowledge_point=kp,
            )
            Question.objects.create(
                type=QuestionType.TRUE_FALSE,
                stem=f"{kp.name}判断{i}",
                options=["正确", "错误"],
                answer=["A"],
                knowledge_point=kp,
            )
            Question.objects.create(
                type=QuestionType.FILL_BLANK,
                stem=f"{kp.name}填空{i}",
                answer=[["一网通办", "一网通辦"]],
                knowledge_point=kp,
            )
            Question.objects.create(
                type=QuestionType.SHORT_ANSWER, stem=f"{kp.name}简答{i}", knowledge_point=kp
            )
    return points


def open_session(
    department,
    *,
    staff=(),
    departments=(),
    minutes=60,
    rules=None,
    opens=None,
    closes=None,
    **fields,
):
    now = timezone.now()
    session = exam_session_create(
        title="2026年11月月考",
        kind="monthly",
        department=department,
        opens_at=opens or now - datetime.timedelta(minutes=5),
        closes_at=closes or now + datetime.timedelta(hours=3),
        duration_minutes=minutes,
        staff_ids=[s.pk for s in staff],
        department_ids=[d.pk for d in departments],
        rules=rules
        if rules is not None
        else [
            {"type": "single", "count": 2, "points": Decimal(10)},
            {"type": "multiple", "count": 2, "points": Decimal(10)},
            {"type": "true_false", "count": 2, "points": Decimal(10)},
            {"type": "fill_blank", "count": 2, "points": Decimal(10)},
            {"type": "short_answer", "count": 2, "points": Decimal(10)},
        ],
    )
    for name, value in fields.items():
        setattr(session, name, value)
    if fields:
        session.save()
    return session


def hand_in_and_score(attempt):
    """Hand in, then run the batched scorer as `finalise_attempts` does on exam day."""
    from exams.models import Attempt
    from exams.services import attempt_submit, attempts_score_handed_in

    attempt_submit(attempt=attempt)
    attempts_score_handed_in()
    return Attempt.objects.select_related("session").get(pk=attempt.pk)
