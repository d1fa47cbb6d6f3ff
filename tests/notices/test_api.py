"""The notices REST endpoints: a person's channel, the coordinators' delivery log. Same
selectors, services and access rules as the pages, refusals in Chinese and audited."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from notices.models import Channel, ChannelPreference, Delivery, DeliveryStatus
from organisation.models import Role
from tests.factories import add_totp, make_learner, make_user_with_role

pytestmark = pytest.mark.django_db

PLACES = ("city", "county_a", "township_a1", "county_b")


def _log(city):
    for place in PLACES:
        user, _ = make_learner(getattr(city, place))
        user.first_name = f"收件人{place}"
        user.save()
        Delivery.objects.create(
            user=user,
            department=getattr(city, place),
            key=f"k:{place}",
            channel=Channel.SMS if place == "township_a1" else Channel.EMAIL,
            title="学习提醒",
            recipient_masked="138****0000",
            status=DeliveryStatus.FAILED if place == "township_a1" else DeliveryStatus.SENT,
            reason="no_mobile" if place == "township_a1" else "sent",
            created_at=timezone.now(),
        )


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_coordinator_reads_their_units_log_filtered_and_in_words(city, coordinator_a):
    _log(city)
    body = _api(coordinator_a).get("/api/notices/deliveries/").json()
    assert {row["person"] for row in body["results"]} == {"收件人county_a", "收件人township_a1"}
    failed = _api(coordinator_a).get("/api/notices/deliveries/", {"status": "failed"}).json()
    [row] = failed["results"]
    assert (row["person"], row["unit"], row["channel"]) == ("收件人township_a1", "甲一镇", "sms")
    assert (row["status_label"], row["reason_label"]) == ("失败", "未登记手机号")
    assert row["provider_answer"] == ""  # the dispatch's own answer: the reason says it
    assert row["recipient"] == "138****0000"
    # "sent" is handed to the provider, not known to have arrived.
    sent = _api(coordinator_a).get("/api/notices/deliveries/", {"status": "sent"}).json()
    assert [r["status_label"] for r in sent["results"]] == ["已发出"]


def test_a_bad_filter_is_refused_in_chinese(city, coordinator_a):
    response = _api(coordinator_a).get("/api/notices/deliveries/", {"status": "lost"})
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.json()["errors"]["status"][0]


@pytest.mark.parametrize("role", [Role.MANAGER, "learner"])
def test_the_log_is_refused_to_readers_and_learners_and_audited(city, role):
    _log(city)
    if role == "learner":
        actor, _ = make_learner(city.township_a1)
    else:
        actor = make_user_with_role(role, city.county_a)
    response = _api(actor).get("/api/notices/deliveries/")
    assert response.status_code in (403, 404)
    assert "收件人" not in response.content.decode()
    assert AuditEntry.objects.filter(action="access.denied", actor=actor).exists()


def test_the_administrator_reads_the_whole_city(city):
    _log(city)
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    body = _api(admin).get("/api/notices/deliveries/").json()
    assert body["count"] == len(PLACES)


def test_a_person_reads_and_sets_their_channel_among_those_open_to_them(city, county_a_channels):
    user_a, _ = make_learner(city.township_a1)
    user_b, _ = make_learner(city.township_b1)
    mine = _api(user_a).get("/api/notices/preferences/").json()
    assert {c["value"] for c in mine["available"]} >= {"sms", "wecom", "dingtalk"}
    assert {"value": "sms", "label": "短信"} in mine["available"]
    response = _api(user_a).put("/api/notices/preferences/", {"channel": "sms"}, format="json")
    assert response.status_code == 200 and response.json()["channel"] == "sms"
    assert ChannelPreference.objects.get(user=user_a).channel == "sms"
    assert AuditEntry.objects.filter(action="notices.preference_set", actor=user_a).exists()

    # Township B1 set up no SMS: refused in Chinese, nothing stored.
    refused = _api(user_b).put("/api/notices/preferences/", {"channel": "sms"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["channel"] == [
        "您所在单位未开通该渠道，或您的资料缺少相应的联系方式。"
    ]
    assert not ChannelPreference.objects.filter(user=user_b).exists()
