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
  rate-limited.

`server.script[kind]` lists the answers to give next ("ok", "limit", "500"), then "ok".
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


class ProviderServer:
    """Start with `start()`, stop with `stop()`; `port`, `received`, `script`."""

    class HTTPServer(ThreadingHTTPServer):
        daemon_threads = True
        provider: ProviderServer

    def __init__(self):
        self.received: list[Received] = []
        self.script: dict[str, list[str]] = {"sms": [], "wecom": [], "dingtalk": []}
        self._lock = threading.Lock()
        self._server = self.HTTPServer(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def next(self, kind: str) -> str:
        with self._lock:
            return self.script[kind].pop(0) if self.script[kind] else "ok"

    def of(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]

    def start(self) -> ProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
