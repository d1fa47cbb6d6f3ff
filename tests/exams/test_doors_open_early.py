"""Doors open early (an option per session): people may start from N minutes before
the opening time, each with their full duration, so that a city's start spreads out."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from exams.messages import MSG_NOT_OPEN
from exams.selectors import open_sessions_for, upcoming_sessions_for
from exams.services import attempt_start

from ..factories import StaffFactory
from .helpers import make_bank, open_session


@pytest.fixture
def staff(city):
    return StaffFactory(department=city.township_a1)


def _session(city, *, doors: int, opens_in_minutes: int, minutes: int = 60):
    make_bank()
    now = timezone.now()
    return open_session(
        city.county_a,
        departments=[city.county_a],
        minutes=minutes,
        opens=now + datetime.timedelta(minutes=opens_in_minutes),
        closes=now + datetime.timedelta(hours=4),
        doors_open_minutes=doors,
    )


def test_with_doors_open_a_person_starts_early_with_the_full_duration(city, staff):
    session = _session(city, doors=15, opens_in_minutes=10)
    assert session in open_sessions_for(staff=staff)
    assert session not in upcoming_sessions_for(staff=staff)
    now = timezone.now()
    attempt = attempt_start(session=session, staff=staff, now=now)
    assert attempt.started_at == now < session.opens_at
    assert attempt.deadline == now + datetime.timedelta(minutes=60)


def test_before_the_doors_open_nobody_starts(city, staff):
    session = _session(city, doors=15, opens_in_minutes=20)
    assert session not in open_sessions_for(staff=staff)
    assert session in upcoming_sessions_for(staff=staff)
    with pytest.raises(PermissionDenied) as exc:
        attempt_start(session=session, staff=staff)
    assert str(exc.value) == str(MSG_NOT_OPEN)


def test_without_the_option_the_opening_time_is_the_start(city, staff):
    session = _session(city, doors=0, opens_in_minutes=5)
    with pytest.raises(PermissionDenied):
        attempt_start(session=session, staff=staff)
    later = session.opens_at + datetime.timedelta(seconds=1)
    attempt = attempt_start(session=session, staff=staff, now=later)
    assert attempt.deadline == later + datetime.timedelta(minutes=60)


def test_the_session_page_offers_the_option(client, coordinator_a):
    client.force_login(coordinator_a)
    page = client.get("/exams/manage/new/")
    assert page.status_code == 200
    assert 'name="doors_open_minutes"' in page.text
    assert "提前入场" in page.text
