"""Local stand-ins for the notice providers, speaking each one's documented protocol on
127.0.0.1 (no call leaves the machine):

- Tencent Cloud API 3.0 (`SendSms`, version 2021-01-11): verifies the TC3-HMAC-SHA256
  signature of each request against the account's SecretKey and the timestamp's age,
  answers `{"Response": {"SendStatusSet": [...], "RequestId": ...}}` or
  `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`;
- WeCom group robot (`/cgi-bin/webhook/send?key=`): checks the key, answers
  `{"errcode": 0, "errmsg": "ok"}`, 93000 for an unknown key, 45009 when rate-limited;
- DingTalk custom robot (`/robot/send?access_token=&timestamp=&sign=`): checks the token,
  the timestamp (within an hour) and the HMAC-SHA256 signature of "timestamp\\nsecret",
  answers errcode 0, 300001 for an unknown token, 310000 for a bad signature, 130101 when
  rate-limited;
- WeCom application API (`/cgi-bin/gettoken`, `/cgi-bin/user/getuserid`,
  `/cgi-bin/message/send`) and DingTalk's (`/gettoken`, `/topapi/v2/user/getbymobile`,
  `/topapi/message/corpconversation/asyncsend_v2`): tokens issued for the right
  credentials with `expires_in`, refused when unknown or expired (WeCom 40014 / 42001,
  DingTalk 88 / 40014), the directory's user ID by mobile (WeCom 46004, DingTalk 60121
  when unknown), the agent ID checked, rate limits (WeCom 45009, DingTalk 90018).

`server.script[kind]` lists the answers to give next ("ok", "limit", "500"), then "ok";
`expire_tokens()` makes every token issued so far expired; `wecom_users` and
`dingtalk_users` map mobile numbers to user IDs.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SMS_SECRET_ID = "AKIDlocaltest0001"
SMS_SECRET_KEY = "local-test-secret-key"
SMS_APP_ID = "1400000001"
SMS_TEMPLATE_ID = "2000001"
SMS_SIGN_NAME = "洪州市政务服务"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "local-dingtalk-access-token"
DINGTALK_SECRET = "SEClocaltestsecret0123456789"
WECOM_CORP_ID = "wwlocal0123456789"
WECOM_AGENT_ID = "1000002"
WECOM_APP_SECRET = "local-wecom-app-secret-abcdefghijklmnop"
DINGTALK_APP_KEY = "dinglocalappkey01"
DINGTALK_AGENT_ID = "2900000001"
DINGTALK_APP_SECRET = "local-dingtalk-app-secret-0123456789"
TOKEN_SECONDS = 7200


@dataclass
class Received:
    kind: str
    body: dict
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


def _tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: ProviderServer.HTTPServer

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, payload: dict | str) -> None:
        raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        data = raw.encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "text/html" if isinstance(payload, str) else "application/json"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    APP_PATHS = {
        ("GET", "/cgi-bin/gettoken"): "wecom_token",
        ("POST", "/cgi-bin/user/getuserid"): "wecom_userid",
        ("POST", "/cgi-bin/message/send"): "wecom_app",
        ("GET", "/gettoken"): "dingtalk_token",
        ("POST", "/topapi/v2/user/getbymobile"): "dingtalk_userid",
        ("POST", "/topapi/message/corpconversation/asyncsend_v2"): "dingtalk_app",
    }

    def do_GET(self):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        kind = self.APP_PATHS.get(("GET", parts.path))
        if kind is None:
            return self._answer(404, "not found")
        self.server.provider.received.append(Received(kind, {}, query, dict(self.headers)))
        return getattr(self, f"_{kind}")(query, self.server.provider)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        provider = self.server.provider
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        app_kind = self.APP_PATHS.get(("POST", parts.path))
        if app_kind is not None:
            provider.received.append(Received(app_kind, body, query, dict(self.headers)))
            return self._app_call(app_kind, body, query, provider)
        if parts.path == "/" and self.headers.get("X-TC-Action"):
            kind = "sms"
        elif parts.path == "/cgi-bin/webhook/send":
            kind = "wecom"
        elif parts.path == "/robot/send":
            kind = "dingtalk"
        else:
            return self._answer(404, "not found")
        provider.received.append(Received(kind, body, query, dict(self.headers)))
        return getattr(self, f"_{kind}")(raw, body, query, provider)

    # --- Tencent Cloud ------------------------------------------------------------------

    def _sms(self, raw: bytes, body: dict, query: dict, provider: ProviderServer):
        request_id = str(uuid.uuid4())

        def error(code: str, message: str):
            return self._answer(
                200,
                {
                    "Response": {
                        "Error": {"Code": code, "Message": message},
                        "RequestId": request_id,
                    }
                },
            )

        auth = self.headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(item.strip().split("=", 1) for item in rest.split(","))
            secret_id, date, service, _term = fields["Credential"].split("/")
        except (ValueError, KeyError):
            return error("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
        if algorithm != "TC3-HMAC-SHA256" or fields.get("SignedHeaders") != "content-type;host":
            return error("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
        if secret_id != SMS_SECRET_ID:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = int(self.headers.get("X-TC-Timestamp", "0"))
        if abs(time.time() - timestamp) > 300:
            return error("AuthFailure.SignatureExpire", "Signature expired.")
        if datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d") != date:
            return error("AuthFailure.SignatureFailure", "The date does not match.")
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                f"content-type:{self.headers['Content-Type']}",
                f"host:{self.headers['Host']}",
                "",
                "content-type;host",
                hashlib.sha256(raw).hexdigest(),
            ]
        )
        string_to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                f"{date}/{service}/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        if not hmac.compare_digest(
            _tc3_signature(SMS_SECRET_KEY, date, service, string_to_sign), fields["Signature"]
        ):
            return error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated.",
            )
        if self.headers.get("X-TC-Action") != "SendSms" or service != "sms":
            return error("InvalidAction", "The action does not exist.")
        if body.get("SmsSdkAppId") != SMS_APP_ID:
            return error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId verify fail.")
        if body.get("TemplateId") != SMS_TEMPLATE_ID or body.get("SignName") != SMS_SIGN_NAME:
            return error(
                "FailedOperation.TemplateIncorrectOrUnapproved", "Template is not approved."
            )
        answer = provider.next("sms")
        if answer == "500":
            return self._answer(500, "<html>502 Bad Gateway</html>")
        if answer == "throttled":
            return error("RequestLimitExceeded", "Request limit exceeded.")
        statuses = []
        for number in body.get("PhoneNumberSet", []):
            code, message = ("Ok", "send success")
            if answer == "limit":
                code, message = (
                    "LimitExceeded.PhoneNumberThirtySecondLimit",
                    "the number of sms messages sent from a single mobile number within 30 "
                    "seconds exceeds the upper limit",
                )
            statuses.append(
                {
                    "SerialNo": str(uuid.uuid4()) if code == "Ok" else "",
                    "PhoneNumber": number,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            )
        return self._answer(200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}})

    # --- robots ------------------------------------------------------------------------

    def _wecom(self, raw: bytes, body: dict, query: dict, provider: ProviderServer):
        if query.get("key") != WECOM_KEY:
            return self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
            return self._answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        answer = provider.next("wecom")
        if answer == "500":
            return self._answer(500, "<html>500</html>")
        if answer == "limit":
            return self._answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        return self._answer(200, {"errcode": 0, "errmsg": "ok"})

    def _dingtalk(self, raw: bytes, body: dict, query: dict, provider: ProviderServer):
        if query.get("access_token") != DINGTALK_TOKEN:
            return self._answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
        timestamp = query.get("timestamp", "")
        expected = base64.b64encode(
            hmac.new(
                DINGTALK_SECRET.encode(),
                f"{timestamp}\n{DINGTALK_SECRET}".encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
        if not fresh or not hmac.compare_digest(expected, query.get("sign", "")):
            return self._answer(
                200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding.example]"}
            )
        if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
            return self._answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
        answer = provider.next("dingtalk")
        if answer == "500":
            return self._answer(500, "<html>500</html>")
        if answer == "limit":
            return self._answer(
                200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            )
        return self._answer(200, {"errcode": 0, "errmsg": "ok"})

    # --- WeCom application / DingTalk work notice ------------------------------------------

    def _issue(self, provider: ProviderServer, vendor: str) -> None:
        token = f"{vendor}-token-{uuid.uuid4().hex}"
        with provider._lock:
            provider.tokens[token] = (vendor, time.time() + provider.token_seconds)
        self._answer(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": token,
                "expires_in": provider.token_seconds,
            },
        )

    def _wecom_token(self, query: dict, provider: ProviderServer):
        if query.get("corpid") != WECOM_CORP_ID:
            return self._answer(200, {"errcode": 40013, "errmsg": "invalid corpid"})
        if query.get("corpsecret") != WECOM_APP_SECRET:
            return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
        return self._issue(provider, "wecom")

    def _dingtalk_token(self, query: dict, provider: ProviderServer):
        if query.get("appkey") != DINGTALK_APP_KEY or query.get("appsecret") != (
            DINGTALK_APP_SECRET
        ):
            return self._answer(200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
        return self._issue(provider, "dingtalk")

    def _app_call(self, kind: str, body: dict, query: dict, provider: ProviderServer):
        vendor = kind.split("_")[0]
        with provider._lock:
            issued = provider.tokens.get(query.get("access_token", ""))
        if issued is None or issued[0] != vendor:
            if vendor == "wecom":
                return self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            return self._answer(
                200, {"errcode": 88, "sub_code": "40014", "errmsg": "不合法的access_token"}
            )
        if issued[1] <= time.time():
            if vendor == "wecom":
                return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
            return self._answer(
                200, {"errcode": 88, "sub_code": "42001", "errmsg": "access_token已过期"}
            )
        return getattr(self, f"_{kind}")(body, provider)

    def _wecom_userid(self, body: dict, provider: ProviderServer):
        userid = provider.wecom_users.get(body.get("mobile", ""))
        if userid is None:
            return self._answer(200, {"errcode": 46004, "errmsg": "user no exist"})
        return self._answer(200, {"errcode": 0, "errmsg": "ok", "userid": userid})

    def _dingtalk_userid(self, body: dict, provider: ProviderServer):
        userid = provider.dingtalk_users.get(body.get("mobile", ""))
        if userid is None:
            return self._answer(200, {"errcode": 60121, "errmsg": "找不到该用户"})
        return self._answer(
            200,
            {"errcode": 0, "errmsg": "ok", "result": {"userid": userid}, "request_id": "r1"},
        )

    def _wecom_app(self, body: dict, provider: ProviderServer):
        if str(body.get("agentid")) != WECOM_AGENT_ID:
            return self._answer(200, {"errcode": 40056, "errmsg": "invalid agentid"})
        if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
            return self._answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if body.get("touser") not in provider.wecom_users.values():
            return self._answer(200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"})
        answer = provider.next("wecom_app")
        if answer == "500":
            return self._answer(500, "<html>500</html>")
        if answer == "limit":
            return self._answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        return self._answer(
            200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": uuid.uuid4().hex}
        )

    def _dingtalk_app(self, body: dict, provider: ProviderServer):
        if str(body.get("agent_id")) != DINGTALK_AGENT_ID:
            return self._answer(200, {"errcode": 400005, "errmsg": "不合法的agentId"})
        msg = body.get("msg") or {}
        if msg.get("msgtype") != "text" or not msg.get("text", {}).get("content"):
            return self._answer(200, {"errcode": 40035, "errmsg": "缺少参数 msg"})
        if body.get("userid_list") not in provider.dingtalk_users.values():
            return self._answer(200, {"errcode": 33012, "errmsg": "无效的USERID"})
        answer = provider.next("dingtalk_app")
        if answer == "500":
            return self._answer(500, "<html>500</html>")
        if answer == "limit":
            return self._answer(200, {"errcode": 90018, "errmsg": "调用频率超过限制"})
        provider.task_id += 1
        return self._answer(
            200, {"errcode": 0, "errmsg": "ok", "task_id": provider.task_id, "request_id": "r2"}
        )


class ProviderServer:
    """Start with `start()`, stop with `stop()`; `port`, `received`, `script`."""

    class HTTPServer(ThreadingHTTPServer):
        daemon_threads = True
        provider: ProviderServer

    def __init__(self):
        self.received: list[Received] = []
        self.script: dict[str, list[str]] = {
            "sms": [],
            "wecom": [],
            "dingtalk": [],
            "wecom_app": [],
            "dingtalk_app": [],
        }
        self.tokens: dict[str, tuple[str, float]] = {}  # token: (vendor, expires at)
        self.token_seconds = TOKEN_SECONDS
        self.wecom_users: dict[str, str] = {}  # mobile: userid
        self.dingtalk_users: dict[str, str] = {}
        self.task_id = 0
        self._lock = threading.Lock()
        self._server = self.HTTPServer(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def next(self, kind: str) -> str:
        with self._lock:
            return self.script[kind].pop(0) if self.script[kind] else "ok"

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (as after two hours)."""
        with self._lock:
            self.tokens = {t: (vendor, 0.0) for t, (vendor, _at) in self.tokens.items()}

    def of(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]

    def start(self) -> ProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
