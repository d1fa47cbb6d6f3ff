import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from notices.models import Channel, ChannelConfig, ChannelMode
from notices.services import channel_config_save
from tests.factories import make_learner
from tests.training.helpers import make_module, make_programme, make_track
from training.models import Enrolment

from . import servers
from .helpers import days


@pytest.fixture
def providers(settings):
    """The providers on 127.0.0.1, the settings pointing at them (and no token or user
    ID cached from another test)."""
    cache.clear()
    server = servers.ProviderServer().start()
    base = f"http://127.0.0.1:{server.port}"
    settings.NOTICES_SMS_ENDPOINT = f"127.0.0.1:{server.port}"
    settings.NOTICES_SMS_SCHEME = "http"
    settings.NOTICES_WECOM_ROBOT_URL = f"{base}/cgi-bin/webhook/send"
    settings.NOTICES_DINGTALK_ROBOT_URL = f"{base}/robot/send"
    settings.NOTICES_WECOM_API_URL = f"{base}/cgi-bin"
    settings.NOTICES_DINGTALK_API_URL = base
    yield server
    server.stop()
    cache.clear()


def configure(unit, channel, *, token=None, secret=None, **fields) -> ChannelConfig:
    """A unit's channel with the local servers' credentials (or the ones given); with
    mode="app", WeCom's or DingTalk's application instead of the robot."""
    if fields.get("mode") == ChannelMode.APP:
        app = {
            Channel.WECOM: (
                servers.WECOM_CORP_ID,
                servers.WECOM_AGENT_ID,
                servers.WECOM_APP_SECRET,
            ),
            Channel.DINGTALK: (
                servers.DINGTALK_APP_KEY,
                servers.DINGTALK_AGENT_ID,
                servers.DINGTALK_APP_SECRET,
            ),
        }[channel]
        fields = {"app_id": app[0], "agent_id": app[1], **fields}
        return channel_config_save(
            config=ChannelConfig(department=unit, channel=channel, **fields),
            acting_user=None,
            secret=app[2] if secret is None else secret,
        )
    defaults = {
        Channel.SMS: (servers.SMS_SECRET_ID, servers.SMS_SECRET_KEY),
        Channel.WECOM: (servers.WECOM_KEY, ""),
        Channel.DINGTALK: (servers.DINGTALK_TOKEN, servers.DINGTALK_SECRET),
    }[channel]
    if channel == Channel.SMS:
        fields = {
            "sms_app_id": servers.SMS_APP_ID,
            "sms_sign_name": servers.SMS_SIGN_NAME,
            "sms_template_id": servers.SMS_TEMPLATE_ID,
            **fields,
        }
    return channel_config_save(
        config=ChannelConfig(department=unit, channel=channel, **fields),
        acting_user=None,
        token=defaults[0] if token is None else token,
        secret=defaults[1] if secret is None else secret,
    )


@pytest.fixture
def county_a_channels(city):
    """County A (and so its townships) offers SMS, WeCom and DingTalk; county B none."""
    return {c: configure(city.county_a, c) for c in (Channel.SMS, Channel.WECOM, Channel.DINGTALK)}


@pytest.fixture
def overdue(city):
    """A city programme with a module due ten days ago; returns a function that enrols
    a new learner of a unit in it (so they are overdue)."""
    track = make_track(make_programme(city.city, escalate_after_days=30))
    module = make_module(track, week=1, starts_on=days(-16), due_on=days(-10))

    def learner(unit, **fields):
        user, staff = make_learner(unit, **fields)
        Enrolment.objects.create(
            staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
        )
        return user, staff

    learner.module = module
    return learner
