"""Small builders for training tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from training.models import Lesson, Programme, Tier, Track, WeeklyModule


def make_programme(department, **kwargs) -> Programme:
    defaults = {
        "name": "综窗人员岗位能力提升 2026",
        "year": timezone.localdate().year,
        "department": department,
        "annual_hours_target": Decimal("40"),
    }
    defaults.update(kwargs)
    return Programme.objects.create(**defaults)


def make_track(programme, **kwargs) -> Track:
    defaults = {"name": "在岗人员", "tier": Tier.IN_SERVICE}
    defaults.update(kwargs)
    return Track.objects.create(programme=programme, **defaults)


def make_module(track, *, week=1, starts_on=None, due_on=None, published=True, **kwargs):
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=1)
    due_on = due_on or starts_on + datetime.timedelta(days=6)
    return WeeklyModule.objects.create(
        track=track,
        week=week,
        title=kwargs.pop("title", f"第{week}周"),
        starts_on=starts_on,
        due_on=due_on,
        published_at=timezone.now() if published else None,
        **kwargs,
    )


def make_lesson(module, *, video_seconds=2400, order=1, **kwargs) -> Lesson:
    return Lesson.objects.create(
        module=module,
        order=order,
        title=kwargs.pop("title", f"课程{order}"),
        video_url=kwargs.pop("video_url", "https://video.example.cn/lesson.mp4"),
        video_seconds=video_seconds,
        **kwargs,
    )


def fill_bank(points, *, single=12, multiple=4, true_false=8) -> None:
    """Active objective questions for each knowledge point (enough for the default
    monthly blueprint over two points, a weekly quiz and a follow-up check)."""
    from exams.models import Question, QuestionType

    rows = []
    for point in points:
        for i in range(single):
            rows.append(
                Question(
                    type=QuestionType.SINGLE,
                    stem=f"{point.name}单选{i}",
                    options=["甲", "乙", "丙", "丁"],
                    answer=["A"],
                    knowledge_point=point,
                )
            )
        for i in range(multiple):
            rows.append(
                Question(
                    type=QuestionType.MULTIPLE,
                    stem=f"{point.name}多选{i}",
                    options=["甲", "乙", "丙", "丁"],
                    answer=["A", "B"],
                    knowledge_point=point,
                )
            )
        for i in range(true_false):
            rows.append(
                Question(
                    type=QuestionType.TRUE_FALSE,
                    stem=f"{point.name}判断{i}",
                    options=["正确", "错误"],
                    answer=["A"],
                    knowledge_point=point,
                )
            )
    Question.objects.bulk_create(rows)
