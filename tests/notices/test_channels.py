"""Notification channels: a reminder reaches a learner by the channel they chose (through
the real `training_remind`), every try is in the delivery log, failures are retried with
growing delays and then reported to the coordinator, SMS wait for the morning, nothing
is sent twice. The providers are local servers speaking their protocols (servers.py)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from notices.models import Channel, ChannelConfig, ChannelPreference, Delivery, DeliveryStatus
from notices.services import Outgoing, notices_dispatch
from organisation.models import Role
from tests.factories import make_learner, make_user_with_role
from training.models import Notification
from training.simulation import SimulatedClock

from .conftest import configure
from .helpers import choose, days, remind, tick_to_next_try

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WECOM, Channel.DINGTALK])
def test_a_reminder_reaches_the_learner_by_the_channel_they_chose(
    channel, city, overdue, providers, county_a_channels, client, django_capture_on_commit_callbacks
):
    user, staff = overdue(city.township_a1)
    choose(client, user, channel)

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    # In the app, always.
    note = Notification.objects.get(user=user, key__startswith="overdue:")
    # And by the chosen channel, once, naming the person's mobile.
    (request,) = providers.received
    assert request.kind == channel
    if channel == Channel.SMS:
        assert request.body["PhoneNumberSet"] == [f"+86{staff.mobile}"]
        assert request.body["TemplateParamSet"] == [note.title[:12]]
    elif channel == Channel.WECOM:
        assert request.body["text"]["mentioned_mobile_list"] == [staff.mobile]
        assert note.title in request.body["text"]["content"]
    else:
        assert request.body["at"]["atMobiles"] == [staff.mobile]
        assert note.title in request.body["text"]["content"]
    delivery = Delivery.objects.get(user=user)
    assert (delivery.channel, delivery.status, delivery.attempts) == (
        channel,
        DeliveryStatus.SENT,
        1,
    )
    assert delivery.key == note.key
    assert delivery.department == city.township_a1
    assert delivery.recipient_masked == f"{staff.mobile[:3]}****{staff.mobile[-4:]}"
    assert delivery.answer.lower().startswith(("ok", "0: ok"))
    assert mail.outbox == []  # only the chosen channel


def test_without_a_choice_a_learner_with_an_address_gets_e_mail(
    city, overdue, django_capture_on_commit_callbacks
):
    user, _staff = overdue(city.township_a1)
    user.email = "learner@example.cn"
    user.save()
    silent, _ = overdue(city.township_a2)  # no address, no choice: in the app only

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    assert [m.to for m in mail.outbox] == [["learner@example.cn"]]
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert Notification.objects.filter(user=silent).exists()
    assert not Delivery.objects.filter(user=silent).exists()


def test_nothing_is_sent_twice(
    city, overdue, providers, county_a_channels, client, django_capture_on_commit_callbacks
):
    user, _ = overdue(city.township_a1)
    choose(client, user, Channel.WECOM)
    with django_capture_on_commit_callbacks(execute=True):
        remind()
        remind()
    call_command("notices_retry", stdout=io.StringIO())
    delivery = Delivery.objects.get(user=user)
    # The same notice handed over again (a rerun, a second worker) is skipped.
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_dispatch(notices=[Outgoing(user=user, key=delivery.key, title="x")]) == 0
    call_command("notices_retry", stdout=io.StringIO())
    assert len(providers.of("wecom")) == 1
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize("failure", ["limit", "500"])
def test_a_failing_provider_is_retried_with_back_off_then_the_coordinator_hears(
    failure,
    city,
    overdue,
    providers,
    county_a_channels,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.NOTICES_MAX_ATTEMPTS = 4
    settings.NOTICES_RETRY_SECONDS = 60
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    elsewhere = make_user_with_role(Role.COORDINATOR, city.county_b)
    user, _ = overdue(city.township_a1)
    choose(client, user, Channel.DINGTALK)
    providers.script["dingtalk"] = [failure] * 4

    with django_capture_on_commit_callbacks(execute=True):
        remind()
    delivery = Delivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    expected = "130101" if failure == "limit" else "HTTP 500"
    assert expected in delivery.answer
    assert delivery.reason == ("rate_limited" if failure == "limit" else "unavailable")

    waits = []
    for attempt in (2, 3):
        before = delivery.next_try_at
        previous_try = delivery.updated_at
        tick_to_next_try(delivery)
        waits.append(round((before - previous_try).total_seconds()))
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, attempt)
    assert waits == [60, 120]  # the base delay, then doubled
    assert not Notification.objects.filter(user=coordinator).exists()

    tick_to_next_try(delivery)  # the fourth and last try
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 4)
    assert len(providers.of("dingtalk")) == 4
    report = Notification.objects.get(user=coordinator, key=f"delivery-failed:{delivery.pk}")
    assert report.url.startswith(reverse("notices:deliveries"))
    # The coordinator reads the reason in words, not the provider's code.
    reason = "服务商限制发送频率" if failure == "limit" else "服务商暂时不可用"
    assert reason in report.body and expected not in report.body
    assert not Notification.objects.filter(user=elsewhere).exists()
    assert AuditEntry.objects.filter(
        action="notices.delivery_failed", target_id=str(delivery.pk)
    ).exists()
    # Given up: later runs try no more.
    with SimulatedClock(timezone.now() + datetime.timedelta(days=1)).running():
        call_command("notices_retry", stdout=io.StringIO())
    assert len(providers.of("dingtalk")) == 4


def test_a_try_cut_off_by_a_dead_worker_is_settled_as_failed_and_never_sent_again(
    city,
    overdue,
    providers,
    county_a_channels,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    """A worker that dies during a try leaves the row "sending". A later run settles it
    (failed, interrupted), tells the coordinator, and does not send it again: the
    provider may have delivered it."""
    settings.NOTICES_SENDING_STUCK_SECONDS = 900
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    user, _ = overdue(city.township_a1)
    choose(client, user, Channel.WECOM)
    with django_capture_on_commit_callbacks(execute=True):
        remind()
    delivery = Delivery.objects.get(user=user)
    sent_before = len(providers.of("wecom"))
    # As a worker that claimed the try and died before recording its outcome leaves it.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, sent_at=None, updated_at=timezone.now()
    )
    call_command("notices_retry", stdout=io.StringIO())  # soon after: still its try
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING
    with SimulatedClock(timezone.now() + datetime.timedelta(minutes=16)).running():
        call_command("notices_retry", stdout=io.StringIO())
        call_command("notices_retry", stdout=io.StringIO())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (DeliveryStatus.FAILED, "interrupted")
    assert len(providers.of("wecom")) == sent_before  # not sent again
    report = Notification.objects.get(user=coordinator, key=f"delivery-failed:{delivery.pk}")
    assert "发送中断" in report.body
    assert (
        AuditEntry.objects.filter(
            action="notices.delivery_failed", target_id=str(delivery.pk)
        ).count()
        == 1
    )
    client.force_login(coordinator)
    log = client.get(reverse("notices:deliveries") + "?status=failed").content.decode()
    assert "发送中断" in log


def test_a_failure_then_success_is_logged_as_sent(
    city, overdue, providers, county_a_channels, client, django_capture_on_commit_callbacks
):
    user, _ = overdue(city.township_a1)
    choose(client, user, Channel.SMS)
    providers.script["sms"] = ["throttled"]
    with django_capture_on_commit_callbacks(execute=True):
        remind()
    delivery = Delivery.objects.get(user=user)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.answer.startswith("RequestLimitExceeded")
    tick_to_next_try(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.answer.startswith("Ok: send success")


def test_a_bad_signature_is_refused_by_the_provider_and_not_retried(
    city, overdue, providers, client, django_capture_on_commit_callbacks
):
    """The local servers check each provider's signature: a wrong secret is refused
    (DingTalk 310000, Tencent AuthFailure.SignatureFailure), which no retry can mend."""
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    configure(city.county_a, Channel.DINGTALK, secret="SECnotthesecret")
    configure(city.county_a, Channel.SMS, secret="not-the-secret-key")
    ding, _ = overdue(city.township_a1)
    sms, _ = overdue(city.township_a2)
    choose(client, ding, Channel.DINGTALK)
    choose(client, sms, Channel.SMS)

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    ding_delivery = Delivery.objects.get(user=ding)
    sms_delivery = Delivery.objects.get(user=sms)
    assert (ding_delivery.status, ding_delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert ding_delivery.answer.startswith("310000")
    assert (sms_delivery.status, sms_delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert sms_delivery.answer.startswith("AuthFailure.SignatureFailure")
    assert ding_delivery.reason == sms_delivery.reason == "refused"
    assert (
        Notification.objects.filter(user=coordinator, key__startswith="delivery-failed:").count()
        == 2
    )


def test_quiet_hours_keep_sms_until_the_morning(
    city,
    overdue,
    providers,
    county_a_channels,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.NOTICES_QUIET_HOURS = "21:00-08:00"
    settings.NOTICES_QUIET_CHANNELS = ["sms"]
    by_sms, _ = overdue(city.township_a1)
    by_wecom, _ = overdue(city.township_a1)
    choose(client, by_sms, Channel.SMS)
    choose(client, by_wecom, Channel.WECOM)
    night = timezone.make_aware(datetime.datetime.combine(days(0), datetime.time(23, 10)))
    morning = timezone.make_aware(datetime.datetime.combine(days(1), datetime.time(8, 0)))

    with SimulatedClock(night).running(), django_capture_on_commit_callbacks(execute=True):
        remind()
    waiting = Delivery.objects.get(user=by_sms)
    assert (waiting.status, waiting.next_try_at, waiting.attempts) == (
        DeliveryStatus.QUEUED,
        morning,
        0,
    )
    assert [r.kind for r in providers.received] == ["wecom"]  # robots are not held

    with SimulatedClock(morning - datetime.timedelta(minutes=1)).running():
        call_command("notices_retry", stdout=io.StringIO())
    assert providers.of("sms") == []
    with SimulatedClock(morning + datetime.timedelta(minutes=2)).running():
        call_command("notices_retry", stdout=io.StringIO())
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.SENT
    assert len(providers.of("sms")) == 1


def test_a_person_chooses_only_among_their_units_channels(city, county_a_channels, client):
    user_a, _ = make_learner(city.township_a1)
    user_b, _ = make_learner(city.township_b1)
    client.force_login(user_b)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert 'value="sms"' not in page
    response = client.post(reverse("notices:preferences"), {"channel": "sms"})
    assert response.status_code == 200
    assert not ChannelPreference.objects.filter(user=user_b).exists()

    client.force_login(user_a)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert "通知接收方式" in page and "短信" in page and "钉钉" in page
    for value in ("sms", "wecom", "dingtalk"):
        assert f'value="{value}"' in page
    choose(client, user_a, "sms")
    assert ChannelPreference.objects.get(user=user_a).channel == "sms"
    assert AuditEntry.objects.filter(action="notices.preference_set").exists()


def test_a_channel_closed_below_falls_back_to_e_mail(
    city, overdue, providers, county_a_channels, client, django_capture_on_commit_callbacks
):
    user, _ = overdue(
        city.township_a2,
    )
    user.email = "a2@example.cn"
    user.save()
    choose(client, user, Channel.SMS)
    ChannelConfig.objects.create(department=city.township_a2, channel=Channel.SMS, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        remind()
    assert providers.received == []
    assert Delivery.objects.get(user=user).channel == Channel.EMAIL
    assert [m.to for m in mail.outbox] == [["a2@example.cn"]]


def test_the_delivery_log_is_scoped_filtered_and_exported(
    city, overdue, county_a_channels, client, coordinator_a, django_capture_on_commit_callbacks
):
    mine, _ = overdue(city.township_a1)
    theirs, _ = overdue(city.township_b1)
    for user in (mine, theirs):
        user.email = f"{user.username}@example.cn"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        remind()
    Delivery.objects.filter(user=mine).update(
        status=DeliveryStatus.FAILED, answer="310000: x", reason="refused"
    )

    client.force_login(coordinator_a)
    # Before anything went out, the empty log says why and where the rest is.
    Delivery.objects.update(department=city.county_b)
    empty = client.get(reverse("notices:deliveries")).content.decode()
    assert "尚无站外发送记录" in empty and "通知接收方式" in empty
    Delivery.objects.filter(user=mine).update(department=city.township_a1)
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert mine.get_full_name() in page
    assert theirs.get_full_name() not in page
    assert f"{mine.username[:1]}***@example.cn" in page
    assert "通知发送记录" in page and "服务商应答" in page
    assert "服务商拒绝发送（密钥、签名、模板或应用设置有误）" in page
    filtered = client.get(reverse("notices:deliveries"), {"status": "sent"}).content.decode()
    assert mine.get_full_name() not in filtered
    assert "暂无发送记录" in filtered and "尚无站外发送记录" not in filtered
    response = client.get(reverse("notices:deliveries"), {"status": "failed", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == mine.get_full_name()
    assert "310000: x" in rows[1]
    assert "服务商拒绝发送（密钥、签名、模板或应用设置有误）" in rows[1]

    client.force_login(mine)
    assert client.get(reverse("notices:deliveries")).status_code == 404
    assert AuditEntry.objects.filter(
        action="access.denied", target_type="role:coordinator"
    ).exists()


def test_the_administrator_configures_a_units_channel_and_never_sees_the_secret_again(
    city, administrator, client
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:notices_channelconfig_add"),
        {
            "department": city.county_b.pk,
            "channel": "dingtalk",
            "enabled": "on",
            "token": "token-of-the-robot-1234",
            "secret": "SECthe-signing-secret-9876",
            "sms_region": "ap-guangzhou",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    config = ChannelConfig.objects.get(department=city.county_b)
    assert config.token() == "token-of-the-robot-1234"
    assert config.secret() == "SECthe-signing-secret-9876"
    assert "SECthe" not in config.secret_encrypted
    page = client.get(reverse("admin:notices_channelconfig_change", args=[config.pk]))
    assert "SECthe-signing-secret" not in page.content.decode()
    assert "…9876" in client.get(reverse("admin:notices_channelconfig_changelist")).content.decode()
    entry = AuditEntry.objects.get(action="notices.channel_configured")
    assert "SECthe" not in str(entry.data)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("coordinator", {"county_a", "township_a1"}),
        ("administrator", {"city", "county_a", "township_a1", "county_b"}),
        ("manager", None),  # read-only role: the log is the coordinators' tool
        ("learner", None),
    ],
)
def test_the_delivery_log_follows_the_access_matrix(city, client, role, sees):
    from tests.factories import add_totp

    for place in ("city", "county_a", "township_a1", "county_b"):
        user, _ = make_learner(getattr(city, place))
        user.first_name = f"收件人{place}"
        user.save()
        Delivery.objects.create(
            user=user,
            department=getattr(city, place),
            key=f"k:{place}",
            channel=Channel.EMAIL,
            title="t",
            created_at=timezone.now(),
        )
    if role == "learner":
        actor, _ = make_learner(city.township_a1)
    else:
        actor = make_user_with_role(role, city.city if role == "administrator" else city.county_a)
        if role == "administrator":
            add_totp(actor)
    client.force_login(actor)
    response = client.get(reverse("notices:deliveries"))
    if sees is None:
        assert response.status_code == 404
        return
    page = response.content.decode()
    shown = {p for p in ("city", "county_a", "township_a1", "county_b") if f"收件人{p}<" in page}
    assert shown == sees


def test_the_log_reads_in_chinese_when_no_provider_answered(
    city, overdue, county_a_channels, client, coordinator_a, django_capture_on_commit_callbacks
):
    """An e-mail accepted, and an SMS that could not go (no mobile on file): the log says
    so in words; no English text of the dispatch's own reaches the page or the export."""
    mailed, _ = overdue(city.township_a1)
    mailed.email = "mailed@example.cn"
    mailed.save()
    no_mobile, staff = overdue(city.township_a2)
    choose(client, no_mobile, Channel.SMS)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        remind()
    # The mobile is struck off between the queueing and the sending.
    staff.mobile = ""
    staff.save(update_fields=["mobile"])
    for callback in queued:
        callback()

    assert Delivery.objects.get(user=mailed).reason == "sent"
    assert Delivery.objects.get(user=no_mobile).reason == "no_mobile"
    client.force_login(coordinator_a)
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert "已交服务商发送" in page and "未登记手机号" in page
    for english in ("accepted", "no mobile number", "mail server"):
        assert english not in page
    response = client.get(reverse("notices:deliveries"), {"format": "xlsx"})
    cells = [
        str(v)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for v in row
        if v
    ]
    assert "未登记手机号" in cells and not any("no mobile" in c for c in cells)
