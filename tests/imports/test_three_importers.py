"""Rosters, question banks and practical scores share one engine: every kind of bad
upload gets the same clear Chinese message from all three, and nothing is written;
a GBK csv with a title row and "Staff No."-style headings is read by all three."""

import pytest
from django.utils import translation

from certificates import services as certificate_services
from certificates.models import Assessment
from core.imports import files
from exams import question_io
from exams.models import Question
from organisation.models import Staff
from roster import services as roster_services
from tests.factories import StaffFactory
from tests.roster.files import encrypted_xlsx, upload, zip_bomb

from .test_engine import xlsx


def _renamed_binary():
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


BAD = {
    "empty": (lambda: b"", files.REFUSAL_EMPTY, "文件为空"),
    "renamed binary": (_renamed_binary, files.REFUSAL_NOT_SPREADSHEET, "不是电子表格"),
    "encrypted": (encrypted_xlsx, files.REFUSAL_ENCRYPTED, "密码保护"),
    "zip bomb": (lambda: zip_bomb(40 * 1024 * 1024), files.REFUSAL_BOMB, "已拒收"),
    "no header": (lambda: xlsx([["说明"], ["没有表头"]]), files.REFUSAL_NO_HEADER, "未找到表头"),
}


def roster(data, user):
    return roster_services.roster_preview(file=upload(data), filename="f.xlsx", acting_user=user)


def bank(data, user):
    return question_io.questions_import(acting_user=user, filename="f.xlsx", data=data)


def practical(data, user):
    return certificate_services.practical_scores_import(
        file=upload(data), acting_user=user, dry_run=False
    )


IMPORTERS = {"roster": roster, "question bank": bank, "practical scores": practical}


@pytest.mark.parametrize("importer", list(IMPORTERS))
@pytest.mark.parametrize("kind", list(BAD))
def test_every_bad_upload_is_refused_in_chinese_by_every_importer(
    importer, kind, city, coordinator_a, settings
):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024
    make, code, chinese = BAD[kind]
    staff_before = Staff.objects.count()
    with translation.override("zh-hans"):
        report = IMPORTERS[importer](make(), coordinator_a)
    assert report.refused["code"] == code
    assert chinese in report.refused["message"]
    assert not report.committed
    assert Staff.objects.count() == staff_before
    assert Question.objects.count() == 0 and Assessment.objects.count() == 0


def test_gbk_csv_with_english_headings_is_read_by_the_practical_import(city, levels, coordinator_a):
    StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    text = "实操成绩表\nStaff No.,Name,Level,Practical Score\nS1,张三,5,88\n"
    report = practical(text.encode("gbk"), coordinator_a)
    assert report.committed, report.errors or report.refused
    assert Assessment.objects.get().practical_score == 88


def test_a_float_staff_number_is_read_as_written(city, levels, coordinator_a):
    StaffFactory(department=city.township_a1, name="张三", staff_number="1001")
    report = practical(
        xlsx([["工号", "姓名", "等级", "实操成绩"], [1001.0, "张三", 5, 70]]), coordinator_a
    )
    assert report.committed, report.errors


def test_a_roster_headed_staff_no_is_read(city, coordinator_a):
    from tests.roster.files import person

    from .test_engine import csv_data

    header = ["Name", "ID No.", "Staff No.", "Unit", "Post", "Window staff", "Mobile", "Hire date"]
    data = csv_data([["2026 roster"], header, person("A1")], "gbk")
    report = roster(data, coordinator_a)
    assert report.refused is None and report.ok, report.errors
    assert report.header_row == 2 and report.counts["new"] == 1
