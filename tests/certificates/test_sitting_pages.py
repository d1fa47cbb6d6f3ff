"""The sitting's pages through real requests: the coordinator's sitting page, tickets
(PDF text and QR code), sign-in sheets (xlsx and PDF), the door page and the
examiners' scoring pages; each role sees only what is theirs."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from certificates.models import Candidate, CandidateStatus, CheckIn, PracticalScore, Sitting
from certificates.services import examiner_assign
from exams.models import ExamSession
from organisation.models import Role

from ..factories import StaffFactory, make_user_with_role
from .sitting_helpers import examiner, full_scores, plan_sitting, scenario_task


@pytest.fixture
def organiser(city):
    return make_user_with_role(Role.COORDINATOR, city.city)


def _post(client, url_name, *args, **data):
    return client.post(reverse(f"certificates:{url_name}", args=args), data, follow=True)


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _plan_form(levels, task) -> dict:
    start = timezone.localtime() + datetime.timedelta(days=2)
    return {
        "title": "2026年第5批认定",
        "level": levels[4].pk,
        "theory_starts_at": start.strftime("%Y-%m-%dT09:00"),
        "theory_ends_at": start.strftime("%Y-%m-%dT10:30"),
        "practical_starts_at": start.strftime("%Y-%m-%dT14:00"),
        "practical_ends_at": start.strftime("%Y-%m-%dT17:00"),
        "confirm_by": (start - datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
        "tasks": [task.pk],
    }


@pytest.fixture
def theory_bank(settings):
    """A bank that fills a small theory blueprint."""
    from ..exams.helpers import make_bank

    settings.CERTIFICATES_THEORY_BLUEPRINT = [{"type": "single", "count": 4, "points": 25}]
    make_bank()


@pytest.fixture
def seated(client, city, levels, organiser, theory_bank):
    """A sitting planned on the page (its theory exam created), one room, three
    confirmed candidates seated."""
    client.force_login(organiser)
    response = client.post(reverse("certificates:sittings"), _plan_form(levels, scenario_task()))
    sitting = Sitting.objects.get()
    assert response.status_code == 302
    sid = sitting.public_id
    _post(client, "sitting_room_add", sid, number=1, name="一楼机房", capacity=10)
    people = [
        StaffFactory(department=unit, name=name)
        for unit, name in (
            (city.township_a1, "张小明"),
            (city.township_a2, "李华"),
            (city.township_b1, "王芳"),
        )
    ]
    response = _post(
        client, "sitting_propose", sid, staff=[str(s.public_id) for s in people], recommended="on"
    )
    assert Candidate.objects.count() == 3
    for candidate in Candidate.objects.all():
        _post(client, "candidate_confirm", sid, candidate.public_id)
    assert Candidate.objects.filter(status=CandidateStatus.CONFIRMED).count() == 3
    response = _post(client, "sitting_seat", sid, seed=11)
    assert "座位" in _messages(response)
    return sitting


def test_the_sitting_page_shows_candidates_rooms_and_no_python_output(client, seated):
    response = client.get(reverse("certificates:sitting", args=[seated.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("张小明", "一楼机房", "全部准考证", "签到表"):
        assert text in html
    assert "None" not in html and "[]" not in html


def test_a_seat_over_capacity_on_the_page_is_refused_with_a_message(client, seated):
    candidate = Candidate.objects.first()
    before = candidate.seat
    response = _post(
        client, "candidate_seat", seated.public_id, candidate.public_id, room=1, seat=11
    )
    assert "1 至 10" in _messages(response)
    candidate.refresh_from_db()
    assert candidate.seat == before


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_the_tickets_pdf_carries_the_ticket_and_its_qr_code(client, seated, tmp_path):
    response = client.get(reverse("certificates:sitting_tickets_pdf", args=[seated.public_id]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    first = Candidate.objects.order_by("room__number", "seat").first()
    text = reader.pages[0].extract_text()
    for expected in ("准考证", first.staff.name, first.ticket_number, first.staff.id_number_masked):
        assert expected in text
    (tmp_path / "t.pdf").write_bytes(response.content)
    subprocess.run(  # noqa: S603
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            tmp_path / "t.pdf",
            tmp_path / "page",
        ],
        check=True,
    )
    decoded = subprocess.run(  # noqa: S603
        [shutil.which("zbarimg"), "--quiet", "--raw", tmp_path / "page.png"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == first.ticket_number
    response = client.get(reverse("certificates:sitting_tickets_zip", args=[seated.public_id]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len(archive.namelist()) == 3


def test_sign_in_sheets_are_a_real_workbook_and_a_pdf(client, seated):
    response = client.get(reverse("certificates:room_sign_in_xlsx", args=[seated.public_id, 1]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("座位号", "准考证号", "姓名")
    assert {r[2] for r in rows[1:]} == {"张小明", "李华", "王芳"}
    assert all("*" in r[3] for r in rows[1:])  # masked ID numbers only
    response = client.get(reverse("certificates:room_sign_in_pdf", args=[seated.public_id, 1]))
    text = _pdf_text(response.content)
    assert "签到表" in text and "李华" in text


def test_the_door_checks_in_once_and_says_why_a_second_scan_is_refused(client, seated):
    candidate = Candidate.objects.first()
    url = reverse("certificates:door", args=[seated.public_id, 1])
    # The day has come: the theory starts in half an hour (check-in opens an hour before).
    soon = timezone.now() + datetime.timedelta(minutes=30)
    Sitting.objects.filter(pk=seated.pk).update(
        theory_starts_at=soon,
        theory_ends_at=soon + datetime.timedelta(hours=1),
        practical_starts_at=soon + datetime.timedelta(hours=2),
        practical_ends_at=soon + datetime.timedelta(hours=4),
    )
    response = client.post(url, {"ticket": candidate.ticket_number, "method": "typed"})
    assert response.status_code == 200
    assert candidate.staff.name in response.content.decode()
    assert CheckIn.objects.get().method == "typed"
    response = client.post(url, {"ticket": candidate.ticket_number})
    assert response.status_code == 422
    assert "已使用" in response.content.decode()
    assert CheckIn.objects.count() == 1


def test_an_examiner_sees_only_their_rooms_and_scores_within_the_rubric(
    client, seated, city, organiser
):
    room = seated.rooms.get()
    sitting_room_2 = seated.rooms.create(number=2, name="二楼", capacity=5)
    mine = examiner(city.city)
    examiner_assign(room=room, user=mine, is_chief=True, acting_user=organiser)
    candidate = Candidate.objects.first()
    CheckIn.objects.create(candidate=candidate, room=room, at=timezone.now(), by=organiser)
    Candidate.objects.filter(pk=candidate.pk).update(attendance="present")
    client.force_login(mine)
    assert client.get(reverse("certificates:examine")).status_code == 200
    assert (
        client.get(reverse("certificates:score_room", args=[seated.public_id, 1])).status_code
        == 200
    )
    assert (
        client.get(reverse("certificates:score_room", args=[seated.public_id, 2])).status_code
        == 404
    )
    assert client.get(reverse("certificates:door", args=[seated.public_id, 2])).status_code == 404
    assert client.get(reverse("certificates:sittings")).status_code == 302  # to their rooms
    assert sitting_room_2.pk
    url = reverse("certificates:score_candidate", args=[seated.public_id, 1, candidate.public_id])
    scores = {f"c-{k}": v for k, v in full_scores(seated, lambda mx: mx).items()}
    first = next(iter(scores))
    response = client.post(url, {**scores, first: "45"})
    assert response.status_code == 422
    assert "受理材料审核" in response.content.decode()
    assert not PracticalScore.objects.exists()
    response = client.post(url, scores)
    assert response.status_code == 302
    assert PracticalScore.objects.filter(examiner=mine).count() == 3


def test_a_unit_coordinator_sees_only_their_people_in_the_sitting(client, seated, city):
    coordinator_b = make_user_with_role(Role.COORDINATOR, city.county_b)
    client.force_login(coordinator_b)
    html = client.get(reverse("certificates:sitting", args=[seated.public_id])).content.decode()
    assert "王芳" in html and "张小明" not in html
    assert (
        client.get(reverse("certificates:sitting_tickets_pdf", args=[seated.public_id])).status_code
        == 404
    )
    other = Candidate.objects.get(staff__name="张小明")
    response = client.get(
        reverse("certificates:candidate_ticket", args=[seated.public_id, other.public_id])
    )
    assert response.status_code == 404


def test_a_unit_coordinator_finds_the_citys_sitting_and_proposes_their_own_first(
    client, city, levels, organiser, theory_bank
):
    """Before anyone of theirs is in it, a township's coordinator sees the city's
    sitting, proposes one of their people and confirms them; nothing of the rooms is
    offered to them (the sign-in sheets are the organisers')."""
    client.force_login(organiser)
    client.post(reverse("certificates:sittings"), _plan_form(levels, scenario_task()))
    sitting = Sitting.objects.get()
    _post(client, "sitting_room_add", sitting.public_id, number=1, name="一楼机房", capacity=10)
    mine = StaffFactory(department=city.township_b1, name="赵敏")
    StaffFactory(department=city.township_a1, name="钱坤")  # not theirs
    township = make_user_with_role(Role.COORDINATOR, city.township_b1)
    client.force_login(township)
    assert sitting.title in client.get(reverse("certificates:sittings")).content.decode()
    page = client.get(reverse("certificates:sitting", args=[sitting.public_id]))
    html = page.content.decode()
    assert "赵敏" in html and "钱坤" not in html  # only their own people are offered
    assert "sign-in-" not in html and "/rooms/1/" not in html
    response = _post(
        client, "sitting_propose", sitting.public_id, staff=[str(mine.public_id)], recommended="on"
    )
    assert "1" in _messages(response)
    (candidate,) = Candidate.objects.filter(sitting=sitting)
    assert candidate.staff == mine and candidate.proposed_by == township
    _post(client, "candidate_confirm", sitting.public_id, candidate.public_id)
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.CONFIRMED
    # Still not theirs to organise: adding a room is refused.
    response = client.post(
        reverse("certificates:sitting_room_add", args=[sitting.public_id]),
        {"number": 2, "name": "二楼", "capacity": 5},
    )
    assert response.status_code == 404 and sitting.rooms.count() == 1


def test_results_export_is_a_workbook_with_score_sheets(client, seated):
    response = client.get(reverse("certificates:sitting_results_xlsx", args=[seated.public_id]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["成绩", "评分表"]


def test_a_sitting_needs_an_organiser_of_its_unit(client, city, levels, coordinator_a):
    sitting = plan_sitting(make_user_with_role(Role.COORDINATOR, city.city), city.city, levels[4])
    client.force_login(coordinator_a)
    response = _post(client, "sitting_room_add", sitting.public_id, number=1, name="x", capacity=3)
    assert response.status_code == 404
    assert not sitting.rooms.exists()


def test_a_candidate_downloads_their_own_ticket_and_no_one_elses(client, seated):
    from ..factories import UserFactory

    mine, other = Candidate.objects.order_by("pk")[:2]
    user = UserFactory()
    mine.staff.user = user
    mine.staff.save(update_fields=["user"])
    client.force_login(user)
    assert mine.ticket_number in client.get(reverse("certificates:index")).content.decode()
    response = client.get(reverse("certificates:my_ticket", args=[mine.public_id]))
    assert response.status_code == 200
    assert mine.ticket_number in _pdf_text(response.content)
    assert client.get(reverse("certificates:my_ticket", args=[other.public_id])).status_code == 404
    assert client.get(reverse("certificates:sitting", args=[seated.public_id])).status_code == 404


def test_the_sitting_page_runs_the_same_queries_for_more_candidates(
    client, seated, city, organiser, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates.services import candidate_confirm, candidate_propose

    url = reverse("certificates:sitting", args=[seated.public_id])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        staff = StaffFactory(department=city.township_a2)
        candidate = candidate_propose(
            sitting=seated, staff=staff, recommended=True, acting_user=organiser
        )
        candidate_confirm(candidate=candidate, acting_user=organiser)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)


def test_planning_on_the_page_creates_the_theory_exam_for_the_seated_candidates(seated):
    session = seated.theory_session
    assert session.kind == "formal_theory" and session.published
    assert session.opens_at == seated.theory_starts_at
    assert set(session.audience_staff.values_list("pk", flat=True)) == set(
        Candidate.objects.values_list("staff_id", flat=True)
    )


def test_planning_with_a_bank_too_short_says_so_and_plans_nothing(
    client, city, levels, organiser, settings
):
    settings.CERTIFICATES_THEORY_BLUEPRINT = [{"type": "single", "count": 5, "points": 20}]
    client.force_login(organiser)
    response = client.post(reverse("certificates:sittings"), _plan_form(levels, scenario_task()))
    assert response.status_code == 200
    assert "题库" in response.content.decode()
    assert not Sitting.objects.exists() and not ExamSession.objects.exists()


def test_the_theory_exam_is_linked_on_the_page_and_takes_the_candidates(client, seated, city):
    from ..exams.helpers import make_bank, open_session

    make_bank(per_type=1)
    session = open_session(
        city.city,
        rules=[{"type": "single", "count": 2, "points": 50}],
        opens=timezone.now() + datetime.timedelta(days=1),
        closes=timezone.now() + datetime.timedelta(days=2),
        kind="formal_theory",
    )
    monthly = open_session(city.city, rules=[{"type": "single", "count": 2, "points": 50}])
    response = _post(client, "sitting_theory", seated.public_id, session=str(monthly.public_id))
    assert "正式理论考试" in _messages(response)
    created = seated.theory_session  # made at planning
    assert created.audience_staff.count() == 3
    response = _post(client, "sitting_theory", seated.public_id, session=str(session.public_id))
    seated.refresh_from_db()
    assert seated.theory_session == session
    assert not created.audience_staff.exists()  # the candidates no longer sit the old one
    created.refresh_from_db()
    assert not created.published  # withdrawn: nobody is left to sit it
    assert not created.attempts.exists()  # nor any paper drawn for it
    assert set(session.audience_staff.values_list("pk", flat=True)) == set(
        Candidate.objects.values_list("staff_id", flat=True)
    )


def test_administrators_see_sittings_read_only_in_the_admin(client, seated, administrator):
    client.force_login(administrator)
    response = client.get("/admin/certificates/sitting/")
    assert response.status_code == 200 and "2026年第5批认定" in response.text
    response = client.get(f"/admin/certificates/sitting/{seated.pk}/change/")
    assert response.status_code == 200
    assert 'name="title"' not in response.text  # nothing editable


def test_tickets_and_sign_in_sheets_download_over_the_api_for_those_who_may(client, seated, city):
    """The API serves the same papers as the page: the organisers get every ticket (PDF
    or ZIP) and the sign-in sheets; a unit's coordinator gets only their people's
    tickets; a room's examiner gets that room's sheets; anyone else a 404."""
    api = f"/api/certificates/sittings/{seated.public_id}/"
    first = Candidate.objects.select_related("staff").order_by("room__number", "seat").first()
    response = client.get(api + "tickets/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert first.ticket_number in _pdf_text(response.content)
    with zipfile.ZipFile(io.BytesIO(client.get(api + "tickets/zip/").content)) as archive:
        assert len(archive.namelist()) == 3
    sheet = load_workbook(io.BytesIO(client.get(api + "rooms/1/sign-in/xlsx/").content)).active
    assert {r[2] for r in list(sheet.iter_rows(values_only=True))[1:]} == {
        "张小明",
        "李华",
        "王芳",
    }
    assert "签到表" in _pdf_text(client.get(api + "rooms/1/sign-in/pdf/").content)
    assert client.get(api + "tickets/xls/").status_code == 404

    by_unit = {c.staff.department_id: c for c in Candidate.objects.select_related("staff")}
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    assert client.get(api + "tickets/pdf/").status_code == 404
    assert client.get(api + "rooms/1/sign-in/pdf/").status_code == 404
    own = by_unit[city.township_a1.pk]
    response = client.get(api + f"candidates/{own.public_id}/ticket/")
    assert response.status_code == 200 and own.ticket_number in _pdf_text(response.content)
    other = by_unit[city.township_b1.pk]
    assert client.get(api + f"candidates/{other.public_id}/ticket/").status_code == 404

    room_examiner = examiner(city.city)
    examiner_assign(room=first.room, user=room_examiner, acting_user=seated.created_by)
    client.force_login(room_examiner)
    assert client.get(api + "rooms/1/sign-in/xlsx/").status_code == 200
    assert client.get(api + "tickets/pdf/").status_code == 404
    client.force_login(examiner(city.city))
    assert client.get(api + "rooms/1/sign-in/xlsx/").status_code == 404


def test_tickets_before_seating_are_refused_over_the_api_with_the_reason(
    client, city, levels, organiser
):
    sitting = plan_sitting(organiser, city.city, levels[4])
    client.force_login(organiser)
    response = client.get(f"/api/certificates/sittings/{sitting.public_id}/tickets/pdf/")
    assert response.status_code == 400
    assert "尚未编排座位" in response.content.decode()


def test_planning_over_the_api_creates_the_theory_exam_unless_told_not_to(
    client, city, levels, organiser, theory_bank
):
    client.force_login(organiser)
    task = scenario_task()
    body = {**_plan_form(levels, task), "level": 4}
    body["theory_starts_at"] += "+08:00"
    body["theory_ends_at"] += "+08:00"
    body["practical_starts_at"] += "+08:00"
    body["practical_ends_at"] += "+08:00"
    response = client.post("/api/certificates/sittings/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    session = ExamSession.objects.get(public_id=response.json()["theory_session"])
    assert session.kind == "formal_theory" and session.published
    body["create_theory"] = False
    response = client.post("/api/certificates/sittings/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["theory_session"] is None
    assert ExamSession.objects.count() == 1


def test_the_sitting_page_proposes_examiners_away_from_the_candidates_and_appoints_one(
    client, seated, city
):
    """The page proposes staff of the organiser's units with an account, none in line
    with a candidate's unit (the county above a candidate's township is left out);
    choosing one makes them an examiner of the room."""
    from organisation.models import RoleAssignment

    from ..factories import DepartmentFactory, UserFactory

    county_c = DepartmentFactory(parent=city.city, code="CC", name="丙县")
    away = StaffFactory(department=county_c, user=UserFactory(), name="赵考评")
    near = StaffFactory(department=city.county_a, user=UserFactory(), name="钱近邻")
    page = client.get(reverse("certificates:sitting", args=[seated.public_id]))
    proposed = dict(page.context["examiner_form"].fields["proposed"].widget.choices)
    assert away.user.username in proposed and "丙县" in proposed[away.user.username]
    assert near.user.username not in proposed
    assert not set(proposed) & {
        c.staff.user.username for c in Candidate.objects.filter(staff__user__isnull=False)
    }
    response = _post(
        client, "sitting_examiner", seated.public_id, room=1, proposed=away.user.username
    )
    assert "考评员已安排" in _messages(response)
    assert RoleAssignment.objects.filter(user=away.user, role="examiner").exists()
    response = _post(
        client, "sitting_examiner", seated.public_id, room=1, username=near.user.username
    )
    assert "上下级" in _messages(response)
    assert not RoleAssignment.objects.filter(user=near.user).exists()
    page = client.get(reverse("certificates:sitting", args=[seated.public_id]))
    assert away.user.username not in dict(
        page.context["examiner_form"].fields["proposed"].widget.choices
    )


def test_the_organiser_lists_the_eligible_staff_of_one_unit(client, seated, city):
    here = StaffFactory(department=city.township_b1, name="孙可报")
    there = StaffFactory(department=city.township_a1, name="周可报")
    url = reverse("certificates:sitting", args=[seated.public_id])
    everyone = {s.pk for s in client.get(url).context["eligible"]}
    assert {here.pk, there.pk} <= everyone
    response = client.get(url, {"unit": city.county_b.pk})
    assert {s.pk for s in response.context["eligible"]} == {here.pk}
    assert "孙可报" in response.content.decode() and "周可报" not in response.content.decode()
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    assert client.get(url, {"unit": city.county_b.pk}).status_code == 404


def test_planning_without_any_practical_task_says_where_to_add_one(client, city, organiser):
    client.force_login(organiser)
    html = client.get(reverse("certificates:sittings")).content.decode()
    assert "题库中还没有带评分细则的情景操作题" in html
    assert f'href="{reverse("exams_bank:new")}"' in html
    scenario_task()
    html = client.get(reverse("certificates:sittings")).content.decode()
    assert "题库中还没有带评分细则的情景操作题" not in html
    assert 'name="tasks"' in html
