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
- WeCom application message (企业微信应用消息) and DingTalk work notice (钉钉工作通知), where
  the unit configured its application instead of a robot: an access token from the
  corp's credentials (cached until shortly before it expires, fetched again when the
  API calls it expired), the person's user ID found by mobile number (cached), then a
  text message to that person alone (`WorkMessageProvider` and its two dialects).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

from .models import Channel, ChannelConfig, ChannelMode, DeliveryReason


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

    @property
    def reason(self) -> str:
        """The try's result as people read it (`DeliveryReason`)."""
        return outcome_reason(self)


# The dispatch's own answers (no provider was asked).
NO_CHANNEL_TEXT = "the unit no longer offers this channel"
NO_MOBILE_TEXT = "no mobile number"
NO_EMAIL_TEXT = "no e-mail address"
UNKNOWN_USER_TEXT = "no account with this mobile number"
# Rate limits: Tencent Cloud, WeCom (robot, app), DingTalk (robot, app).
_RATE_LIMIT_CODES = {"45009", "45033", "130101", "90002", "90005", "90006", "90018"}
_EXCEPTION = re.compile(r"^[A-Za-z_.]*(Error|Exception|Timeout|timeout)\b")


def outcome_reason(outcome: Outcome) -> str:
    answer = outcome.answer or ""
    code = answer.split(":", 1)[0].strip()
    if outcome.ok:
        return DeliveryReason.SENT
    fixed = {
        NO_CHANNEL_TEXT: DeliveryReason.CHANNEL_CLOSED,
        NO_MOBILE_TEXT: DeliveryReason.NO_MOBILE,
        NO_EMAIL_TEXT: DeliveryReason.NO_EMAIL,
    }
    if answer in fixed:
        return fixed[answer]
    if UNKNOWN_USER_TEXT in answer:
        return DeliveryReason.UNKNOWN_USER
    if code in _RATE_LIMIT_CODES or "LimitExceeded" in code:
        return DeliveryReason.RATE_LIMITED
    if code.startswith("HTTP 5"):
        return DeliveryReason.UNAVAILABLE
    if code == "ServerNetworkError" or _EXCEPTION.match(code):
        return DeliveryReason.NETWORK
    return DeliveryReason.TEMPORARY if outcome.retry else DeliveryReason.REFUSED


class EmailProvider:
    def send(self, *, config, recipient: Recipient, title: str, text: str) -> Outcome:
        try:
            count = send_mail(title, text, None, [recipient.email])
        except Exception as error:  # the mail server is down, refuses, times out
            return Outcome(False, f"{type(error).__name__}: {error}"[:500])
        # Accepted or not is all the mail server says; the reason carries it.
        return Outcome(bool(count), "")


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


def _post_json(url: str, payload: dict | None) -> tuple[int, dict | None, str]:
    """POST JSON (GET when `payload` is None); (HTTP status, decoded JSON answer or None,
    raw text)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("a provider's address must be http(s)")
    if payload is None:
        request = urllib.request.Request(url, method="GET")  # noqa: S310 (scheme checked)
    else:
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


# --- work messages through the unit's application ---------------------------------------


class _Stop(Exception):
    """An answer that ends this try: `outcome` says how."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.answer)
        self.outcome = outcome


