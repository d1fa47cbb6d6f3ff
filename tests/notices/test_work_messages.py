"""Work messages through a unit's WeCom application (企业微信应用消息) or DingTalk app
(钉钉工作通知) instead of its group robot: an access token from the app's credentials,
cached and fetched again when it expires, the person's user ID found by mobile, a text
message to them alone. The providers are local servers speaking both APIs (servers.py)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from notices.models import Channel, ChannelConfig, ChannelMode, Delivery, DeliveryStatus
from notices.services import Outgoing, notices_dispatch
from organisation.models import Role
from tests.factories import make_user_with_role
from training.models import Notification
from training.simulation import SimulatedClock

from . import servers
from .conftest import configure
from .helpers import choose, remind, tick_to_next_try

pytestmark = pytest.mark.django_db

APPS = [Channel.WECOM, Channel.DINGTALK]


def kinds(providers):
    return [r.kind for r in providers.received]


@pytest.fixture
def apps(city):
    """County A (and its townships) sends WeCom and DingTalk through its applications."""
    return {c: configure(city.county_a, c, mode=ChannelMode.APP) for c in APPS}


def in_directory(providers, staff, userid):
    providers.wecom_users[staff.mobile] = userid
    providers.dingtalk_users[staff.mobile] = userid


@pytest.mark.parametrize("channel", APPS)
def test_a_reminder_reaches_the_learner_through_the_units_application(
    channel, city, overdue, providers, apps, client, django_capture_on_commit_callbacks
):
    first, first_staff = overdue(city.township_a1)
    second, second_staff = overdue(city.township_a2)
    in_directory(providers, first_staff, "zhangsan")
    in_directory(providers, second_staff, "lisi")
    choose(client, first, channel)
    choose(client, second, channel)

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    # One token for both, each person's user ID by mobile, one message each.
    assert kinds(providers) == [
        f"{channel}_token",
        f"{channel}_userid",
        f"{channel}_app",
        f"{channel}_userid",
        f"{channel}_app",
    ]
    lookups = providers.of(f"{channel}_userid")
    assert {r.body["mobile"] for r in lookups} == {first_staff.mobile, second_staff.mobile}
    note = Notification.objects.get(user=first, key__startswith="overdue:")
    (message,) = [
        r.body
        for r in providers.of(f"{channel}_app")
        if "zhangsan" in (r.body.get("touser"), r.body.get("userid_list"))
    ]
    if channel == Channel.WECOM:
        assert (message["touser"], message["msgtype"]) == ("zhangsan", "text")
        assert str(message["agentid"]) == servers.WECOM_AGENT_ID
        assert note.title in message["text"]["content"]
    else:
        assert message["userid_list"] == "zhangsan"
        assert str(message["agent_id"]) == servers.DINGTALK_AGENT_ID
        assert message["msg"]["msgtype"] == "text"
        assert note.title in message["msg"]["text"]["content"]
    delivery = Delivery.objects.get(user=first)
    assert (delivery.channel, delivery.status, delivery.attempts, delivery.key) == (
        channel,
        DeliveryStatus.SENT,
        1,
        note.key,
    )
    assert delivery.answer.startswith("0: ok")
    assert delivery.recipient_masked == f"{first_staff.mobile[:3]}****{first_staff.mobile[-4:]}"
    assert Delivery.objects.get(user=second).status == DeliveryStatus.SENT
    # The robot is not used where the unit chose its application.
    assert providers.of(channel) == []


@pytest.mark.parametrize("channel", APPS)
def test_an_expired_token_is_fetched_again_once_and_the_message_sent(
    channel, city, overdue, providers, apps, client, django_capture_on_commit_callbacks
):
    user, staff = overdue(city.township_a1)
    in_directory(providers, staff, "wangwu")
    choose(client, user, channel)
    with django_capture_on_commit_callbacks(execute=True):
        notices_dispatch(notices=[Outgoing(user=user, key="k:1", title="第一条")])
    providers.expire_tokens()  # the cached token is now refused by the API
    providers.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notices_dispatch(notices=[Outgoing(user=user, key="k:2", title="第二条")])

    # The user ID is cached; the refused message is sent again with a new token.
    assert kinds(providers) == [f"{channel}_app", f"{channel}_token", f"{channel}_app"]
    tokens = [r.query["access_token"] for r in providers.of(f"{channel}_app")]
    assert tokens[0] != tokens[1]
    delivery = Delivery.objects.get(user=user, key="k:2")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


@pytest.mark.parametrize("channel", APPS)
def test_a_token_is_fetched_again_shortly_before_it_expires(
    channel, city, overdue, providers, apps, client, settings, django_capture_on_commit_callbacks
):
    settings.NOTICES_APP_TOKEN_MARGIN = 300
    user, staff = overdue(city.township_a1)
    in_directory(providers, staff, "zhaoliu")
    choose(client, user, channel)
    with django_capture_on_commit_callbacks(execute=True):
        notices_dispatch(notices=[Outgoing(user=user, key="k:1", title="一")])
    start = timezone.now()

    lifetime = datetime.timedelta(seconds=servers.TOKEN_SECONDS)
    at = start + lifetime - datetime.timedelta(seconds=301)
    with SimulatedClock(at).running(), django_capture_on_commit_callbacks(execute=True):
        notices_dispatch(notices=[Outgoing(user=user, key="k:2", title="二")])
    assert len(providers.of(f"{channel}_token")) == 1  # still good
    at = start + lifetime - datetime.timedelta(seconds=299)
    with SimulatedClock(at).running(), django_capture_on_commit_callbacks(execute=True):
        notices_dispatch(notices=[Outgoing(user=user, key="k:3", title="三")])
    assert len(providers.of(f"{channel}_token")) == 2  # within the margin: a new one
    assert Delivery.objects.filter(user=user, status=DeliveryStatus.SENT).count() == 3


@pytest.mark.parametrize(
    ("channel", "code"), [(Channel.WECOM, "46004"), (Channel.DINGTALK, "60121")]
)
def test_a_mobile_unknown_to_the_directory_fails_clearly_without_retry(
    channel, code, city, overdue, providers, apps, client, django_capture_on_commit_callbacks
):
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    user, _staff = overdue(city.township_a1)  # not in the WeCom / DingTalk directory
    choose(client, user, channel)

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    delivery = Delivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts, delivery.next_try_at) == (
        DeliveryStatus.FAILED,
        1,
        None,
    )
    assert delivery.answer.startswith(code)
    assert "no account with this mobile number" in delivery.answer
    assert providers.of(f"{channel}_app") == []
    report = Notification.objects.get(user=coordinator, key=f"delivery-failed:{delivery.pk}")
    assert code in report.body
    assert AuditEntry.objects.filter(
        action="notices.delivery_failed", target_id=str(delivery.pk)
    ).exists()
    # Nothing more is tried later.
    with SimulatedClock(timezone.now() + datetime.timedelta(days=1)).running():
        call_command("notices_retry", stdout=io.StringIO())
    assert len(providers.of(f"{channel}_userid")) == 1


@pytest.mark.parametrize(
    ("channel", "code"), [(Channel.WECOM, "45009"), (Channel.DINGTALK, "90018")]
)
def test_a_rate_limited_work_message_is_tried_again_later(
    channel, code, city, overdue, providers, apps, client, django_capture_on_commit_callbacks
):
    user, staff = overdue(city.township_a1)
    in_directory(providers, staff, "sunqi")
    choose(client, user, channel)
    providers.script[f"{channel}_app"] = ["limit"]

    with django_capture_on_commit_callbacks(execute=True):
        remind()
    delivery = Delivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert delivery.answer.startswith(code)

    tick_to_next_try(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(providers.of(f"{channel}_app")) == 2
    # The token and the user ID were kept between the tries.
    assert len(providers.of(f"{channel}_token")) == 1
    assert len(providers.of(f"{channel}_userid")) == 1


@pytest.mark.parametrize(
    ("channel", "code"), [(Channel.WECOM, "40001"), (Channel.DINGTALK, "40089")]
)
def test_a_wrong_application_secret_fails_at_once(
    channel, code, city, overdue, providers, client, django_capture_on_commit_callbacks
):
    configure(city.county_a, channel, mode=ChannelMode.APP, secret="not-the-app-secret")
    user, staff = overdue(city.township_a1)
    in_directory(providers, staff, "zhouba")
    choose(client, user, channel)

    with django_capture_on_commit_callbacks(execute=True):
        remind()

    delivery = Delivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.answer.startswith(code)
    assert "not-the-app-secret" not in delivery.answer
    assert kinds(providers) == [f"{channel}_token"]


def test_the_administrator_configures_a_units_application_and_never_sees_its_secret(
    city, administrator, client
):
    client.force_login(administrator)
    url = reverse("admin:notices_channelconfig_add")
    form = {
        "department": city.county_b.pk,
        "channel": "wecom",
        "mode": "app",
        "enabled": "on",
        "app_id": "ww0123456789abcdef",
        "sms_region": "ap-guangzhou",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "通过应用发送时必填" in refused.content.decode()
    assert not ChannelConfig.objects.filter(department=city.county_b).exists()

    response = client.post(
        url, {**form, "agent_id": "1000002", "app_secret": "the-app-secret-of-wecom-5678"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    config = ChannelConfig.objects.get(department=city.county_b)
    assert (config.mode, config.app_id, config.agent_id) == (
        ChannelMode.APP,
        "ww0123456789abcdef",
        "1000002",
    )
    assert config.secret() == "the-app-secret-of-wecom-5678"
    assert "the-app-secret" not in config.secret_encrypted
    page = client.get(reverse("admin:notices_channelconfig_change", args=[config.pk]))
    assert "the-app-secret" not in page.content.decode()
    listing = client.get(reverse("admin:notices_channelconfig_changelist")).content.decode()
    assert "…5678" in listing and "应用" in listing
    entry = AuditEntry.objects.get(action="notices.channel_configured")
    assert entry.data["mode"] == "app"
    assert "the-app-secret" not in str(entry.data)

    # Back to the robot: the application's secret is not kept as the robot's.
    change = reverse("admin:notices_channelconfig_change", args=[config.pk])
    back = client.post(change, {**form, "mode": "robot", "token": "robot-key-of-wecom-1111"})
    assert back.status_code == 302, back.content.decode()[:3000]
    config.refresh_from_db()
    assert (config.mode, config.token(), config.secret()) == (
        ChannelMode.ROBOT,
        "robot-key-of-wecom-1111",
        "",
    )

    # SMS has no application.
    sms = client.post(url, {**form, "channel": "sms", "department": city.county_a.pk})
    assert sms.status_code == 200
    assert "只有企业微信和钉钉可以通过应用发送" in sms.content.decode()
