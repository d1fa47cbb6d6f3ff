"""Upload endpoints never read a body they are going to refuse.

Figure from the probe (issue 15): anonymous clients made upload endpoints read
100-200 MB bodies before being refused.
"""

import io

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from roster.models import RosterImport


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def _post(client, path, *, length, content_type, **headers):
    return client.generic(
        "POST",
        path,
        data=b"",
        content_type=content_type,
        headers=headers,
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=content_type,
        **{"wsgi.input": UnreadableBody()},
    )


@override_settings(UPLOAD_MAX_BYTES=2 * 1024 * 1024)
@pytest.mark.parametrize("path", ["/roster/upload/", "/api/roster/imports/"])
def test_an_over_limit_body_is_refused_from_its_length(client, city, coordinator_a, path):
    client.force_login(coordinator_a)
    response = _post(
        client, path, length=150 * 1024 * 1024, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 413
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/roster/upload/", "/api/roster/imports/", "/exams/bank/import/", "/accounts/login/"],
)
def test_anonymous_uploads_are_refused_before_parsing(client, db, path):
    response = _post(
        client, path, length=10 * 1024 * 1024, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_a_bad_token_does_not_open_the_multipart_parser(client, db):
    response = _post(
        client,
        "/api/roster/imports/",
        length=1024 * 1024,
        content_type="multipart/form-data; boundary=x",
        authorization="Token not-a-real-token",
    )
    assert response.status_code == 401


def test_a_valid_token_may_upload(client, city, coordinator_a):
    from .roster.files import person, xlsx

    token = Token.objects.create(user=coordinator_a)
    response = client.post(
        "/api/roster/imports/",
        {"file": _named(xlsx([person()]), "r.xlsx")},
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code in (200, 201, 202), response.content
    assert RosterImport.objects.count() == 1


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
