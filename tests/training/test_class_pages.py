"""The class pages end to end through the test client: schedule by the form, the
rotating code's check-in page, close, the sign-in sheet as xlsx and PDF, the calendar
file, rating, the evaluations page and its export."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from training import services
from training.models import ClassAttendance, EvaluationResponse, StudyHourCredit, TrainingClass
from training.services import common as msg

from ..factories import make_learner
from .class_helpers import schedule
from .helpers import make_programme

pytestmark = pytest.mark.django_db


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_coordinator_schedules_a_class_with_the_form(client, coordinator_a, city):
    _u, staff = make_learner(city.township_a1)
    programme = make_programme(city.county_a)
    client.force_login(coordinator_a)
    assert client.get("/training/classes/new/").status_code == 200
    start = timezone.now() + datetime.timedelta(days=1)
    form = {
        "title": "政务服务礼仪",
        "programme": programme.pk,
        "department": city.county_a.pk,
        "trainer_name": "李老师",
        "venue": "县政务服务中心二楼",
        "starts_at": _local(start),
        "ends_at": _local(start + datetime.timedelta(hours=1)),
        "capacity": "0",
        "audience_numbers": staff.staff_number,
    }
    page = client.post("/training/classes/new/", form)
    assert page.status_code == 200 and not TrainingClass.objects.exists()
    assert html.escape(str(msg.MSG_CLASS_CAPACITY)) in page.content.decode()
    page = client.post("/training/classes/new/", {**form, "capacity": "20"})
    klass = TrainingClass.objects.get()
    assert page.status_code == 302 and page.url == f"/training/classes/{klass.public_id}/"
    assert klass.hours == Decimal("2") and klass.attendances.get().staff == staff
    past = {
        **form,
        "capacity": "20",
        "starts_at": _local(timezone.now() - datetime.timedelta(hours=2)),
    }
    page = client.post("/training/classes/new/", past)
    assert html.escape(str(msg.MSG_CLASS_IN_PAST)) in page.content.decode()
    assert TrainingClass.objects.count() == 1


@pytest.fixture
def running(coordinator_a, city):
    """A class that started five minutes ago, with one learner expected."""
    user, staff = make_learner(city.township_a1)
    now = timezone.now()
    klass = schedule(
        coordinator_a, city.county_a, people=[staff], now=now - datetime.timedelta(hours=1)
    )
    TrainingClass.objects.filter(pk=klass.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(minutes=55)
    )
    klass.refresh_from_db()
    return klass, user, staff


def test_the_learner_checks_in_through_the_qr_page_and_a_stale_code_is_refused(
    client, running, coordinator_a
):
    klass, user, staff = running
    client.force_login(coordinator_a)
    screen = client.get(f"/training/classes/{klass.public_id}/code/")
    assert screen.status_code == 200
    assert "data:image/svg+xml" in screen.content.decode()

    client.force_login(user)
    stale = services.class_code(
        training_class=klass, now=timezone.now() - datetime.timedelta(minutes=2)
    )
    page = client.get(f"/training/classes/{klass.public_id}/checkin/", {"code": stale})
    assert page.status_code == 400
    assert html.escape(str(msg.MSG_CHECKIN_CODE_EXPIRED)) in page.content.decode()
    page = client.post(f"/training/classes/{klass.public_id}/checkin/", {"code": stale})
    assert ClassAttendance.objects.get(staff=staff).checked_in_at is None

    code = services.class_code(training_class=klass)
    assert (
        client.get(f"/training/classes/{klass.public_id}/checkin/", {"code": code}).status_code
        == 200
    )
    page = client.post(f"/training/classes/{klass.public_id}/checkin/", {"code": code})
    assert page.status_code == 302
    assert ClassAttendance.objects.get(staff=staff).checked_in_at is not None
    page = client.post(f"/training/classes/{klass.public_id}/checkin/", {"code": code})
    assert page.status_code == 400

    ics = client.get(f"/training/classes/{klass.public_id}/class.ics")
    assert ics["Content-Type"] == "text/calendar" and b"BEGIN:VEVENT" in ics.content
    home = client.get("/")
    assert klass.title in home.content.decode()


def test_close_exports_and_rating(client, running, coordinator_a):
    klass, user, staff = running
    services.class_check_in(
        training_class=klass,
        staff=staff,
        token=services.class_code(training_class=klass, now=klass.starts_at),
        now=klass.starts_at,
    )
    client.force_login(coordinator_a)
    assert client.post(f"/training/classes/{klass.public_id}/close/").status_code == 302
    credit = StudyHourCredit.objects.get(staff=staff, source_key=f"class:{klass.pk}")
    assert credit.hours > 0

    sheet = client.get(f"/training/classes/{klass.public_id}/sign-in.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][1] == klass.title
    people = [r for r in rows if r and r[1] == staff.staff_number]
    assert people and people[0][0] == staff.name and people[0][8] == float(credit.hours)

    pdf = client.get(f"/training/classes/{klass.public_id}/sign-in.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert staff.name in text and klass.title in text

    client.force_login(user)
    url = f"/training/classes/{klass.public_id}/rate/"
    form = client.get(url)
    assert form.status_code == 200
    questions = form.context["form"].questions
    bad = {f"q{q.pk}": "4" for q in questions} | {f"q{questions[0].pk}": "6"}
    page = client.post(url, bad)
    assert (
        page.status_code == 400 and html.escape(str(msg.MSG_RATING_RANGE)) in page.content.decode()
    )
    assert not EvaluationResponse.objects.exists()
    page = client.post(url, {f"q{q.pk}": "4" for q in questions} | {"comment": "好"})
    assert page.status_code == 302 and EvaluationResponse.objects.count() == 1

    client.force_login(coordinator_a)
    page = client.get("/training/evaluations/")
    assert page.status_code == 200
    export = client.get("/training/evaluations/", {"format": "xlsx"})
    assert load_workbook(io.BytesIO(export.content)).sheetnames[0]


def test_the_trainer_scans_a_learners_personal_code(client, running, coordinator_a, city):
    klass, user, staff = running
    client.force_login(user)
    home = client.get("/training/my-code/")
    assert home.status_code == 200 and "data:image/svg+xml" in home.content.decode()
    url = f"/training/classes/person/{services.personal_code(staff=staff)}/"
    assert client.get(url).status_code == 404  # a learner cannot check people in

    client.force_login(coordinator_a)
    page = client.get(url)
    assert page.status_code == 200 and klass.title in page.content.decode()
    assert client.get("/training/classes/person/forged:code/").status_code == 400
    response = client.post(url, {"class": str(klass.public_id)})
    assert response.status_code == 302
    attendance = ClassAttendance.objects.get(staff=staff)
    assert attendance.checked_in_at is not None and attendance.check_in_method == "trainer"


def test_the_class_pages_queries_do_not_grow_with_people(client, coordinator_a, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [make_learner(city.township_a1)[1] for _ in range(2)]
    klass = schedule(coordinator_a, city.county_a, people=people, capacity=50)
    client.force_login(coordinator_a)
    urls = [
        f"/training/classes/{klass.public_id}/",
        f"/training/classes/{klass.public_id}/sign-in.xlsx",
        "/training/classes/",
        f"/api/training/classes/{klass.public_id}/",
    ]
    for url in urls:
        client.get(url)
    with CaptureQueriesContext(connection) as before:
        for url in urls:
            client.get(url)
    more = [make_learner(city.township_a2)[1] for _ in range(6)]
    from training.models import ClassAttendance

    ClassAttendance.objects.bulk_create(
        ClassAttendance(training_class=klass, staff=s) for s in more
    )
    with CaptureQueriesContext(connection) as after:
        for url in urls:
            client.get(url)
    assert len(after) == len(before)


def test_no_program_output_on_the_class_pages(client, running, coordinator_a):
    """What a person reads has no Python output (None, True, lists), for the organiser
    and the learner, before and after the class closes and is rated."""
    from tests.cycle.linkwalk import PROGRAM_OUTPUT, Page

    klass, user, _staff = running

    def visible_text(url):
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Page()
        parser.feed(response.content.decode())
        return " ".join(parser.text)

    base = f"/training/classes/{klass.public_id}/"
    for when in ("open", "closed"):
        client.force_login(coordinator_a)
        for url in (base, f"{base}code/", "/training/classes/", "/training/evaluations/"):
            assert not PROGRAM_OUTPUT.search(visible_text(url)), (when, url)
        client.force_login(user)
        for url in (f"{base}mine/", "/", "/training/my-code/", "/training/me/"):
            assert not PROGRAM_OUTPUT.search(visible_text(url)), (when, url)
        if when == "open":
            services.class_close(training_class=klass, actor=coordinator_a)
            klass.refresh_from_db()
