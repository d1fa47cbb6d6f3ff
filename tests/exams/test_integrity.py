"""Integrity options of an exam session (issue 18, item 6): one device at a time, a
limit on leaving the page with an optional automatic hand-in, copy and paste disabled.

The services run on SQLite and on PostgreSQL (CI runs this file on both). The save
path keeps its cost: the device is one more condition of the same UPDATE."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import AuditEntry
from core.exceptions import Conflict
from exams.device import DEVICE_COOKIE, device_summary, mask_ip
from exams.messages import MSG_LEFT_HANDED_IN, MSG_OTHER_DEVICE
from exams.models import Attempt, AttemptStatus, DeviceSwitch
from exams.services import (
    attempt_record_leave,
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_finalise_overdue,
    exam_session_prepare_papers,
)

from ..factories import StaffFactory, UserFactory
from .helpers import make_bank, open_session

PHONE = "exam-phone-device-0000000001"
DESK = "exam-desk-device-00000000002"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/107.0 Mobile Safari/537.36 MicroMessenger/8.0.40"
)
MSG_DEVICE_ZH = "此考试已在另一台设备上继续作答"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def learner(city):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user, name="考生李四")
    return user, staff


@pytest.fixture
def session(city):
    make_bank()
    return open_session(city.county_a, departments=[city.county_a], shuffle_questions=False)


def _save(attempt, user, *, device, position=1, answer=("A",), seq=1):
    return attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=position,
        answer=list(answer),
        seq=seq,
        device=device,
    )


class _Request:
    """What the services read of a request: the user, the headers, the address."""

    def __init__(self, user, ua, ip):
        self.user = user
        self.META = {"HTTP_USER_AGENT": ua, "REMOTE_ADDR": ip}


# --- one device at a time: the services -------------------------------------------------


def test_a_second_device_takes_the_attempt_over_and_the_first_is_refused(session, learner):
    user, staff = learner
    session.one_device = True
    session.save()
    attempt = attempt_start(session=session, staff=staff, device=PHONE)
    assert attempt.device == PHONE
    assert _save(attempt, user, device=PHONE, seq=1).saved

    again = attempt_start(
        session=session,
        staff=staff,
        device=DESK,
        request=_Request(user, WECHAT_UA, "203.0.113.45"),
    )
    assert again.pk == attempt.pk and again.device == DESK
    refused = _save(attempt, user, device=PHONE, position=2, seq=2)
    assert (refused.saved, refused.reason) == (False, "device")
    assert attempt.items.get(position=2).seq == 0  # nothing stored
    assert _save(attempt, user, device=DESK, position=2, seq=2).saved

    switch = DeviceSwitch.objects.get(attempt=attempt)
    assert switch.ip_masked == "203.0.113.*"
    assert device_summary(switch.user_agent) == "Android · 微信"
    attempt.refresh_from_db()
    assert attempt.switch_count == 1
    entry = AuditEntry.objects.get(action="exam.attempt_device_switched")
    assert entry.actor == user and entry.target_id == str(attempt.public_id)
    assert entry.data == {"user_agent": WECHAT_UA, "switches": 1}

    # The first device cannot hand in or report leaving either; the second can.
    with pytest.raises(Conflict) as refused_hand_in:
        attempt_submit(attempt=attempt, device=PHONE)
    assert refused_hand_in.value.message == MSG_OTHER_DEVICE
    with pytest.raises(Conflict):
        attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk, device=PHONE)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.leave_count == 0
    assert attempt_submit(attempt=attempt, device=DESK).status == AttemptStatus.HANDED_IN


def test_resuming_on_the_same_device_is_no_switch(session, learner):
    _user, staff = learner
    session.one_device = True
    session.save()
    attempt_start(session=session, staff=staff, device=PHONE)
    attempt_start(session=session, staff=staff, device=PHONE)
    assert not DeviceSwitch.objects.exists()
    assert Attempt.objects.get().switch_count == 0


def test_without_the_option_any_device_saves_and_nothing_is_recorded(session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff, device=PHONE)
    assert attempt.device == ""
    attempt_start(session=session, staff=staff, device=DESK)
    assert _save(attempt, user, device=PHONE, seq=1).saved
    assert _save(attempt, user, device=DESK, position=2, seq=2).saved
    assert _save(attempt, user, device="", position=3, seq=3).saved
    assert not DeviceSwitch.objects.exists()


def test_a_prepared_paper_is_claimed_by_the_starting_device_in_the_same_update(session, learner):
    user, staff = learner
    session.one_device = True
    session.save()
    exam_session_prepare_papers(session=session)
    with CaptureQueriesContext(connection) as ctx:
        attempt = attempt_start(session=session, staff=staff, device=PHONE)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1 and "device" in writes[0]
    assert Attempt.objects.get(pk=attempt.pk).device == PHONE
    assert _save(attempt, user, device=DESK, seq=1).reason == "device"


def test_the_save_stays_one_statement_with_one_device_on(session, learner):
    user, staff = learner
    session.one_device = True
    session.save()
    attempt = attempt_start(session=session, staff=staff, device=PHONE)
    with CaptureQueriesContext(connection) as ctx:
        assert _save(attempt, user, device=PHONE, seq=1).saved
    assert len(ctx.captured_queries) == 1
    assert ctx.captured_queries[0]["sql"].startswith("UPDATE")


# --- leaving the page ---------------------------------------------------------------------


def test_leaving_is_counted_with_the_times_left_and_handed_in_past_the_limit(session, learner):
    user, staff = learner
    session.leave_limit = 2
    session.leave_auto_submit = True
    session.save()
    attempt = attempt_start(session=session, staff=staff)
    key = attempt.items.get(position=1).key  # a single choice worth 10
    _save(attempt, user, device="", answer=key, seq=1)
    first = attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    assert (first.count, first.left, first.handed_in) == (1, 1, False)
    second = attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    assert (second.count, second.left, second.handed_in) == (2, 0, False)
    third = attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    assert third.handed_in and third.count == 3

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.HANDED_IN and attempt.leave_handed_in
    entry = AuditEntry.objects.get(action="exam.attempt_submitted_for_leaving")
    assert entry.data == {"leave_count": 3, "leave_limit": 2}
    # Closed to answers at once; scored by the batched finaliser like any hand-in.
    assert _save(attempt, user, device="", position=2, seq=2).reason == "closed"
    attempts_finalise_overdue()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score == 10 and attempt.leave_handed_in
    # A late report counts nothing more.
    late = attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    assert late.closed and late.count == 3


def test_past_the_limit_without_the_hand_in_the_attempt_goes_on(session, learner):
    user, staff = learner
    session.leave_limit = 0
    session.save()
    attempt = attempt_start(session=session, staff=staff)
    result = attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    assert (result.count, result.left, result.handed_in) == (1, 0, False)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.leave_count == 1


def test_someone_elses_attempt_counts_nothing(session, learner, city):
    _user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    other = UserFactory()
    assert attempt_record_leave(attempt_id=attempt.public_id, user_id=other.pk) is None
    attempt.refresh_from_db()
    assert attempt.leave_count == 0


# --- the learner's API and pages ------------------------------------------------------------


def _post_json(client, url, body=None, **extra):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **extra)


def _device_client(user, device=None):
    client = Client()
    client.force_login(user)
    if device:
        client.cookies[DEVICE_COOKIE] = device
    return client


def test_two_browsers_the_first_is_told_in_chinese_and_stops(session, learner):
    user, _staff = learner
    session.one_device = True
    session.save()
    phone = _device_client(user)
    response = phone.post(f"/exams/sessions/{session.public_id}/start/")
    assert response.status_code == 302
    assert phone.cookies[DEVICE_COOKIE].value  # the device is remembered
    attempt = Attempt.objects.get()
    save_url = f"/api/exams/attempts/{attempt.public_id}/save/"
    assert _post_json(phone, save_url, {"item": 1, "answer": ["A"], "seq": 1}).status_code == 200

    desk = _device_client(user)
    page = desk.get(f"/exams/attempts/{attempt.public_id}/")
    assert "在本设备继续作答" in page.content.decode()  # asked, not taken over by a GET
    assert Attempt.objects.get().device == phone.cookies[DEVICE_COOKIE].value
    desk.post(f"/exams/attempts/{attempt.public_id}/continue/", HTTP_USER_AGENT=IPHONE_UA)
    assert desk.get(f"/exams/attempts/{attempt.public_id}/").status_code == 200

    refused = _post_json(phone, save_url, {"item": 2, "answer": ["A"], "seq": 2})
    assert refused.status_code == 409
    assert refused.json()["reason"] == "device"
    assert refused.json()["detail"].startswith(MSG_DEVICE_ZH)
    state = phone.get(f"/api/exams/attempts/{attempt.public_id}/state/")
    assert state.status_code == 409 and state.json()["detail"].startswith(MSG_DEVICE_ZH)
    leave = phone.post(f"/api/exams/attempts/{attempt.public_id}/leave/")
    assert leave.status_code == 409
    assert phone.post(f"/api/exams/attempts/{attempt.public_id}/submit/").status_code == 409
    assert _post_json(desk, save_url, {"item": 2, "answer": ["A"], "seq": 2}).status_code == 200
    ok = desk.get(f"/api/exams/attempts/{attempt.public_id}/state/")
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.switch_count == 1
    assert device_summary(DeviceSwitch.objects.get().user_agent) == "iPhone · Safari"


def test_the_api_start_takes_over_and_an_api_client_may_name_its_device(session, learner):
    user, _staff = learner
    session.one_device = True
    session.save()
    app = _device_client(user)
    start = f"/api/exams/sessions/{session.public_id}/start/"
    body = app.post(start, HTTP_X_EXAM_DEVICE=PHONE).json()
    assert body["integrity"] == {
        "one_device": True,
        "leave_limit": None,
        "leave_auto_submit": False,
        "leave_count": 0,
        "no_copy": False,
    }
    other = _device_client(user)
    assert other.post(start, HTTP_X_EXAM_DEVICE=DESK).status_code == 200
    url = f"/api/exams/attempts/{body['id']}/"
    assert app.get(url, HTTP_X_EXAM_DEVICE=PHONE).status_code == 409
    assert other.get(url, HTTP_X_EXAM_DEVICE=DESK).status_code == 200


def test_the_leave_endpoint_warns_with_the_times_left_then_hands_in(session, learner):
    user, _staff = learner
    session.leave_limit = 1
    session.leave_auto_submit = True
    session.save()
    client = _device_client(user)
    client.post(f"/exams/sessions/{session.public_id}/start/")
    attempt = Attempt.objects.get()
    url = f"/api/exams/attempts/{attempt.public_id}/leave/"
    first = client.post(url).json()
    assert first["leave_count"] == 1 and first["left"] == 0 and not first["handed_in"]
    assert first["message"] == "您已离开考试页面 1 次，还可离开 0 次；超过后系统将自动交卷。"
    second = client.post(url).json()
    assert second["handed_in"] and second["message"] == str(MSG_LEFT_HANDED_IN % {"limit": 1})
    page = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "离开考试页面次数超过限制，系统已自动交卷。" in page


def test_without_a_limit_leaving_is_counted_silently(session, learner):
    user, _staff = learner
    client = _device_client(user)
    client.post(f"/exams/sessions/{session.public_id}/start/")
    attempt = Attempt.objects.get()
    body = client.post(f"/api/exams/attempts/{attempt.public_id}/leave/").json()
    assert body == {
        "leave_count": 1,
        "leave_limit": None,
        "left": None,
        "handed_in": False,
        "message": "",
    }


def test_the_exam_page_carries_the_options_and_states_the_rules(session, learner):
    user, _staff = learner
    session.no_copy = True
    session.leave_limit = 3
    session.leave_auto_submit = True
    session.one_device = True
    session.save()
    client = _device_client(user)
    client.post(f"/exams/sessions/{session.public_id}/start/")
    attempt = Attempt.objects.get()
    html = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert 'id="exam" class="no-copy"' in html
    assert 'data-no-copy="1"' in html and 'data-one-device="1"' in html
    assert "本场考试禁止复制试题和粘贴答案。" in html
    assert "不得超过 3 次，超过将自动交卷" in html
    assert "只能在一台设备上作答" in html


def test_without_options_the_exam_page_has_no_rules(session, learner):
    user, _staff = learner
    client = _device_client(user)
    client.post(f"/exams/sessions/{session.public_id}/start/")
    html = client.get(f"/exams/attempts/{Attempt.objects.get().public_id}/").content.decode()
    assert 'class="no-copy"' not in html and "本场考试规则" not in html
    assert DEVICE_COOKIE not in client.cookies  # no device cookie without the option


# --- the coordinator: settings, the manage page, the API -----------------------------------


def test_the_coordinator_sets_the_options_on_the_form(client, coordinator_a, city):
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    session.opens_at = session.opens_at.replace(year=session.opens_at.year + 1)
    session.closes_at = session.closes_at.replace(year=session.closes_at.year + 1)
    session.published = False
    session.save()
    client.force_login(coordinator_a)
    url = f"/exams/manage/{session.public_id}/edit/"
    form = client.get(url).content.decode()
    for name in ("one_device", "leave_limit", "leave_auto_submit", "no_copy"):
        assert f'name="{name}"' in form
    assert "仅限一台设备作答" in form and "允许离开页面次数" in form
    data = {
        "title": session.title,
        "kind": session.kind,
        "department": city.county_a.pk,
        "window_staff_only": "on",
        "opens_at": session.opens_at.astimezone().strftime("%Y-%m-%dT%H:%M"),
        "closes_at": session.closes_at.astimezone().strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "doors_open_minutes": "",
        "attempts_allowed": 1,
        "counting": "best",
        "pass_mark": "60",
        "show_score": "after_submit",
        "show_answers": "after_close",
        "one_device": "on",
        "leave_limit": "2",
        "leave_auto_submit": "on",
        "no_copy": "on",
        "audience_departments": [city.county_a.pk],
        "paper": "blueprint",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-0-count": "1",
        "rules-0-type": "single",
        "rules-0-points": "20",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    session.refresh_from_db()
    options = (session.one_device, session.leave_limit, session.leave_auto_submit, session.no_copy)
    assert options == (True, 2, True, True)
    entry = AuditEntry.objects.filter(action="exam.session_updated").latest("id")
    assert {"one_device", "leave_limit", "leave_auto_submit", "no_copy"} <= set(
        entry.data["fields"]
    )


def test_the_api_sets_the_options_before_opening_only(client, coordinator_a, city):
    make_bank()
    later = open_session(city.county_a, departments=[city.county_a])
    later.opens_at = later.opens_at.replace(year=later.opens_at.year + 1)
    later.closes_at = later.closes_at.replace(year=later.closes_at.year + 1)
    later.save()
    client.force_login(coordinator_a)
    url = f"/api/exams/manage/sessions/{later.public_id}/"
    response = client.patch(
        url,
        data=json.dumps({"one_device": True, "leave_limit": 3, "no_copy": True}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["one_device"] is True and response.json()["leave_limit"] == 3
    later.refresh_from_db()
    assert later.one_device and later.leave_limit == 3 and later.no_copy
    bad = client.patch(url, data=json.dumps({"leave_limit": 500}), content_type="application/json")
    assert bad.status_code == 400

    opened = open_session(city.county_a, departments=[city.county_a])
    response = client.patch(
        f"/api/exams/manage/sessions/{opened.public_id}/",
        data=json.dumps({"one_device": True}),
        content_type="application/json",
    )
    assert response.status_code == 400
    opened.refresh_from_db()
    assert not opened.one_device


def test_only_the_organising_units_coordinators_change_the_options(client, city, learner):
    from organisation.models import Role

    from ..factories import make_user_with_role

    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    session.opens_at = session.opens_at.replace(year=session.opens_at.year + 1)
    session.closes_at = session.closes_at.replace(year=session.closes_at.year + 1)
    session.save()
    outsider = make_user_with_role(Role.COORDINATOR, city.county_b)
    for user in (outsider, learner[0]):
        client.force_login(user)
        response = client.patch(
            f"/api/exams/manage/sessions/{session.public_id}/",
            data=json.dumps({"one_device": True}),
            content_type="application/json",
        )
        assert response.status_code == 404
    session.refresh_from_db()
    assert not session.one_device


def test_the_manage_page_and_api_show_each_switch_and_the_leave_counts(
    client, coordinator_a, session, learner
):
    user, staff = learner
    session.one_device = True
    session.leave_limit = 5
    session.save()
    attempt_start(session=session, staff=staff, device=PHONE)
    attempt_start(
        session=session,
        staff=staff,
        device=DESK,
        request=_Request(user, IPHONE_UA, "198.51.100.23"),
    )
    attempt = Attempt.objects.get()
    attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk, device=DESK)
    client.force_login(coordinator_a)
    html = client.get(f"/exams/manage/{session.public_id}/").content.decode()
    assert "离开页面与切换设备记录" in html
    assert "考生李四" in html and "iPhone · Safari" in html
    assert "198.51.100.*" in html and "198.51.100.23" not in html
    assert "1 / 5" in html
    rows = client.get(f"/api/exams/manage/sessions/{session.public_id}/integrity/").json()
    row = rows["results"][0] if isinstance(rows, dict) else rows[0]
    assert row["name"] == "考生李四" and row["leave_count"] == 1
    assert row["device_switches"][0]["device"] == "iPhone · Safari"
    assert row["device_switches"][0]["ip"] == "198.51.100.*"


def test_the_integrity_list_is_scoped_to_the_viewers_people(client, city, session, learner):
    from organisation.models import Role

    from ..factories import make_user_with_role

    user, staff = learner  # in township A1
    attempt = attempt_start(session=session, staff=staff)
    attempt_record_leave(attempt_id=attempt.public_id, user_id=user.pk)
    outsider = make_user_with_role(Role.COORDINATOR, city.county_b)
    client.force_login(outsider)
    response = client.get(f"/api/exams/manage/sessions/{session.public_id}/integrity/")
    assert response.status_code == 404


# --- the small helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("203.0.113.45", "203.0.113.*"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:0db8:85a3:*"),
        ("", ""),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_addresses_are_shown_masked(address, masked):
    assert mask_ip(address) == masked


@pytest.mark.parametrize(
    ("ua", "summary"),
    [
        (IPHONE_UA, "iPhone · Safari"),
        (WECHAT_UA, "Android · 微信"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Safari/537.36 Edg/120.0",
            "Windows · Edge",
        ),
        ("", "未知设备"),
    ],
)
def test_the_device_is_summarised_from_the_user_agent(ua, summary):
    assert device_summary(ua) == summary
