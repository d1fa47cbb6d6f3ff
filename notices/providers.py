"""The outside channels, one provider each, behind one small interface.

`provider.send(config=..., recipient=..., title=..., text=...)` returns an `Outcome`:
sent or not, the provider's answer (kept in the delivery log, never a secret), and
whether another try may succeed (a rate limit or a server error: yes; a wrong key or an
unapproved template: no). Base addresses come from settings, so tests point them at
servers on 127.0.0.1 that speak each protocol.

- E-mail: Django's mail (settings.MAILERS / EMAIL_HOST).
- SMS: Tencent Cloud SMS (`SendSms`, API 2021-01-11) through its SDK, which signs each
  request (TC3-HMAC-SHA256); the unit's approved signature and template, the notice's
  title as the template's one parameter.
- WeCom group robot: `POST <url>?key=<key>`, a text message mentioning the person by
  mobile number; errcode 45009 is the robot's rate limit.
- DingTalk group robot: `POST <url>?access_token=..&timestamp=..&sign=..`, the sign
  being base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")); errcode 130101 is the
  rate limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail

from .models import Channel, ChannelConfig


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    answer: str
    retry: bool = True


class EmailProvider:
    def send(self, *, config, recipient: Recipient, title: str, text: str) -> Outcome:
        try:
            count = send_mail(title, text, None, [recipient.email])
        except Exception as error:  # the mail server is down, refuses, times out
            return Outcome(False, f"{type(error).__name__}: {error}"[:500])
        return Outcome(bool(count), "accepted by the mail server" if count else "not accepted")


# Tencent Cloud error codes after which another try cannot succeed.
SMS_FINAL_PREFIXES = (
    "AuthFailure",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.MissingSignature",
    "FailedOperation.MissingTemplate",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    "InvalidParameter",
    "UnauthorizedOperation",
    "UnsupportedOperation",
)


def _sms_final(code: str) -> bool:
    return code.startswith(SMS_FINAL_PREFIXES)


class TencentSmsProvider:
    def send(self, *, config: ChannelConfig, recipient: Recipient, title: str, text: str):
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        http = HttpProfile(
            protocol=settings.NOTICES_SMS_SCHEME,
            endpoint=settings.NOTICES_SMS_ENDPOINT,
            reqTimeout=settings.NOTICES_HTTP_TIMEOUT,
        )
        client = sms_client.SmsClient(
            credential.Credential(config.token(), config.secret()),
            config.sms_region or "ap-guangzhou",
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.SmsSdkAppId = config.sms_app_id
        request.SignName = config.sms_sign_name
        request.TemplateId = config.sms_template_id
        request.TemplateParamSet = [title[: settings.NOTICES_SMS_PARAM_MAX]]
        request.PhoneNumberSet = [f"+86{recipient.mobile}"]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or "ServerNetworkError"
            answer = f"{code}: {error.get_message()} ({error.get_request_id() or '-'})"
            return Outcome(False, answer[:500], retry=not _sms_final(code))
        except Exception as error:  # connection refused, timeout
            return Outcome(False, f"{type(error).__name__}: {error}"[:500])
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            return Outcome(False, f"no send status ({response.RequestId})")
        answer = f"{status.Code}: {status.Message} ({status.SerialNo or response.RequestId})"
        if status.Code == "Ok":
            return Outcome(True, answer[:500])
        return Outcome(False, answer[:500], retry=not _sms_final(status.Code))


def _post_json(url: str, payload: dict) -> tuple[int, dict | None, str]:
    """POST JSON; (HTTP status, decoded JSON answer or None, raw text)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("a robot's address must be http(s)")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 (scheme checked above)
            request, timeout=settings.NOTICES_HTTP_TIMEOUT
        ) as response:
            status, raw = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read().decode("utf-8", "replace")
    try:
        return status, json.loads(raw), raw
    except ValueError:
        return status, None, raw


def _robot_outcome(status: int, data: dict | None, raw: str, *, final_codes) -> Outcome:
    if status != 200 or data is None:
        return Outcome(False, f"HTTP {status}: {raw[:200]}")
    code = data.get("errcode")
    answer = f"{code}: {data.get('errmsg', '')}"[:500]
    if code == 0:
        return Outcome(True, answer)
    return Outcome(False, answer, retry=code not in final_codes)


class WeComRobotProvider:
    # 93000: invalid webhook key; 40008: invalid message type; 40058: invalid argument.
    FINAL_CODES = {93000, 40008, 40058}

    def send(self, *, config: ChannelConfig, recipient: Recipient, title: str, text: str):
        url = (
            f"{settings.NOTICES_WECOM_ROBOT_URL}?{urllib.parse.urlencode({'key': config.token()})}"
        )
        payload = {"msgtype": "text", "text": {"content": text}}
        if recipient.mobile:
            payload["text"]["mentioned_mobile_list"] = [recipient.mobile]
        try:
            status, data, raw = _post_json(url, payload)
        except OSError as error:
            return Outcome(False, f"{type(error).__name__}: {error}"[:500])
        return _robot_outcome(status, data, raw, final_codes=self.FINAL_CODES)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of a robot call (before URL encoding)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobotProvider:
    # 300001: token is not exist; 310000: sign, keyword or IP check failed;
    # 400101/400102: robot stopped.
    FINAL_CODES = {300001, 310000, 400101, 400102}

    def send(self, *, config: ChannelConfig, recipient: Recipient, title: str, text: str):
        query = {"access_token": config.token()}
        secret = config.secret()
        if secret:
            timestamp = int(time.time() * 1000)
            query.update(timestamp=str(timestamp), sign=dingtalk_sign(secret, timestamp))
        url = f"{settings.NOTICES_DINGTALK_ROBOT_URL}?{urllib.parse.urlencode(query)}"
        payload = {
            "msgtype": "text",
            "text": {"content": text},
            "at": {"atMobiles": [recipient.mobile] if recipient.mobile else [], "isAtAll": False},
        }
        try:
            status, data, raw = _post_json(url, payload)
        except OSError as error:
            return Outcome(False, f"{type(error).__name__}: {error}"[:500])
        return _robot_outcome(status, data, raw, final_codes=self.FINAL_CODES)


PROVIDERS = {
    Channel.EMAIL: EmailProvider(),
    Channel.SMS: TencentSmsProvider(),
    Channel.WECOM: WeComRobotProvider(),
    Channel.DINGTALK: DingTalkRobotProvider(),
}
