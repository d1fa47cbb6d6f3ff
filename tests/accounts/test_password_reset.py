"""Password reset: the mail leaves in the background with retries, and the page
answers the same for known and unknown addresses.

Figure from the probe (issue 15): the reset page answered 500 when no mail server
was reachable.
"""

import email
import email.policy
import socket
import socketserver
import threading

import pytest
from django.test import override_settings
from django.urls import reverse

from ..factories import UserFactory


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Django's SMTP backend; the first
    `server.refuse` sessions are turned away with 421 (service not available)."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        if server.refuse > 0:
            server.refuse -= 1
            self._say("421 busy, try again later")
            return
        self._say("220 localhost ESMTP test")
        data: list[bytes] = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._say("250 localhost")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self._say("250 OK")
            elif command == "DATA":
                self._say("354 end with .")
                while (body := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    data.append(body)
                server.messages.append(b"".join(data).decode(errors="replace"))
                data = []
                self._say("250 queued")
            elif command == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    server.refuse = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _mailers(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_ssl": False, "timeout": 5},
        }
    }


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reset(client, address):
    return client.post(reverse("account_reset_password"), {"email": address})


def test_no_mail_server_still_answers_the_done_page(client, db, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.gov.cn")
    with (
        override_settings(MAILERS=_mailers(_closed_port())),
        django_capture_on_commit_callbacks(execute=True),
    ):
        known = _reset(client, "known@example.gov.cn")
        unknown = _reset(client, "nobody@example.gov.cn")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")


def test_the_mail_is_retried_until_the_server_takes_it(
    client, db, smtp_server, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.gov.cn")
    smtp_server.refuse = 2
    with (
        override_settings(MAILERS=_mailers(smtp_server.server_address[1])),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _reset(client, "known@example.gov.cn")
    assert response.status_code == 302
    assert smtp_server.refuse == 0
    assert len(smtp_server.messages) == 1
    message = email.message_from_string(smtp_server.messages[0], policy=email.policy.default)
    assert "/accounts/password/reset/key/" in message.get_body().get_content()


def test_known_and_unknown_addresses_get_the_same_page(
    client, db, smtp_server, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.gov.cn")
    with (
        override_settings(MAILERS=_mailers(smtp_server.server_address[1])),
        django_capture_on_commit_callbacks(execute=True),
    ):
        known = _reset(client, "known@example.gov.cn")
        unknown = _reset(client, "nobody@example.gov.cn")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done = client.get(known["Location"])
    assert done.status_code == 200
