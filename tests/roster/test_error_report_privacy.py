"""No download carries a full ID number (issue 15, item 7): the roster's error
report and its rejected-rows workbook show ID numbers masked, every cell and every
comment, and the comment of a bad ID cell still says what is wrong."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from roster.models import ImportStatus, RosterImport
from tests.factories import unique_id_number

from .files import person, upload, xlsx

ID_PATTERN = re.compile(r"\d{17}[\dXx]")


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def every_text(content: bytes) -> str:
    """All the text of an xlsx: every XML member (cells, shared strings, comments)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
        )


def test_the_error_report_masks_every_id_number_and_says_what_is_wrong(coordinator_client, city):
    good_id = unique_id_number()
    other_id = unique_id_number()
    wrong_check = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    rows = [
        person(id_number=good_id),  # fine
        person(id_number=other_id, unit="没有这个单位"),  # bad unit, ID fine
        person(id_number=wrong_check),  # bad check digit
        person(id_number=360102197001011234),  # stored as a number
    ]
    response = coordinator_client.post(
        reverse("roster:upload"), {"file": upload(xlsx(rows, title="花名册"), "roster.xlsx")}
    )
    assert response.status_code == 302
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.INVALID
    report = coordinator_client.get(reverse("roster:error_report", args=[record.public_id]))
    assert report.status_code == 200
    text = every_text(report.content)
    for number in (good_id, other_id, wrong_check, "360102197001011234"):
        assert number not in text
    assert not ID_PATTERN.search(text)
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    # Row 3 is the first person (title row, header row).
    assert sheet["B3"].value == good_id[:3] + "*" * 11 + good_id[-4:]
    assert sheet["B5"].value == wrong_check[:3] + "*" * 11 + wrong_check[-4:]
    assert "校验" in sheet["B5"].comment.text or "check" in sheet["B5"].comment.text
    assert sheet["B5"].fill.fgColor.rgb == "FFF4B6B6"
    assert sheet["B4"].comment is not None  # the row goes back to be fixed: write it again


def test_the_rejected_rows_workbook_masks_id_numbers_too(coordinator_client, city):
    hidden = unique_id_number()
    rows = [person(), person(id_number=hidden, unit="没有这个单位")]
    coordinator_client.post(reverse("roster:upload"), {"file": upload(xlsx(rows), "r.xlsx")})
    record = RosterImport.objects.get()
    response = coordinator_client.get(reverse("roster:rejected_rows", args=[record.public_id]))
    assert response.status_code == 200
    text = every_text(response.content)
    assert hidden not in text and not ID_PATTERN.search(text)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2  # the header and the one rejected row
