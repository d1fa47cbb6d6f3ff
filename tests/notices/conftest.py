import pytest

from notices.models import Channel, ChannelConfig
from notices.services import channel_config_save

from . import servers


@pytest.fixture
def providers(settings):
    """The three providers on 127.0.0.1, the settings pointing at them."""
    server = servers.ProviderServer().start()
    base = f"http://127.0.0.1:{server.port}"
    settings.NOTICES_SMS_ENDPOINT = f"127.0.0.1:{server.port}"
    settings.NOTICES_SMS_SCHEME = "http"
    settings.NOTICES_WECOM_ROBOT_URL = f"{base}/cgi-bin/webhook/send"
    settings.NOTICES_DINGTALK_ROBOT_URL = f"{base}/robot/send"
    yield server
    server.stop()


def configure(unit, channel, *, token=None, secret=None, **fields) -> ChannelConfig:
    """A unit's channel with the local servers' credentials (or the ones given)."""
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
