"""xlsx exports of a session: results (per counted attempt) and item analysis; every
text cell neutralised, headers in the user's language, no ID numbers; audited."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from exams.selectors import session_analysis, session_results
from exams.services import attempt_save, attempt_start

from ..factories import StaffFactory, UserFactory
from .helpers import hand_in_and_score, make_bank, open_session


@pytest.fixture
def finished(city):
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "single", "count": 2, "points": 30},
            {"type": "true_false", "count": 2, "points": 20},
        ],
        shuffle_questions=False,
    )
    people = []
    for number, name, right in (("A-001", '=HYPERLINK("x")', 2), ("A-002", "李四", 4)):
        user = UserFactory()
        staff = StaffFactory(department=city.township_a1, user=user, staff_number=number, name=name)
        attempt = attempt_start(session=session, staff=staff)
        for seq, item in enumerate(attempt.items.order_by("position")[:right], 1):
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=user.pk,
                position=item.position,
                answer=item.key,
                seq=seq,
            )
        people.append((staff, hand_in_and_score(attempt)))
    return session, people


def _sheet(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return load_workbook(io.BytesIO(response.content)).active


def test_results_export_has_one_row_per_person_cell_by_cell(client, finished, coordinator_a):
    session, people = finished
    client.force_login(coordinator_a)
    response = client.get(
        f"/exams/manage/{session.public_id}/results.xlsx", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    sheet = _sheet(response)
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Staff number", "Name", "Unit", "Score", "Maximum", "Percent"]
    assert header[-5:] == ["Status", "Result", "Times the page was left", "Started", "Finished"]
    point_columns = header[6:-5]
    assert point_columns and all(c.endswith("(%)") for c in point_columns)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 14
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 2
    first, second = rows
    (staff1, attempt1), (staff2, _attempt2) = people
    assert first[:6] == ["A-001", '\'=HYPERLINK("x")', "甲一镇", 60.0, 100.0, 60.0]
    assert second[:6] == ["A-002", "李四", "甲一镇", 100.0, 100.0, 100.0]
    assert first[-5:-2] == ["Submitted", "passed", 0]
    assert second[-5:-2] == ["Submitted", "passed", 0]
    assert first[-2] == timezone.localtime(attempt1.started_at).replace(tzinfo=None, microsecond=0)
    assert first[-1] == timezone.localtime(attempt1.finished_at).replace(tzinfo=None, microsecond=0)
    expected = session_results(session=session)[staff2.pk]["points"]
    by_column = dict(expected.values())
    for column, value in zip(point_columns, second[6:-5], strict=True):
        assert value == by_column.get(column.removesuffix(" (%)"))
    assert set(by_column.values()) == {100.0}
    cells = " ".join(str(v) for row in rows for v in row)
    assert staff1.id_number_masked not in cells and staff2.id_number_masked not in cells
    entry = AuditEntry.objects.get(action="exam.results_exported")
    assert entry.actor == coordinator_a and entry.target_id == str(session.public_id)


def test_headers_follow_the_users_language(client, finished, coordinator_a):
    session, _people = finished
    client.force_login(coordinator_a)
    response = client.get(
        f"/exams/manage/{session.public_id}/results.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    header = [c.value for c in _sheet(response)[1]]
    assert header[:2] == ["工号", "姓名"]


def test_analysis_export_lists_each_question_with_its_statistics(client, finished, manager_a):
    session, _people = finished
    client.force_login(manager_a)  # read-only managers may export reports
    response = client.get(
        f"/exams/manage/{session.public_id}/analysis.xlsx", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    sheet = _sheet(response)
    assert [c.value for c in sheet[1]] == [
        "Question",
        "Knowledge point",
        "Answers",
        "Facility",
        "Discrimination",
        "Options chosen",
        "Flags",
    ]
    assert sheet.freeze_panes == "A2"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2) if row[0].value]
    analysis = session_analysis(session=session)
    flag_text = {"too_easy": "too easy", "too_hard": "too hard"}
    expected = [
        [
            i.stem,
            i.knowledge_point,
            i.n,
            i.facility,
            i.discrimination,
            " ".join(f"{k}:{v}" for k, v in i.option_counts.items()) or None,  # empty cell
            ", ".join(flag_text[f] for f in i.flags) or None,
        ]
        for i in analysis.items
    ]
    assert rows[: len(expected)] == expected
    assert sum(r[2] for r in expected) == 8  # two people × four questions
    summary = dict(r[:2] for r in rows[len(expected) :])
    assert summary == {
        "reliability (KR-20)": analysis.kr20,
        "Handed in": 2,
        "mean score": 80,
        "pass rate": 100,
    }
    assert AuditEntry.objects.filter(action="exam.analysis_exported", actor=manager_a).exists()
