"""In-person classes: scheduling, the rotating check-in code, check-in and check-out,
excuses, closing and the hours credited for the time present. Every refusal leaves
everything as it was."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from organisation.models import Role
from training import selectors, services
from training.hours import class_hours_for_seconds
from training.ics import class_ics
from training.models import ClassAttendance, Notification, StudyHourCredit, TrainingClass
from training.services import common as msg

from ..factories import StaffFactory, make_learner, make_user_with_role
from .class_helpers import schedule

pytestmark = pytest.mark.django_db

MIN = datetime.timedelta(minutes=1)


@pytest.fixture
def people(city):
    return [make_learner(city.township_a1) for _ in range(3)]


@pytest.fixture
def klass(coordinator_a, city, people):
    return schedule(coordinator_a, city.county_a, people=[s for _u, s in people])


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- scheduling ------------------------------------------------------------------------


def test_scheduling_invites_the_expected_people_and_prices_the_class_by_the_credit_table(
    coordinator_a, city, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        klass = schedule(coordinator_a, city.county_a, people=[s for _u, s in people])
    assert klass.hours == Decimal("5")  # 150 minutes: five blocks of 30 minutes
    assert set(klass.attendances.values_list("staff_id", flat=True)) == {s.pk for _u, s in people}
    invites = Notification.objects.filter(key=f"class-invite:{klass.pk}")
    assert invites.count() == 3
    assert "一网通办平台实操培训" in invites.first().title
    assert AuditEntry.objects.filter(action="training.class_scheduled").exists()


def test_a_unit_audience_with_posts_invites_only_those_posts(coordinator_a, city):
    clerk = StaffFactory(department=city.township_a2, post="综合窗口受理")
    StaffFactory(department=city.township_a2, post="后台审批")
    StaffFactory(department=city.township_b1, post="综合窗口受理")  # another county
    klass = schedule(
        coordinator_a, city.county_a, units=[city.township_a2], audience_posts=["综合窗口受理"]
    )
    assert list(klass.attendances.values_list("staff_id", flat=True)) == [clerk.pk]


def test_class_hours_follow_the_credit_table():
    from training.models import Programme

    table = Programme(
        lesson_minutes_per_credit=30,
        lesson_credit_hours=Decimal("1"),
        lesson_short_minutes=15,
        lesson_short_hours=Decimal("0.5"),
        lesson_brief_minutes=1,
        lesson_brief_hours=Decimal("0.25"),
    )
    assert class_hours_for_seconds(table, 150 * 60) == Decimal("5")
    assert class_hours_for_seconds(table, 100 * 60) == Decimal("3.25")
    assert class_hours_for_seconds(table, 50 * 60) == Decimal("1.5")
    assert class_hours_for_seconds(table, 30) == Decimal("0")


BAD_CLASSES = {
    "in the past": ({"starts_in": -datetime.timedelta(hours=1)}, msg.MSG_CLASS_IN_PAST),
    "capacity 0": ({"capacity": 0}, msg.MSG_CLASS_CAPACITY),
    "ends before it starts": ({"minutes": -30}, msg.MSG_CLASS_ENDS_BEFORE_START),
    "no trainer": ({"trainer_name": ""}, msg.MSG_CLASS_TRAINER_REQUIRED),
    "no venue": ({"venue": "  "}, msg.MSG_CLASS_VENUE_REQUIRED),
    "more people than seats": ({"capacity": 2}, msg.MSG_CLASS_OVER_CAPACITY),
}


@pytest.mark.parametrize("case", list(BAD_CLASSES))
def test_bad_classes_are_refused_with_a_clear_message_and_nothing_changes(
    coordinator_a, city, people, case, django_capture_on_commit_callbacks
):
    kwargs, message = BAD_CLASSES[case]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        schedule(coordinator_a, city.county_a, people=[s for _u, s in people], **kwargs)
    expected = str(message) if "%(" not in str(message) else "3"
    assert any(expected in m for m in _messages(error.value))
    assert not TrainingClass.objects.exists()
    assert not ClassAttendance.objects.exists()
    assert not Notification.objects.exists()


def test_the_messages_are_chinese(coordinator_a, city, people, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        schedule(coordinator_a, city.county_a, people=[s for _u, s in people], capacity=0)
    assert "容纳人数" in " ".join(_messages(error.value))


def test_nobody_expected_and_people_outside_the_unit_are_refused(coordinator_a, city):
    outsider = StaffFactory(department=city.township_b1)
    with pytest.raises(ValidationError) as error:
        schedule(coordinator_a, city.county_a)
    assert str(msg.MSG_CLASS_AUDIENCE_EMPTY) in _messages(error.value)
    with pytest.raises(ValidationError) as error:
        schedule(coordinator_a, city.county_a, people=[outsider])
    assert str(msg.MSG_CLASS_AUDIENCE_OUTSIDE) in _messages(error.value)
    assert not TrainingClass.objects.exists()


def test_a_class_outside_the_coordinators_units_is_refused(coordinator_a, city):
    staff = StaffFactory(department=city.township_b1)
    with pytest.raises(PermissionDenied):
        schedule(coordinator_a, city.county_b, people=[staff])
    assert not TrainingClass.objects.exists()


# --- the rotating code and check-in ------------------------------------------------------


def test_a_learner_checks_in_with_the_current_code(klass, people):
    _user, staff = people[0]
    now = klass.starts_at - 10 * MIN
    code = services.class_code(training_class=klass, now=now)
    attendance = services.class_check_in(training_class=klass, staff=staff, token=code, now=now)
    assert attendance.checked_in_at == now and attendance.check_in_method == "qr"


def test_the_previous_code_still_works_but_an_older_one_is_stale(klass, people):
    now = klass.starts_at
    code = services.class_code(training_class=klass, now=now)
    services.class_check_in(
        training_class=klass,
        staff=people[0][1],
        token=code,
        now=now + datetime.timedelta(seconds=services.CODE_WINDOW_SECONDS),
    )
    with pytest.raises(ValidationError) as error:
        services.class_check_in(
            training_class=klass,
            staff=people[1][1],
            token=code,
            now=now + datetime.timedelta(seconds=2 * services.CODE_WINDOW_SECONDS),
        )
    assert _messages(error.value) == [str(msg.MSG_CHECKIN_CODE_EXPIRED)]
    assert ClassAttendance.objects.get(staff=people[1][1]).checked_in_at is None


def test_a_code_of_another_class_or_a_forged_one_is_refused(klass, coordinator_a, city, people):
    other = schedule(coordinator_a, city.county_a, people=[people[0][1]], title="另一个班")
    now = klass.starts_at
    for token in (services.class_code(training_class=other, now=now), "1.999:abc:def", ""):
        with pytest.raises(ValidationError) as error:
            services.class_check_in(training_class=klass, staff=people[0][1], token=token, now=now)
        assert _messages(error.value) == [str(msg.MSG_CHECKIN_CODE_INVALID)]
    assert not ClassAttendance.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.parametrize("when", ["too early", "after the end"])
def test_check_in_outside_the_class_time_is_refused(klass, people, when):
    now = klass.starts_at - 31 * MIN if when == "too early" else klass.ends_at + MIN
    code = services.class_code(training_class=klass, now=now)
    with pytest.raises(ValidationError) as error:
        services.class_check_in(training_class=klass, staff=people[0][1], token=code, now=now)
    assert "签到" in error.value.messages[0] or "Check-in is open" in error.value.messages[0]
    assert error.value.error_list[0].code == "outside"
    assert ClassAttendance.objects.get(staff=people[0][1]).checked_in_at is None


def test_a_second_check_in_is_refused_and_keeps_the_first(klass, people):
    staff = people[0][1]
    first = klass.starts_at
    services.class_check_in(
        training_class=klass,
        staff=staff,
        token=services.class_code(training_class=klass, now=first),
        now=first,
    )
    later = first + 10 * MIN
    with pytest.raises(ValidationError) as error:
        services.class_check_in(
            training_class=klass,
            staff=staff,
            token=services.class_code(training_class=klass, now=later),
            now=later,
        )
    assert error.value.error_list[0].code == "already"
    assert ClassAttendance.objects.get(staff=staff).checked_in_at == first


def test_someone_not_expected_cannot_check_in(klass, city):
    _user, stranger = make_learner(city.township_a1)
    now = klass.starts_at
    with pytest.raises(ValidationError) as error:
        services.class_check_in(
            training_class=klass,
            staff=stranger,
            token=services.class_code(training_class=klass, now=now),
            now=now,
        )
    assert _messages(error.value) == [str(msg.MSG_CHECKIN_NOT_EXPECTED)]
    assert not ClassAttendance.objects.filter(staff=stranger).exists()


def test_the_trainer_checks_a_person_in_by_their_personal_code(klass, people, coordinator_a):
    staff = people[0][1]
    code = services.personal_code(staff=staff)
    assert services.staff_for_personal_code(code) == staff
    with pytest.raises(ValidationError):
        services.staff_for_personal_code(code + "x")
    attendance = services.class_check_in_by_trainer(
        training_class=klass, staff=staff, actor=coordinator_a, now=klass.starts_at
    )
    assert attendance.check_in_method == "trainer"


# --- leaving, closing, hours ----------------------------------------------------------------


def _check_in(klass, staff, at):
    return services.class_check_in(
        training_class=klass,
        staff=staff,
        token=services.class_code(training_class=klass, now=at),
        now=at,
    )


def test_closing_credits_the_time_present_and_tells_the_absent(
    klass, people, coordinator_a, django_capture_on_commit_callbacks
):
    (_u, on_time), (u_late, late), (u_absent, absent) = people
    _check_in(klass, on_time, klass.starts_at - 5 * MIN)
    _check_in(klass, late, klass.starts_at + 20 * MIN)
    before = selectors.hours_for(staff=late, year=klass.programme.year)
    with django_capture_on_commit_callbacks(execute=True):
        services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at + MIN)

    credits = {
        c.staff_id: c for c in StudyHourCredit.objects.filter(source_key=f"class:{klass.pk}")
    }
    assert credits[on_time.pk].hours == Decimal("5")  # the whole class, no more
    assert credits[late.pk].hours == Decimal("4.25")  # 130 minutes: 4 + 0.25
    assert absent.pk not in credits
    assert selectors.hours_for(staff=late, year=klass.programme.year) == before + Decimal("4.25")
    states = {r.staff.pk: r.state for r in selectors.attendance_list(training_class=klass).rows}
    assert states == {on_time.pk: "present", late.pk: "late", absent.pk: "absent"}
    assert Notification.objects.filter(user=u_absent, key=f"class-absent:{klass.pk}").exists()
    assert not Notification.objects.filter(user=u_late, key=f"class-absent:{klass.pk}").exists()
    asked = Notification.objects.filter(key=f"class-rate:{klass.pk}")
    assert set(asked.values_list("user_id", flat=True)) == {on_time.user_id, late.user_id}


def test_leaving_early_is_recorded_and_credited_for_the_time_present(klass, people, coordinator_a):
    staff = people[0][1]
    _check_in(klass, staff, klass.starts_at)
    attendance = services.class_check_out(
        training_class=klass, staff=staff, now=klass.starts_at + 50 * MIN
    )
    assert attendance.hours_credited == Decimal("1.5")
    with pytest.raises(ValidationError):
        services.class_check_out(training_class=klass, staff=staff, now=klass.ends_at)
    services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at)
    row = next(
        r for r in selectors.attendance_list(training_class=klass).rows if r.staff.pk == staff.pk
    )
    assert row.left_early and row.state == "present"
    assert StudyHourCredit.objects.get(staff=staff).hours == Decimal("1.5")


def test_a_class_cannot_be_closed_before_it_starts_or_twice(klass, coordinator_a):
    with pytest.raises(ValidationError) as error:
        services.class_close(training_class=klass, actor=coordinator_a, now=klass.starts_at - MIN)
    assert _messages(error.value) == [str(msg.MSG_CLASS_NOT_STARTED)]
    klass.refresh_from_db()
    assert klass.closed_at is None
    services.class_close(training_class=klass, actor=coordinator_a, now=klass.starts_at + MIN)
    with pytest.raises(ValidationError):
        services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at)


def test_after_the_close_nobody_checks_in(klass, people, coordinator_a):
    services.class_close(training_class=klass, actor=coordinator_a, now=klass.starts_at + MIN)
    klass.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        _check_in(klass, people[0][1], klass.starts_at + 2 * MIN)
    assert _messages(error.value) == [str(msg.MSG_CLASS_CLOSED)]


def test_excuses_need_a_reason_and_an_absence(klass, people, coordinator_a):
    present, absent = people[0][1], people[1][1]
    _check_in(klass, present, klass.starts_at)
    with pytest.raises(ValidationError) as error:
        services.class_excuse(training_class=klass, staff=absent, reason=" ", actor=coordinator_a)
    assert str(msg.MSG_EXCUSE_REASON_REQUIRED) in _messages(error.value)
    with pytest.raises(ValidationError):
        services.class_excuse(
            training_class=klass, staff=present, reason="病假", actor=coordinator_a
        )
    services.class_excuse(training_class=klass, staff=absent, reason="病假", actor=coordinator_a)
    services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at)
    states = {r.staff.pk: r.state for r in selectors.attendance_list(training_class=klass).rows}
    assert states[absent.pk] == "excused" and states[present.pk] == "present"
    assert ClassAttendance.objects.get(staff=present).excuse_reason == ""


def test_absences_count_in_the_managers_weekly_digest(
    klass, people, coordinator_a, city, django_capture_on_commit_callbacks
):
    manager = make_user_with_role(Role.MANAGER, city.county_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at)
    services.reminders_send()
    digest = Notification.objects.get(user=manager, key__startswith="digest:")
    assert "一网通办平台实操培训" in digest.body


# --- the learner's side -------------------------------------------------------------------


def test_upcoming_classes_and_the_calendar_file(klass, people):
    staff = people[0][1]
    upcoming = selectors.upcoming_classes_for(staff=staff)
    assert [c.training_class for c in upcoming] == [klass]
    text = class_ics(klass, url="https://peixun.example.cn/x")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    start = klass.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}\r\n" in text
    assert "SUMMARY:一网通办平台实操培训" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert timezone.now() < klass.starts_at
