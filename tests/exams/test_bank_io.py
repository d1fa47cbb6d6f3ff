"""Question-bank xlsx import (dry run, then one transaction) and export; round trip."""

import io
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from audit.models import AuditEntry
from exams import question_io
from exams.models import BankSettings, KnowledgePoint, Question, QuestionStatus, QuestionType

from .helpers import make_bank

HEAD = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F"]
HEAD += ["答案", "解析", "知识点", "难度"]


def xlsx(rows, *, head=HEAD, title=None) -> bytes:
    """A real workbook written by openpyxl; text cells stay text (never formulas)."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def q(kind, stem, options=(), answer="", explanation="", point="政务服务规范/首问负责", level=3):
    options = list(options) + [None] * (6 - len(options))
    return [kind, stem, *options, answer, explanation, point, level]


def preview(data, user=None):
    return question_io.questions_preview(acting_user=user, filename="bank.xlsx", data=data)


def errors_of(report):
    return {(e["row"], e["code"]) for e in report.errors}


GOOD = [
    q(
        "单选题",
        "首问负责制要求第一位接待的工作人员做什么？",
        ["转交他人", "负责到底", "拒绝"],
        "B",
    ),
    q(
        "多选",
        "一次性告知应包括：",
        ["材料", "时限", "流程", "个人爱好"],
        "A、B，C",
        "告知全部要求。",
    ),
    q("判断题", "窗口人员可以在岗使用手机处理私事。", answer="×"),
    q("填空题", "政务服务“____”改革。", answer="一网通办|一网通辦；一网通"),
    q("简答", "简述首问负责制。", answer="", point="政务服务规范"),
    q("实操", "模拟受理一件不动产登记。", answer="核验身份(5分);一次性告知（5分）", level="4"),
]


@pytest.mark.django_db
def test_a_clean_file_previews_then_imports_with_every_type_parsed():
    data = xlsx(GOOD)
    report = preview(data)
    assert report.ok and report.counts["new"] == 6 and report.header_row == 1
    assert Question.objects.count() == 0 and KnowledgePoint.objects.count() == 0
    assert report.new_points == ["政务服务规范", "首问负责"]

    report = question_io.questions_import(acting_user=None, filename="bank.xlsx", data=data)
    assert report.committed
    by_type = {x.type: x for x in Question.objects.select_related("knowledge_point")}
    assert by_type[QuestionType.SINGLE].answer == ["B"]
    assert by_type[QuestionType.SINGLE].options == ["转交他人", "负责到底", "拒绝"]
    assert by_type[QuestionType.MULTIPLE].answer == ["A", "B", "C"]
    assert by_type[QuestionType.TRUE_FALSE].options == ["正确", "错误"]
    assert by_type[QuestionType.TRUE_FALSE].answer == ["B"]
    assert by_type[QuestionType.FILL_BLANK].answer == [["一网通办", "一网通辦", "一网通"]]
    assert by_type[QuestionType.SHORT_ANSWER].rubric == []
    assert by_type[QuestionType.SCENARIO].rubric == [
        {"item": "核验身份", "points": 5},
        {"item": "一次性告知", "points": 5},
    ]
    assert by_type[QuestionType.SCENARIO].difficulty == 4
    leaf = by_type[QuestionType.SINGLE].knowledge_point
    assert leaf.name == "首问负责" and leaf.parent.name == "政务服务规范"
    assert by_type[QuestionType.SHORT_ANSWER].knowledge_point == leaf.parent
    entry = AuditEntry.objects.get(action="exam.questions_imported")
    assert entry.data["counts"]["new"] == 6


@pytest.mark.django_db
def test_a_messy_file_is_read_title_row_spaces_full_width_blank_rows():
    head = [" 题 型 ", "题干*", "选项Ａ", "选项 B", "备注", "答　案", "知识点", "难度(1-5)"]
    rows = [
        ["单选题 ", " 受理材料不全时应当：  ", "一次性告知", "退回", "不要紧", "Ｂ ", "告知", "2"],
        [None, None, None, None, None, None, None, None],
        ["多选题", "两项都对", "甲", "乙", "", "ＡＢ", "告知", " 5 "],
    ]
    report = preview(xlsx(rows, head=head, title="2026年题库（第一批）"))
    assert report.ok, report.errors
    assert report.header_row == 2
    assert [n["row"] for n in report.new] == [3, 5]  # the blank row 4 is skipped
    assert report.new[0]["stem"] == "受理材料不全时应当："
    assert [n["difficulty"] for n in report.new] == [2, 5]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "code"),
    [
        (q("论述题", "题干", answer="A"), question_io.CODE_TYPE_UNKNOWN),
        (q("单选", "题干", ["甲", "乙"], ""), question_io.CODE_REQUIRED),
        (q("单选", "题干", ["甲", "乙"], "C"), question_io.CODE_ANSWER_EMPTY_OPTION),
        (q("单选", "题干", ["甲", "乙", "丙"], "AB"), question_io.CODE_SINGLE_ONE),
        (q("多选", "题干", ["甲", "乙", "丙"], "A"), question_io.CODE_MULTIPLE_TWO),
        (q("单选", "题干", ["甲", None, "丙"], "A"), question_io.CODE_OPTIONS_GAP),
        (q("单选", "题干", ["甲"], "A"), question_io.CODE_OPTIONS_FEW),
        (q("单选", "题干", ["甲", "乙"], "A1"), question_io.CODE_ANSWER_LETTERS),
        (q("判断", "题干", answer="也许"), question_io.CODE_TRUE_FALSE),
        (q("情景", "题干", answer=""), question_io.CODE_REQUIRED),
        (q("填空", "题干", answer=""), question_io.CODE_REQUIRED),
        (q("单选", "长" * 2001, ["甲", "乙"], "A"), question_io.CODE_TOO_LONG),
        (q("单选", "题干", ["甲", "乙"], "A", level="6"), question_io.CODE_DIFFICULTY),
        (q("单选", "题干", ["甲", "乙"], "A", level="hard"), question_io.CODE_DIFFICULTY),
        (q("单选", "题干", ["甲", "乙"], "A", level="nan"), question_io.CODE_DIFFICULTY),
        (q("单选", "题干", ["甲", "乙"], "A", level="inf"), question_io.CODE_DIFFICULTY),
        (q("单选", "题干", ["甲", "乙"], "A", level=2.5), question_io.CODE_DIFFICULTY),
        (q("单选", "题干", ["甲", "乙"], "A", point=""), question_io.CODE_REQUIRED),
        (q("单选", "", ["甲", "乙"], "A"), question_io.CODE_REQUIRED),
    ],
)
def test_each_bad_row_is_reported_by_row_number_and_nothing_is_written(row, code):
    good = q("单选", "正常的题", ["甲", "乙"], "A")
    data = xlsx([good, row])
    report = preview(data)
    assert (3, code) in errors_of(report)
    assert all(e["row"] == 3 for e in report.errors)
    report = question_io.questions_import(acting_user=None, filename="b.xlsx", data=data)
    assert not report.committed
    assert Question.objects.count() == 0 and KnowledgePoint.objects.count() == 0


@pytest.mark.django_db
def test_row_messages_are_translated():
    from django.utils import translation

    data = xlsx([q("单选", "题干", ["甲", "乙"], "C")])
    with translation.override("zh-hans"):
        report = preview(data)
    assert report.errors[0]["message"] == "答案选了选项 C，但该选项为空。"
    with translation.override("en"):
        assert question_io.row_message(report.errors[0]) == (
            "The answer names option C, which is empty."
        )


@pytest.mark.django_db
def test_a_knowledge_point_under_another_parent_is_an_error():
    KnowledgePoint.objects.create(name="首问负责")  # at the root
    report = preview(xlsx([q("单选", "题干", ["甲", "乙"], "A", point="服务规范/首问负责")]))
    assert errors_of(report) == {(2, question_io.CODE_POINT_CONFLICT)}
    # The point's own name alone finds it wherever it is.
    report = preview(xlsx([q("单选", "题干", ["甲", "乙"], "A", point="首问负责")]))
    assert report.ok and report.new_points == []


@pytest.mark.django_db
def test_duplicates_in_the_bank_and_in_the_file_are_reported_and_skipped():
    kp = KnowledgePoint.objects.create(name="首问负责")
    Question.objects.create(
        type="single", stem="已有的题", options=["甲", "乙"], answer=["B"], knowledge_point=kp
    )
    rows = [
        q("单选", "已有的题", ["甲", "乙"], "A", point="首问负责"),
        q("单选", "新题", ["甲", "乙"], "A", point="首问负责"),
        q("单选", "新题", ["甲", "乙"], "B", point="首问负责"),
        q("判断", "已有的题", answer="对", point="首问负责"),  # another type: not a duplicate
    ]
    report = question_io.questions_import(acting_user=None, filename="b.xlsx", data=xlsx(rows))
    assert report.committed and report.counts["new"] == 2
    assert {(d["row"], d["code"]) for d in report.duplicates} == {
        (2, question_io.CODE_DUPLICATE_BANK),
        (4, question_io.CODE_DUPLICATE_FILE),
    }
    assert Question.objects.get(stem="已有的题", type="single").answer == ["B"]  # unchanged
    assert Question.objects.get(stem="新题").answer == ["A"]


@pytest.mark.django_db
def test_formula_looking_text_is_kept_as_text_and_neutralised_on_export():
    rows = [q("单选", '=HYPERLINK("http://x")', ["+1", "@SUM(A1)"], "A", "-2")]
    question_io.questions_import(acting_user=None, filename="b.xlsx", data=xlsx(rows))
    question = Question.objects.get()
    assert question.stem == '=HYPERLINK("http://x")' and question.options == ["+1", "@SUM(A1)"]
    exported = question_io.questions_export_xlsx(questions=Question.objects.all())
    sheet = load_workbook(io.BytesIO(exported)).active
    values = [cell.value for cell in sheet[2]]
    assert values[1] == '\'=HYPERLINK("http://x")'
    assert values[2:4] == ["'+1", "'@SUM(A1)"] and values[9] == "'-2"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.django_db
def test_export_then_import_gives_back_the_same_questions():
    BankSettings.objects.update_or_create(pk=1, defaults={"review_required": False})
    make_bank(per_type=1)
    child = KnowledgePoint.objects.create(
        name="首问负责", parent=KnowledgePoint.objects.get(name="政策法规")
    )
    Question.objects.create(
        type="scenario",
        stem="=模拟受理\n第二行",
        rubric=[{"item": "核验身份", "points": 5}, {"item": "告知", "points": 2.5}],
        knowledge_point=child,
        difficulty=5,
        status=QuestionStatus.DRAFT,
        explanation="多行\n解析",
    )
    Question.objects.create(
        type="fill_blank",
        stem="两个空",
        answer=[["甲", "甲甲"], ["乙"]],
        knowledge_point=child,
        status=QuestionStatus.RETIRED,
    )
    fields = ("type", "stem", "options", "answer", "rubric", "explanation", "difficulty", "status")

    def snapshot():
        return sorted(
            (tuple(str(getattr(x, f)) for f in fields), x.knowledge_point.name)
            for x in Question.objects.select_related("knowledge_point")
        )

    before = snapshot()
    exported = question_io.questions_export_xlsx(questions=Question.objects.all())
    Question.objects.all().delete()
    KnowledgePoint.objects.filter(parent__isnull=False).delete()
    KnowledgePoint.objects.all().delete()
    report = question_io.questions_import(acting_user=None, filename="x.xlsx", data=exported)
    assert report.ok and report.counts["new"] == len(before)
    assert snapshot() == before
    assert KnowledgePoint.objects.get(name="首问负责").parent.name == "政策法规"
    # And importing it again finds only duplicates.
    again = preview(exported)
    assert again.counts["new"] == 0 and again.counts["duplicates"] == len(before)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 600, "file_not_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "file_not_spreadsheet"),
        (b"", "file_empty"),
        (_zip({"[Content_Types].xml": b"x", "xl/a.xml": b"0" * 50_000_000}), "file_bomb"),
    ],
)
def test_files_that_are_not_real_spreadsheets_are_refused_by_content(data, code, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024
    report = preview(data)
    assert report.refused["code"] == code and not report.errors
    assert question_io.questions_import(acting_user=None, filename="x.xlsx", data=data).refused


@pytest.mark.django_db
def test_missing_required_columns_and_empty_template_are_refused():
    report = preview(xlsx([["单选", "题"]], head=["题型", "题干"]))
    assert report.refused["code"] == "file_missing_columns"
    assert "答案" in report.refused["message"] and "知识点" in report.refused["message"]
    template = question_io.template_xlsx()
    assert preview(template).refused["code"] == "file_no_rows"
    headings = [c.value for c in load_workbook(io.BytesIO(template)).active[1]]
    assert headings[:12] == HEAD


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing_and_the_import_writes(tmp_path, capsys):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(GOOD))
    call_command("import_questions", str(path), "--dry-run")
    assert Question.objects.count() == 0
    assert "6 to import" in capsys.readouterr().out
    call_command("import_questions", str(path))
    assert Question.objects.count() == 6
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([q("论述题", "题", answer="A")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_questions", str(bad))
    assert exit_info.value.code == 1 and Question.objects.count() == 6


@pytest.mark.django_db
def test_a_learner_or_manager_may_not_import(city, learner_a1, manager_a):
    from django.core.exceptions import PermissionDenied

    for user in (learner_a1[0], manager_a):
        with pytest.raises(PermissionDenied):
            question_io.questions_import(acting_user=user, filename="b.xlsx", data=xlsx(GOOD))
    assert Question.objects.count() == 0