class WorkMessageProvider:
    """Shared by the WeCom application and the DingTalk work notice, which differ only
    in addresses, field names and error codes (the subclasses).

    Token: fetched with the application's credentials, kept in Django's cache (shared by
    the workers) until `NOTICES_APP_TOKEN_MARGIN` seconds before it expires; when an
    API answers that it is invalid or expired it is fetched again once and the call
    repeated. User ID: found by mobile number and cached for
    `NOTICES_APP_USERID_SECONDS`; a mobile the directory does not know fails at once
    (no retry can mend it). Cache keys carry a digest of the credentials, never them."""

    name = ""
    TOKEN_CODES: frozenset[int] = frozenset()  # the token is invalid or expired
    RETRY_CODES: frozenset[int] = frozenset()  # rate limits, system busy
    NOT_FOUND_CODES: frozenset[int] = frozenset()  # no user with this mobile
    NOT_FOUND_TEXT = UNKNOWN_USER_TEXT

    # The subclasses' dialect.
    def base_url(self) -> str:
        raise NotImplementedError

    def token_request(self, config: ChannelConfig) -> str:
        raise NotImplementedError

    def userid_request(self, mobile: str) -> tuple[str, dict]:
        raise NotImplementedError

    def userid_of(self, data: dict) -> str:
        raise NotImplementedError

    def message_request(self, config: ChannelConfig, userid: str, text: str) -> tuple[str, dict]:
        raise NotImplementedError

    def sent_answer(self, data: dict) -> Outcome:
        return Outcome(True, f"{data.get('errcode')}: {data.get('errmsg', '')}"[:500])

    # The common flow.
    def _key(self, config: ChannelConfig, what: str, extra: str = "") -> str:
        digest = hashlib.sha256(
            "\n".join((config.app_id, config.secret(), config.agent_id, extra)).encode()
        ).hexdigest()[:32]
        return f"notices:{self.name}:{what}:{digest}"

    def _call(self, path: str, payload: dict | None) -> dict:
        """One API call; its JSON answer, or `_Stop` for a network or HTTP failure."""
        try:
            status, data, raw = _post_json(f"{self.base_url()}{path}", payload)
        except OSError as error:
            raise _Stop(Outcome(False, f"{type(error).__name__}: {error}"[:500])) from error
        if status != 200 or data is None:
            raise _Stop(Outcome(False, f"HTTP {status}: {raw[:200]}"))
        return data

    def _fail(self, data: dict) -> _Stop:
        code = data.get("errcode")
        answer = f"{code}: {data.get('errmsg', '')}"[:500]
        # A token refused again right after it was fetched may pass later.
        return _Stop(Outcome(False, answer, retry=code in self.RETRY_CODES | self.TOKEN_CODES))

    def token(self, config: ChannelConfig, *, fresh: bool = False) -> str:
        key = self._key(config, "token")
        now = timezone.now().timestamp()
        cached = None if fresh else cache.get(key)
        if cached and cached["expires_at"] - settings.NOTICES_APP_TOKEN_MARGIN > now:
            return cached["token"]
        data = self._call(self.token_request(config), None)
        if data.get("errcode") != 0 or not data.get("access_token"):
            raise self._fail(data)  # wrong credentials fail at once, rate limits retry
        expires_in = int(data.get("expires_in") or 7200)
        cache.set(key, {"token": data["access_token"], "expires_at": now + expires_in}, expires_in)
        return data["access_token"]

    def _api(self, config: ChannelConfig, path: str, payload: dict) -> dict:
        """POST with the token; a token the API calls invalid or expired is fetched again
        once and the call repeated."""
        for fresh in (False, True):
            token = self.token(config, fresh=fresh)
            data = self._call(f"{path}?{urllib.parse.urlencode({'access_token': token})}", payload)
            if data.get("errcode") not in self.TOKEN_CODES:
                return data
            cache.delete(self._key(config, "token"))
        return data  # refused twice: the caller reports it (a later try may succeed)

    def userid(self, config: ChannelConfig, mobile: str) -> str:
        key = self._key(config, "userid", mobile)
        userid = cache.get(key)
        if userid:
            return userid
        path, payload = self.userid_request(mobile)
        data = self._api(config, path, payload)
        code = data.get("errcode")
        if code in self.NOT_FOUND_CODES:
            answer = f"{code}: {data.get('errmsg', '')} ({self.NOT_FOUND_TEXT})"
            raise _Stop(Outcome(False, answer[:500], retry=False))
        if code != 0 or not self.userid_of(data):
            raise self._fail(data)
        userid = self.userid_of(data)
        cache.set(key, userid, settings.NOTICES_APP_USERID_SECONDS)
        return userid

    def send(self, *, config: ChannelConfig, recipient: Recipient, title: str, text: str):
        try:
            userid = self.userid(config, recipient.mobile)
            path, payload = self.message_request(config, userid, text)
            data = self._api(config, path, payload)
            if data.get("errcode") != 0:
                if data.get("errcode") in self.NOT_FOUND_CODES:
                    # The cached user ID is stale: look it up again next time.
                    cache.delete(self._key(config, "userid", recipient.mobile))
                raise self._fail(data)
            return self.sent_answer(data)
        except _Stop as stop:
            return stop.outcome


