"""Configuration, the pass rule and practical score imports."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from certificates.models import Assessment, AssessmentStatus
from certificates.services import (
    MSG_IMPORT_NAME_MISMATCH,
    MSG_IMPORT_UNKNOWN_STAFF,
    MSG_LEVEL_NOT_OFFERED,
    MSG_NO_REVIEW_AT_LEVEL,
    MSG_SCORE_RANGE,
    assessment_create,
    assessment_record_practical,
    assessment_record_review,
    assessment_record_theory,
    practical_scores_import,
)

from ..factories import StaffFactory


def test_seeded_levels_and_rules(levels, rules):
    assert [(lv.code, lv.name) for lv in sorted(levels.values(), key=lambda lv: -lv.code)] == [
        (5, "五级/初级工"),
        (4, "四级/中级工"),
        (3, "三级/高级工"),
        (2, "二级/技师"),
        (1, "一级/高级技师"),
    ]
    assert {c for c, lv in levels.items() if lv.requires_review} == {1, 2}
    assert {c for c, lv in levels.items() if lv.is_offered} == {3, 4, 5}
    assert rules.pass_mark == 60
    assert rules.required_level.code == 5
    assert rules.validity_years is None


def _assessment(city, levels, code=5, **kwargs):
    staff = StaffFactory(department=city.township_a1)
    return assessment_create(candidate=staff, level=levels[code], **kwargs)


@pytest.mark.parametrize(
    ("theory", "practical", "status"),
    [
        (None, None, AssessmentStatus.PENDING),
        (80, None, AssessmentStatus.PENDING),
        (60, 60, AssessmentStatus.PASSED),
        (100, 59.9, AssessmentStatus.FAILED),
        (59.5, 95, AssessmentStatus.FAILED),
        (None, 40, AssessmentStatus.FAILED),
    ],
)
def test_a_candidate_passes_when_both_parts_reach_the_pass_mark(
    city, levels, theory, practical, status
):
    assessment = _assessment(city, levels)
    if theory is not None:
        assessment_record_theory(assessment=assessment, score=theory, source_label="月考试")
    if practical is not None:
        assessment_record_practical(assessment=assessment, score=practical, source_label="考评员")
    assessment.refresh_from_db()
    assert assessment.status == status


def test_the_pass_mark_is_configuration(city, levels, rules):
    rules.pass_mark = 70
    rules.save()
    assessment = _assessment(city, levels)
    assessment_record_theory(assessment=assessment, score=65, source_label="x")
    assessment_record_practical(assessment=assessment, score=90, source_label="x")
    assert assessment.status == AssessmentStatus.FAILED


@pytest.mark.parametrize(
    ("review", "status"),
    [(None, AssessmentStatus.PENDING), (True, AssessmentStatus.PASSED), (False, "failed")],
)
def test_levels_2_and_1_also_need_a_passed_comprehensive_review(city, levels, review, status):
    levels[2].is_offered = True
    levels[2].save()
    assessment = _assessment(city, levels, code=2)
    assessment_record_theory(assessment=assessment, score=90, source_label="x")
    assessment_record_practical(assessment=assessment, score=90, source_label="x")
    if review is not None:
        assessment_record_review(assessment=assessment, passed=review)
    assert assessment.status == status


def test_lower_levels_have_no_review(city, levels):
    assessment = _assessment(city, levels, code=4)
    with pytest.raises(ValidationError) as exc:
        assessment_record_review(assessment=assessment, passed=True)
    assert exc.value.messages == [str(MSG_NO_REVIEW_AT_LEVEL)]


def test_a_level_not_offered_cannot_be_assessed(city, levels):
    staff = StaffFactory(department=city.township_a1)
    with pytest.raises(ValidationError) as exc:
        assessment_create(candidate=staff, level=levels[1])
    assert str(MSG_LEVEL_NOT_OFFERED) in exc.value.messages
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("score", [-1, 100.5, "abc", ""])
def test_scores_outside_0_to_100_are_refused(city, levels, score):
    assessment = _assessment(city, levels)
    with pytest.raises(ValidationError) as exc:
        assessment_record_practical(assessment=assessment, score=score, source_label="x")
    assert exc.value.messages == [str(MSG_SCORE_RANGE)]
    assessment.refresh_from_db()
    assert assessment.practical_score is None


def test_theory_is_recorded_with_its_source_and_attempt_reference(city, levels, coordinator_a):
    assessment = _assessment(city, levels, acting_user=coordinator_a)
    assessment_record_theory(
        assessment=assessment,
        score="88.5",
        source_label="2026年11月月考",
        attempt_ref="attempt-42",
        acting_user=coordinator_a,
    )
    assessment.refresh_from_db()
    assert assessment.theory_score == Decimal("88.5")
    assert assessment.theory_attempt_ref == "attempt-42"
    assert AuditEntry.objects.filter(action="assessment.theory_recorded").count() == 1


def test_a_coordinator_cannot_score_candidates_of_other_units(city, levels, coordinator_a):
    staff = StaffFactory(department=city.township_b1)
    assessment = assessment_create(candidate=staff, level=levels[5])
    with pytest.raises(PermissionDenied):
        assessment_record_practical(
            assessment=assessment, score=90, source_label="x", acting_user=coordinator_a
        )
    assessment.refresh_from_db()
    assert assessment.practical_score is None


def _xlsx(rows) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def test_practical_import_is_a_dry_run_first_with_errors_by_row(city, levels, coordinator_a):
    a = StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    StaffFactory(department=city.township_b1, name="李四", staff_number="S2")
    file = _xlsx(
        [
            ["2026年11月操作技能考核成绩"],
            ["工号", "姓名", "等级", "实操成绩"],
            ["S1", "张三", "五级/初级工", 82],
            ["S2", "李四", 5, 70],
            ["S1", "张四", 4, 70],
            ["S1", "张三", 3, 170],
        ]
    )
    result = practical_scores_import(file=file, acting_user=coordinator_a, dry_run=True)
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (4, "A", str(MSG_IMPORT_UNKNOWN_STAFF)),
        (5, "B", str(MSG_IMPORT_NAME_MISMATCH)),
        (6, "D", str(MSG_SCORE_RANGE)),
    ]
    assert not result.committed
    # Even asked to write, a file with errors changes nothing.
    result = practical_scores_import(file=file, acting_user=coordinator_a, dry_run=False)
    assert not result.committed
    assert not Assessment.objects.filter(candidate=a).exists()
    # Unless the valid rows alone are asked for: row 3 is written, and only row 3.
    result = practical_scores_import(
        file=file, acting_user=coordinator_a, dry_run=False, skip_invalid=True
    )
    assert result.committed and result.skipped_invalid
    assert [x.practical_score for x in Assessment.objects.filter(candidate=a)] == [82]


def test_practical_import_writes_scores_in_one_go(city, levels, coordinator_a):
    a = StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    b = StaffFactory(department=city.township_a2, name="王五", staff_number="S3")
    existing = assessment_create(candidate=a, level=levels[5])
    assessment_record_theory(assessment=existing, score=75, source_label="月考")
    file = _xlsx(
        [["工号", "姓名", "等级", "实操成绩"], ["S1", "张三", 5, 82], ["S3", "王五", 4, 55]]
    )
    result = practical_scores_import(file=file, acting_user=coordinator_a, dry_run=False)
    assert result.ok and result.committed
    existing.refresh_from_db()
    assert existing.practical_score == 82
    assert existing.status == AssessmentStatus.PASSED
    new = Assessment.objects.get(candidate=b)
    assert (new.level.code, new.practical_score, new.status) == (4, 55, "failed")


def test_practical_import_reports_a_file_without_header(city, coordinator_a):
    result = practical_scores_import(file=_xlsx([["a", "b"]]), acting_user=coordinator_a)
    assert result.refused["code"] == "file_no_header"
    result = practical_scores_import(file=io.BytesIO(b"PK\x03\x04 not a spreadsheet"))
    assert result.refused["code"] == "file_not_spreadsheet"


def test_the_import_template_lists_open_assessments_and_reimports(city, levels, coordinator_a):
    from certificates.services import practical_scores_template

    mine = StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    other = StaffFactory(department=city.township_b1, name="李四", staff_number="S2")
    assessment_create(candidate=mine, level=levels[5])
    assessment_create(candidate=other, level=levels[5])
    content = practical_scores_template(acting_user=coordinator_a)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows == [("工号", "姓名", "等级", "实操成绩"), ("S1", "张三", "五级/初级工", None)]
    ws.cell(row=2, column=4, value=88)
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    buffer.seek(0)
    result = practical_scores_import(file=buffer, acting_user=coordinator_a, dry_run=False)
    assert result.committed
    assert Assessment.objects.get(candidate=mine).practical_score == 88
