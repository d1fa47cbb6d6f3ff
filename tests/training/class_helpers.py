"""Builders for class tests: a class of county A's programme, scheduled through the
service, with learners in township A1 expected."""

from __future__ import annotations

import datetime

from django.utils import timezone

from training import services

from .helpers import make_programme


def schedule(
    coordinator,
    department,
    *,
    people=(),
    units=(),
    starts_in=datetime.timedelta(hours=1),
    minutes=150,
    capacity=30,
    now=None,
    programme=None,
    **kwargs,
):
    now = now or timezone.now()
    starts_at = now + starts_in
    return services.class_schedule(
        actor=coordinator,
        department=department,
        programme=programme or make_programme(department),
        title=kwargs.pop("title", "一网通办平台实操培训"),
        venue=kwargs.pop("venue", "市民中心三楼培训室"),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        capacity=capacity,
        trainer_name=kwargs.pop("trainer_name", "王老师"),
        audience_staff=list(people),
        audience_departments=list(units),
        now=now,
        **kwargs,
    )