class WeComAppProvider(WorkMessageProvider):
    """WeCom application message: `GET /gettoken?corpid=&corpsecret=`,
    `POST /user/getuserid {"mobile"}`, `POST /message/send {"touser", "msgtype": "text",
    "agentid", "text": {"content"}}` under `NOTICES_WECOM_API_URL` (…/cgi-bin)."""

    name = "wecom"
    # 40014 invalid access_token, 42001 access_token expired.
    TOKEN_CODES = frozenset({40014, 42001})
    # -1 system busy, 45009 API frequency limit, 45033 too many concurrent calls.
    RETRY_CODES = frozenset({-1, 45009, 45033})
    # 46004 no such user; 60111 userid not found; 81013 the user is not in the app's
    # visible range (all recipients invalid).
    NOT_FOUND_CODES = frozenset({46004, 60111, 81013})

    def base_url(self) -> str:
        return settings.NOTICES_WECOM_API_URL.rstrip("/")

    def token_request(self, config):
        query = {"corpid": config.app_id, "corpsecret": config.secret()}
        return f"/gettoken?{urllib.parse.urlencode(query)}"

    def userid_request(self, mobile):
        return "/user/getuserid", {"mobile": mobile}

    def userid_of(self, data):
        return data.get("userid") or ""

    def message_request(self, config, userid, text):
        agent = int(config.agent_id) if config.agent_id.isdigit() else config.agent_id
        return "/message/send", {
            "touser": userid,
            "msgtype": "text",
            "agentid": agent,
            "text": {"content": text},
        }

    def sent_answer(self, data):
        if data.get("invaliduser"):  # accepted, but not for this person
            return Outcome(False, f"81013: invaliduser {data['invaliduser']}", retry=False)
        return super().sent_answer(data)


class DingTalkAppProvider(WorkMessageProvider):
    """DingTalk work notice: `GET /gettoken?appkey=&appsecret=`,
    `POST /topapi/v2/user/getbymobile {"mobile"}`,
    `POST /topapi/message/corpconversation/asyncsend_v2 {"agent_id", "userid_list",
    "msg": {"msgtype": "text", "text": {"content"}}}` under `NOTICES_DINGTALK_API_URL`.
    The send is asynchronous: DingTalk accepts it with a task ID (kept in the answer)."""

    name = "dingtalk"
    # 88 / 40014 invalid access_token, 42001 expired.
    TOKEN_CODES = frozenset({88, 40014, 42001})
    # -1 system busy; 90002, 90005, 90006, 90018: call frequency limits.
    RETRY_CODES = frozenset({-1, 90002, 90005, 90006, 90018})
    # 60121 no user with this mobile; 33012 invalid userid.
    NOT_FOUND_CODES = frozenset({60121, 33012})

    def base_url(self) -> str:
        return settings.NOTICES_DINGTALK_API_URL.rstrip("/")

    def token_request(self, config):
        query = {"appkey": config.app_id, "appsecret": config.secret()}
        return f"/gettoken?{urllib.parse.urlencode(query)}"

    def userid_request(self, mobile):
        return "/topapi/v2/user/getbymobile", {"mobile": mobile}

    def userid_of(self, data):
        return (data.get("result") or {}).get("userid") or ""

    def message_request(self, config, userid, text):
        agent = int(config.agent_id) if config.agent_id.isdigit() else config.agent_id
        return "/topapi/message/corpconversation/asyncsend_v2", {
            "agent_id": agent,
            "userid_list": userid,
            "msg": {"msgtype": "text", "text": {"content": text}},
        }

    def sent_answer(self, data):
        answer = f"{data.get('errcode')}: {data.get('errmsg', 'ok')} (task {data.get('task_id')})"
        return Outcome(True, answer[:500])


PROVIDERS = {
    Channel.EMAIL: EmailProvider(),
    Channel.SMS: TencentSmsProvider(),
    Channel.WECOM: WeComRobotProvider(),
    Channel.DINGTALK: DingTalkRobotProvider(),
}
APP_PROVIDERS = {
    Channel.WECOM: WeComAppProvider(),
    Channel.DINGTALK: DingTalkAppProvider(),
}


def provider_for(channel: str, config: ChannelConfig | None):
    """The provider of a channel as the unit configured it (robot or application)."""
    if config is not None and config.mode == ChannelMode.APP and channel in APP_PROVIDERS:
        return APP_PROVIDERS[channel]
    return PROVIDERS[channel]
