"""Question banks as other exam systems write them (issue 17, items 2 and 3): a title
row, the headings 试题类型 / 题目 / A-E / 正确答案 / 答案解析 / 所属知识点 / 难易程度 / 分值,
answers written in every common way, short answers with a reference answer instead
of a rubric, and ten bad rows that no longer keep the good ones out."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from exams import question_io
from exams.models import Question, QuestionType

HEAD = ["序号", "试题类型", "题目", "A", "B", "C", "D", "E", "正确答案", "答案解析"]
HEAD += ["所属知识点", "难易程度", "分值"]


def other_system_bank() -> bytes:
    """99 good rows and 10 bad ones, as another exam system exports them."""
    rows = []
    n = 0

    def add(kind, stem, options=(), answer="", level="中等", points=2, explanation=""):
        nonlocal n
        n += 1
        options = list(options) + [None] * (5 - len(options))
        rows.append(
            [n, kind, stem, *options, answer, explanation, "政务服务/首问负责", level, points]
        )

    for i in range(20):
        answer = ("ACD", "A,C,D", "A、C、D", "a c d")[i % 4]
        add("多选题", f"多选题{i}：一次性告知包括？", ["材料", "个人爱好", "时限", "流程"], answer)
    for i in range(20):
        add("单选题", f"单选题{i}：首问负责是？", ["转交", "负责到底", "拒绝"], "B", "简单", 1)
    for i in range(20):
        answer = ("正确", "错误", "√", "×")[i % 4]
        add("判断题", f"判断题{i}：窗口人员应当微笑服务。", answer=answer, level="困难")
    for i in range(20):
        answer = ("一网通办|一网通辦", "一网通办；一网通")[i % 2]
        add("填空题", f"填空题{i}：政务服务“____”改革。", answer=answer, level="较难")
    for i in range(15):
        add(
            "简答题",
            f"简答题{i}：简述首问负责制。",
            answer="第一位接待的工作人员负责到底，不推诿。",
            points=10,
        )
    for i in range(4):
        add("情景题", f"情景题{i}：模拟受理。", answer="核验身份(5分);一次性告知(5分)", points=10)
    # Ten bad rows.
    add("单选题", "坏1：没有答案", ["甲", "乙"], "")
    add("单选题", "坏2：答案多于一个", ["甲", "乙"], "AB")
    add("多选题", "坏3：只有一个答案", ["甲", "乙", "丙"], "A")
    add("判断题", "坏4：判断写错", answer="也许")
    add("论述题", "坏5：未知题型", answer="x")
    add("单选题", "坏6：答案指向空选项", ["甲", "乙"], "D")
    add("单选题", "坏7：难度不对", ["甲", "乙"], "A", level="超难")
    add("单选题", "坏8：分值不对", ["甲", "乙"], "A", points="两分")
    add("填空题", "坏9：填空没有答案", answer="")
    add("情景题", "坏10：情景没有答案", answer="")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年度综窗业务题库（导出）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEAD))
    sheet.append(HEAD)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(data, **kwargs):
    return question_io.questions_import(
        acting_user=None, filename="others.xlsx", data=data, **kwargs
    )


@pytest.mark.django_db
def test_the_good_rows_are_read_as_written_by_another_system():
    report = question_io.questions_preview(
        acting_user=None, filename="others.xlsx", data=other_system_bank()
    )
    assert report.header_row == 2
    assert report.counts["rows"] == 109
    assert report.counts["new"] == 99
    assert report.error_rows == 10
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_without_the_choice_ten_bad_rows_keep_everything_out():
    report = run(other_system_bank())
    assert not report.committed
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_the_valid_rows_are_imported_with_reference_answers_and_points():
    report = run(other_system_bank(), skip_invalid=True)
    assert report.committed and report.skipped_invalid
    assert Question.objects.count() == 99
    multiple = Question.objects.filter(type=QuestionType.MULTIPLE)
    assert {tuple(q.answer) for q in multiple} == {("A", "C", "D")}
    keys = sorted(q.answer[0] for q in Question.objects.filter(type=QuestionType.TRUE_FALSE))
    assert keys == ["A"] * 10 + ["B"] * 10
    blanks = Question.objects.filter(type=QuestionType.FILL_BLANK).first()
    assert blanks.answer in ([["一网通办", "一网通辦"]], [["一网通办", "一网通"]])
    short = Question.objects.filter(type=QuestionType.SHORT_ANSWER)
    assert short.count() == 15
    assert {(q.rubric == [], q.reference_answer, q.points) for q in short} == {
        (True, "第一位接待的工作人员负责到底，不推诿。", Decimal("10.0"))
    }
    scenario = Question.objects.filter(type=QuestionType.SCENARIO).first()
    assert scenario.rubric == [
        {"item": "核验身份", "points": 5},
        {"item": "一次性告知", "points": 5},
    ]
    assert {q.difficulty for q in Question.objects.filter(type=QuestionType.SINGLE)} == {1}
    assert {q.points for q in Question.objects.filter(type=QuestionType.SINGLE)} == {Decimal("1.0")}
    assert {q.difficulty for q in Question.objects.filter(type=QuestionType.FILL_BLANK)} == {4}


@pytest.mark.django_db
def test_the_rejected_rows_come_back_to_fix_and_only_they_are_added():
    data = other_system_bank()
    first = run(data, skip_invalid=True)
    with translation.override("zh-hans"):
        rejected = question_io.questions_rejected_xlsx(data=data, report=first)
    sheet = load_workbook(io.BytesIO(rejected)).active
    stems = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(stems) == 10 and all(s.startswith("坏") for s in stems)
    bad = [c for row in sheet.iter_rows(min_row=3) for c in row if c.comment]
    assert bad and all(c.fill.start_color.rgb == "FFF4B6B6" for c in bad)
    assert "分值" in sheet.cell(row=10, column=14).value or sheet.cell(row=10, column=13).comment
    # Fix two rows, upload the file again: only they are added.
    sheet.cell(row=3, column=9).value = "A"  # 坏1 gets an answer
    sheet.cell(row=10, column=13).value = 3  # 坏8 gets points
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    again = run(buffer.getvalue(), skip_invalid=True)
    assert again.counts["new"] == 2
    assert Question.objects.count() == 101
    assert Question.objects.get(stem="坏8：分值不对").points == Decimal("3.0")


@pytest.mark.django_db
def test_the_command_imports_the_valid_rows_with_skip_invalid(tmp_path, capsys):
    path = tmp_path / "others.xlsx"
    path.write_bytes(other_system_bank())
    with pytest.raises(SystemExit) as exit_:
        call_command("import_questions", str(path))
    assert exit_.value.code == 1 and Question.objects.count() == 0
    with pytest.raises(SystemExit) as exit_:
        call_command("import_questions", str(path), "--skip-invalid")
    assert exit_.value.code == 1  # rows were rejected, but the valid ones are in
    assert Question.objects.count() == 99
    assert "99" in capsys.readouterr().out


@pytest.mark.django_db
def test_gbk_csv_banks_are_read():
    text = "题型,题干,选项A,选项B,答案,知识点,分值\n单选题,首问负责？,是,否,A,规范,2\n"
    report = run(text.encode("gbk"))
    assert report.committed and Question.objects.get().points == Decimal("2.0")
